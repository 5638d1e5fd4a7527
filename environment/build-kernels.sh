#!/usr/bin/env bash
# Rebuilds src/kernels/matmul.wasm from src/kernels/matmul.c (the SIMD128 batched matmul of the wasm backend,
# see src/kernels/simd-matmul.ts) and src/kernels/adamw.c (the fused AdamW update, src/kernels/adamw.ts) with
# Debian's clang and lld: `apt-get install -y clang lld`.
# The committed .wasm was built with "Debian clang version 14.0.6"; src/kernels/simd-matmul.test.ts rebuilds it
# with this script and compares the bytes.
#
# Flags: no libc, no data, no stack (the module imports tfjs's memory and must write nothing but its output),
# -ffp-contract=off and no fast-math (the same float operations, in the same order, as tfjs's C++).
# Usage: environment/build-kernels.sh [OUT.wasm]   (default: src/kernels/matmul.wasm)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/src/kernels/matmul.wasm}"
CLANG="${CLANG:-clang}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# relative source path and a fixed working directory: nothing of this machine ends up in the bytes
cd "$here"
"$CLANG" --target=wasm32 -O2 -msimd128 -ffp-contract=off -fno-fast-math -ffreestanding -fno-builtin -nostdlib \
  -fno-ident -Wall -Wextra -Werror \
  -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all -Wl,--initial-memory=65536 -Wl,-z,stack-size=0 \
  -o "$tmp/matmul.wasm" src/kernels/matmul.c src/kernels/adamw.c
cp "$tmp/matmul.wasm" "$out"
echo "wrote $out ($(stat -c %s "$out") bytes)"
