#!/usr/bin/env bash
# Packs what scripts/gpu/run.sh needs on a bare GPU host (one with torch+CUDA, cmake and ninja,
# but no Node.js and no registry) into .gpu/: this machine's Node binary (xz) and the GPU check
# and benchmark bundled into single files. Ship .gpu, node_modules/node-api-headers and
# node_modules/node-addon-api along with the working tree, then run scripts/gpu/run.sh there.
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p .gpu
if [ ! -f .gpu/node.xz ] || [ "$(command -v node)" -nt .gpu/node.xz ]; then
  xz -T2 -6 -c "$(command -v node)" > .gpu/node.xz
fi
for script in gpu-check bench-train; do
  npx esbuild "scripts/$script.ts" --bundle --platform=node --format=esm --log-level=warning \
    --banner:js="import { createRequire as __egenRequire } from 'node:module'; const require = __egenRequire(import.meta.url);" \
    --outfile=".gpu/$script.mjs"
done
ls -la .gpu
