@echo off
rem EGen launcher for Windows: launch.bat [start|stop|status|test|help] [--dev-mode] [--debug] [--force] [--port N]
rem Same verbs and flags as start.sh. Makes sure Node.js and the npm packages are there, then
rem hands over to run_all.ts, which installs the rest and does the work.
setlocal EnableExtensions
set "ROOT=%~dp0"
if "%ROOT:~-1%"=="\" set "ROOT=%ROOT:~0,-1%"

where node >nul 2>nul
if errorlevel 1 (
  echo egen: Node.js 20.19 or newer is required and was not found; install it from https://nodejs.org 1>&2
  exit /b 1
)
node -e "const [a,b]=process.versions.node.split('.').map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)"
if errorlevel 1 (
  echo egen: this Node.js is too old; EGen needs 20.19 or newer 1>&2
  exit /b 1
)

rem npm packages: (re)install when node_modules did not come from this exact package-lock.json.
node "%ROOT%\scripts\npm-state.mjs" fresh
if errorlevel 1 (
  echo [egen] installing npm packages
  pushd "%ROOT%"
  rem onnxruntime-node ships its CPU binaries; its postinstall would fetch CUDA files at install time.
  set ONNXRUNTIME_NODE_INSTALL=skip
  call npm ci --no-fund --no-audit
  if errorlevel 1 (
    popd
    echo egen: npm could not install the packages; see the output above 1>&2
    exit /b 1
  )
  popd
  node "%ROOT%\scripts\npm-state.mjs" stamp
)

node "%ROOT%\node_modules\tsx\dist\cli.mjs" "%ROOT%\run_all.ts" %*
exit /b %errorlevel%
