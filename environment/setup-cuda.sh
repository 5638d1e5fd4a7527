#!/usr/bin/env bash
# npm run setup:cuda — opt-in install of the TensorFlow C backend for tfjs (see src/backend/README.md, "TensorFlow").
# Tries @tensorflow/tfjs-node-gpu (CUDA 11.2 + cuDNN 8.1) when an NVIDIA driver is visible, else @tensorflow/tfjs-node.
# Both download libtensorflow from Google's storage at install time: this fails on machines that reach only the
# npm registry. Installed with --no-save: `npm ci` never runs this and removes it again (rerun after `npm ci`).
set -euo pipefail
cd "$(dirname "$0")/../.."
VERSION="${TFJS_NODE_VERSION:-4.22.0}"
want=("@tensorflow/tfjs-node@$VERSION")
if [[ "${BEACONS_CUDA:-auto}" != "0" ]] && { command -v nvidia-smi >/dev/null 2>&1 || [[ "${BEACONS_CUDA:-}" == "1" ]]; }; then
  want=("@tensorflow/tfjs-node-gpu@$VERSION" "@tensorflow/tfjs-node@$VERSION")
fi
for pkg in "${want[@]}"; do
  echo "setup:cuda: npm install --no-save $pkg"
  if npm install --no-save --no-audit --no-fund "$pkg"; then
    name="${pkg%@*}"
    if node -e "require('$name')" 2>/dev/null; then
      echo "setup:cuda: $name installed; use it with --backend tensorflow (or BEACONS_BACKEND=tensorflow)"
      exit 0
    fi
    echo "setup:cuda: $name installed but does not load (libtensorflow / CUDA libraries missing?)" >&2
  fi
done
echo "setup:cuda: no TensorFlow backend could be installed (it downloads libtensorflow at install time)" >&2
exit 1
