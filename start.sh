#!/usr/bin/env bash
# EGen launcher: ./start.sh [start|stop|status|test|help] [--dev-mode] [--debug] [--force] [--port N]
# Makes sure Node.js and the npm packages are there, then hands over to run_all.ts, which
# installs the rest (libtorch, native addon, client build) and does the work.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

die() { echo "egen: $*" >&2; exit 1; }

command -v node >/dev/null 2>&1 || die "Node.js 20.19 or newer is required and was not found; install it (https://nodejs.org or your package manager: apt-get install nodejs npm)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js $(node --version) is too old; EGen needs 20.19 or newer"
command -v npm >/dev/null 2>&1 || die "npm was not found; install it with Node.js (apt-get install npm)"

# npm packages: (re)install when node_modules did not come from this exact package-lock.json.
if ! node "$ROOT/scripts/npm-state.mjs" fresh; then
  # A symlinked node_modules (a git worktree sharing another checkout's) is not ours to replace.
  [ -L "$ROOT/node_modules" ] && die "node_modules is a symlink and does not match package-lock.json; run npm ci where it points"
  echo "[egen] installing npm packages"
  # onnxruntime-node ships its CPU binaries; its postinstall would fetch CUDA files at install time.
  (cd "$ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-fund --no-audit) || die "npm could not install the packages; see the output above"
  node "$ROOT/scripts/npm-state.mjs" stamp
fi

exec node "$ROOT/node_modules/tsx/dist/cli.mjs" "$ROOT/run_all.ts" "$@"
