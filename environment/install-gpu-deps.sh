#!/usr/bin/env bash
# Debian packages the WebGPU backend (src/backend/webgpu.ts, Dawn from the npm `webgpu` package) needs. Idempotent.
#
#   sudo environment/install-gpu-deps.sh               # --software, plus --nvidia when an NVIDIA device is present
#   sudo environment/install-gpu-deps.sh --software    # Mesa llvmpipe through Dawn's OpenGL backend (no GPU: CI
#                                                      # parity tests): libegl1 libgles2 libgl1-mesa-dri
#   sudo environment/install-gpu-deps.sh --nvidia      # Vulkan loader + glvnd, which the NVIDIA ICD needs:
#                                                      # libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2
#   environment/install-gpu-deps.sh --download DIR [--software|--nvidia|--all]
#                                                      # only fetch the .deb files into DIR (for a GPU machine
#                                                      # without network: bench/gpu.sh unpacks them with dpkg-deb -x)
#
# The NVIDIA driver itself (libGLX_nvidia.so.0, nvidia_icd.json) comes with the machine. When its ICD file is not in
# a standard place, point the loader at it, e.g. VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
# (bench/gpu.sh does this). Without glvnd the ICD fails with "vkCreateInstance … Found no drivers".
set -euo pipefail

SOFTWARE=(libegl1 libgles2 libgl1-mesa-dri)
NVIDIA=(libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libopengl0 libgles2)

mode=""
download=""
while (($#)); do
  case "$1" in
    --software | --nvidia | --all) mode="${1#--}" ;;
    --download)
      download="${2:?--download needs a folder}"
      shift
      ;;
    -h | --help)
      sed -n '2,17p' "$0"
      exit 0
      ;;
    *)
      echo "install-gpu-deps.sh: unknown option '$1' (see --help)" >&2
      exit 2
      ;;
  esac
  shift
done
if [[ -z "$mode" ]]; then
  mode=software
  if compgen -G '/dev/nvidia[0-9]*' >/dev/null || command -v nvidia-smi >/dev/null 2>&1; then mode=all; fi
fi
case "$mode" in
  software) pkgs=("${SOFTWARE[@]}") ;;
  nvidia) pkgs=("${NVIDIA[@]}") ;;
  all) pkgs=("${SOFTWARE[@]}" "${NVIDIA[@]}") ;;
esac
# de-duplicate, keep order
mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | awk '!seen[$0]++')

sudo=""
[[ "$(id -u)" == "0" ]] || sudo="sudo"

if [[ -n "$download" ]]; then
  mkdir -p "$download"
  cd "$download"
  $sudo apt-get update -qq
  apt-get download "${pkgs[@]}"
  ls -1 "$download"/*.deb
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "Debian packages already installed: ${pkgs[*]}"
fi
