#!/usr/bin/env bash
# Install Jupyter (Debian packages) and register this project's tslab kernel. Idempotent: rerun at will.
#
#   sudo environment/install-jupyter.sh            # packages + kernel
#   environment/install-jupyter.sh --kernel-only   # kernel only (Jupyter already installed, e.g. pip/conda)
#
# Env: PYTHON (default /usr/bin/python3, Debian's, which has the Jupyter packages; `python3` on PATH may be another
# Python), SKIP_CHROMIUM=1 to leave out Chromium (figures then show as plotly JSON + a text summary only).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
project="$(cd "$here/.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"
tslab="$project/node_modules/.bin/tslab"

if [[ "${1:-}" != "--kernel-only" ]]; then
  pkgs=(jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel)
  [[ "${SKIP_CHROMIUM:-0}" == "1" ]] || pkgs+=(chromium)
  missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    sudo=""
    [[ "$(id -u)" == "0" ]] || sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "Debian packages already installed: ${pkgs[*]}"
  fi
fi

if [[ ! -x "$tslab" ]]; then
  echo "error: $tslab not found: run 'npm ci' in $project first" >&2
  exit 1
fi
# tslab talks to Jupyter through zeromq's prebuilt addon (shipped in the npm tarball; no install script needed).
(cd "$project" && node -e "require('zeromq')") || {
  echo "error: zeromq's native addon does not load (see environment/README.md, 'zeromq')" >&2
  exit 1
}

# Registers kernels 'tslab' (TypeScript) and 'jslab' (JavaScript); overwrites an older registration.
"$tslab" install --python="$python" --binary="$tslab"
"$python" -Xfrozen_modules=off - <<'PY'
from jupyter_client.kernelspec import KernelSpecManager
for name, spec in sorted(KernelSpecManager().get_all_specs().items()):
    print(f"kernel {name}: {' '.join(spec['spec']['argv'][:2])}  ({spec['resource_dir']})")
PY
