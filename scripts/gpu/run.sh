#!/usr/bin/env bash
# On a bare GPU host: builds the addon against the host's CUDA libtorch with plain CMake (no
# cmake-js, no npm), then runs the CUDA checks and the GPU benchmark with the Node binary that
# scripts/gpu/prepare.sh packed. Output also goes to $OUT/gpu.log when $OUT is set.
#   scripts/gpu/run.sh [batch size ...]     (default: 16; "checks" runs only the CUDA checks)
set -uo pipefail
cd "$(dirname "$0")/../.."
LOG="${OUT:-/tmp}/gpu.log"
exec > >(tee -a "$LOG") 2>&1
NODE=/tmp/egen-node
[ -x "$NODE" ] || { unxz -c .gpu/node.xz > "$NODE" && chmod +x "$NODE"; }
PYTHON="${EGEN_PYTHON:-python3}"
PREFIX="$("$PYTHON" -c 'import torch; print(torch.utils.cmake_prefix_path)')"
echo "== node $("$NODE" --version), torch $("$PYTHON" -c 'import torch; print(torch.__version__, torch.cuda.get_device_name(0))')"
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv,noheader || true
start=$(date +%s)
cmake -S . -B build/gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$PREFIX" \
  -DCMAKE_JS_INC="$PWD/node_modules/node-api-headers/include" -DNODE_ADDON_API_DIR="$PWD/node_modules/node-addon-api" \
  -DCMAKE_LIBRARY_OUTPUT_DIRECTORY="$PWD/build/Release" > /tmp/egen-cmake.log 2>&1 || { tail -40 /tmp/egen-cmake.log; exit 1; }
cmake --build build/gpu -j "$(nproc)" 2>&1 | grep -E "error|warning: unused|FAILED|Linking" | head -60
[ -f build/Release/egen_native.node ] || { echo "the addon did not build"; exit 1; }
echo "== built in $(( $(date +%s) - start )) s"
status=0
"$NODE" .gpu/gpu-check.mjs || status=1
[ "${1:-}" = checks ] && exit $status
for batch in "${@:-16}"; do
  "$NODE" .gpu/bench-train.mjs --config gpt2-cuda --rounds 1 --batch "$batch" || status=1
done
exit $status
