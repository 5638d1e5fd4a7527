#!/usr/bin/env bash
# `npm run test:notebooks`: executes every notebook at smoke scale (executed copies in .cache/notebooks, results in
# .cache/results-smoke, so the committed notebooks and results/ stay untouched), then checks in headless Chromium that
# the figures draw: notebook 01 exported by nbconvert, and every notebook opened untrusted in classic Notebook (one
# visible image per figure output, one visible text per reading), and that every per-case table equals its
# recomputation from cases.jsonl (test/notebook-tables.test.ts). Notebook 06 runs its exercises here, at smoke
# scale (their runs cached in .cache/what-if). Without Jupyter or the tslab kernel it says so and skips — except
# under CI=true, where it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-/usr/bin/python3}"
reason=""
if ! "$python" -c 'import nbclient, jupyter_client' 2>/dev/null; then
  reason="Jupyter (nbclient) is not installed for $python: run 'bash environment/install-jupyter.sh'"
elif ! "$python" -c 'from jupyter_client.kernelspec import KernelSpecManager as K; K().get_kernel_spec("tslab")' 2>/dev/null; then
  reason="the tslab kernel is not registered: run 'bash environment/install-jupyter.sh --kernel-only'"
fi
if [[ -n "$reason" ]]; then
  if [[ "${CI:-}" == "true" ]]; then
    echo "error: notebooks cannot run: $reason" >&2
    exit 1
  fi
  echo "notebooks: SKIPPED — $reason"
  exit 0
fi
"$python" notebooks/build.py --check
"$python" environment/run-notebooks.py --env BEACONS_SCALE=smoke --env BEACONS_RESULTS=.cache/results-smoke -o .cache/notebooks
BEACONS_RENDER_NOTEBOOK=.cache/notebooks/01-distance-curves.ipynb BEACONS_UNTRUSTED_NOTEBOOKS=.cache/notebooks \
  BEACONS_TABLE_NOTEBOOKS=.cache/notebooks BEACONS_RESULTS=.cache/results-smoke \
  node --import tsx --test --test-concurrency=1 test/notebook-render.test.ts test/notebook-untrusted.test.ts \
  test/notebook-tables.test.ts
