// The orchestrator behind ./start.sh and launch.bat: installs what is missing, builds, and
// starts, stops, reports on or tests EGen. Run with tsx: start.sh and launch.bat install the npm
// packages first (scripts/npm-state.mjs tells whether node_modules matches the lockfile).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { ConfigError, loadConfig, type ServerConfig } from './server/src/config/config.ts';
import { PROJECT_ROOT } from './server/src/paths.ts';
import { pidFilePath, type PidFileContents } from './server/src/server.ts';
import { buildNative, nativeBuildIsStale } from './scripts/build-native.ts';
import { DEPS_DIR, locateLibtorch, LocatorError } from './scripts/libtorch.ts';

const VERBS = ['start', 'stop', 'status', 'test', 'help'] as const;
type Verb = (typeof VERBS)[number];

const USAGE = `Usage: ./start.sh [start|stop|status|test|help] [options]      (Windows: launch.bat …)

Verbs:
  start       Install what is missing, build, and start EGen in the background (default)
  stop        Stop the running EGen server
  status      Say whether EGen is running: pid, port, health, versions
  test        Install what is missing, then run the whole test suite (extra arguments go to vitest)
  help        Show this help

Options:
  --port N     Listen on port N (default 3000, or EGEN_PORT)
  --force      Clear a stale pid file; if the port is taken, use the next free port
  --debug      Verbose logs to the console and to the log file (runs in the foreground)
  --dev-mode   Foreground; the server restarts on change and the client hot-reloads
  -h, --help   Show this help

Environment: EGEN_DATA_DIR (default ./data), EGEN_PORT, EGEN_HOST, DATABASE_URL, EGEN_LOG_LEVEL.
Logs: <data dir>/logs/server.log`;

interface LauncherOptions {
  verb: Verb;
  port: number | null;
  force: boolean;
  debug: boolean;
  devMode: boolean;
  /** Arguments after `test`, handed to vitest. */
  passThrough: string[];
}

class UsageError extends Error {}

function parseArgs(argv: string[]): LauncherOptions {
  const options: LauncherOptions = { verb: 'start', port: null, force: false, debug: false, devMode: false, passThrough: [] };
  let verbSeen = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (options.verb === 'test' && verbSeen && !['--force', '--debug'].includes(arg)) {
      options.passThrough.push(arg);
    } else if (arg === '-h' || arg === '--help') {
      options.verb = 'help';
      verbSeen = true;
    } else if (arg === '--force') options.force = true;
    else if (arg === '--debug') options.debug = true;
    else if (arg === '--dev-mode') options.devMode = true;
    else if (arg === '--port' || arg.startsWith('--port=')) {
      const raw = arg.includes('=') ? arg.slice('--port='.length) : argv[++i];
      const port = Number(raw);
      if (raw === undefined || !/^\d+$/.test(raw) || port < 1 || port > 65535) throw new UsageError(`--port must be an integer between 1 and 65535 (got "${raw ?? ''}")`);
      options.port = port;
    } else if (!arg.startsWith('-') && !verbSeen && (VERBS as readonly string[]).includes(arg)) {
      options.verb = arg as Verb;
      verbSeen = true;
    } else {
      throw new UsageError(arg.startsWith('-') ? `unknown option ${arg}` : `unknown verb ${arg}`);
    }
  }
  return options;
}

// ---- install what is missing ----

const log = (line: string): void => console.log(`[egen] ${line}`);

function newestMtime(path: string, skip: (name: string) => boolean = () => false): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const name of readdirSync(path)) if (!skip(name)) newest = Math.max(newest, newestMtime(join(path, name), skip));
  return newest;
}

/** Installs scripts/python-requirements.txt into the Python that imports torch (tests use it). */
function ensurePythonTestPackages(): void {
  const location = locateLibtorch({ log });
  if (!location.python) {
    log('libtorch came from LIBTORCH/Torch_DIR: set EGEN_PYTHON to a Python with torch for the reference tests');
    return;
  }
  const requirements = join(PROJECT_ROOT, 'scripts', 'python-requirements.txt');
  const digest = createHash('sha256').update(readFileSync(requirements)).update(location.python).digest('hex');
  const stamp = join(DEPS_DIR, 'python-requirements.sha256');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return;
  log(`installing the Python test packages into ${location.python}`);
  const pip = spawnSync(location.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', requirements], { stdio: 'inherit' });
  if (pip.status !== 0) throw new Error(`pip could not install ${requirements}; see its output above`);
  mkdirSync(DEPS_DIR, { recursive: true });
  writeFileSync(stamp, digest);
}

function clientBuildIsStale(): boolean {
  const built = join(PROJECT_ROOT, 'client', 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const builtAt = statSync(built).mtimeMs;
  const sources = Math.max(
    newestMtime(join(PROJECT_ROOT, 'client'), (name) => name === 'dist' || name === 'node_modules'),
    newestMtime(join(PROJECT_ROOT, 'package-lock.json')),
  );
  return sources > builtAt;
}

function buildClient(): void {
  log('building the web client');
  const vite = spawnSync(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(PROJECT_ROOT, 'client', 'vite.config.ts'), '--logLevel', 'warn'], {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
  });
  if (vite.status !== 0) throw new Error('the client build failed; see the output above');
}

async function ensureInstalled(options: { client: boolean; pythonTestPackages: boolean; debug: boolean }): Promise<void> {
  locateLibtorch({ log });
  if (options.pythonTestPackages) ensurePythonTestPackages();
  if (nativeBuildIsStale()) {
    log('building the native addon (libtorch)');
    await buildNative({ debug: options.debug, log });
  }
  if (options.client && clientBuildIsStale()) buildClient();
}

// ---- running server ----

function readPidFile(dataDir: string): PidFileContents | null {
  const file = pidFilePath(dataDir);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PidFileContents;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolvePort) => {
    const probe = createServer();
    probe.once('error', () => resolvePort(false));
    probe.listen(port, host, () => probe.close(() => resolvePort(true)));
  });
}

async function nextFreePort(from: number, host: string): Promise<number> {
  for (let port = from + 1; port <= Math.min(from + 100, 65535); port++) if (await portIsFree(port, host)) return port;
  throw new Error(`no free port between ${from + 1} and ${from + 100}`);
}

/** Where the launcher itself reaches the server. */
function baseUrl(config: Pick<ServerConfig, 'host'>, port: number): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** What we show people: localhost for loopback and wildcard addresses. */
function displayUrl(config: Pick<ServerConfig, 'host'>, port: number): string {
  const local = ['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'].includes(config.host);
  return local ? `http://localhost:${port}` : baseUrl(config, port);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function fetchJson(url: string, timeoutMs = 3000): Promise<{ status: number; body: unknown } | null> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, body: await response.json() };
  } catch {
    return null;
  }
}

function serverCommand(devMode: boolean): string[] {
  const entry = join(PROJECT_ROOT, 'server', 'src', 'main.ts');
  // tsx watch restarts the server when its sources change (dev mode).
  return devMode ? [join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'watch', '--clear-screen=false', '--exclude', './data/**', '--exclude', './client/**', entry] : ['--import', 'tsx', entry];
}

function loadLauncherConfig(options: LauncherOptions, env: NodeJS.ProcessEnv): ServerConfig {
  const args = options.port !== null ? ['--port', String(options.port)] : [];
  // A relative EGEN_DATA_DIR is relative to where the user stands; the default is <project>/data.
  const config = loadConfig(args, env, env.EGEN_DATA_DIR ? process.cwd() : PROJECT_ROOT);
  if (options.debug) config.logLevel = 'debug';
  return config;
}

async function start(options: LauncherOptions): Promise<number> {
  const config = loadLauncherConfig(options, process.env);
  const existing = readPidFile(config.dataDir);
  if (existing && isAlive(existing.pid)) {
    console.error(`egen: EGen is already running (pid ${existing.pid}, port ${existing.port}); use ./start.sh stop first`);
    return 1;
  }
  if (existing || existsSync(pidFilePath(config.dataDir))) {
    if (!options.force) {
      console.error(`egen: found a stale pid file ${pidFilePath(config.dataDir)} (process ${existing?.pid ?? '?'} is not running); start with --force to clear it`);
      return 1;
    }
    rmSync(pidFilePath(config.dataDir), { force: true });
    log('cleared a stale pid file');
  }
  if (!(await portIsFree(config.port, config.host))) {
    if (!options.force) {
      console.error(`egen: port ${config.port} is already in use; start with --force to use the next free port, or choose one with --port N`);
      return 1;
    }
    const port = await nextFreePort(config.port, config.host);
    log(`port ${config.port} is in use; using port ${port} instead`);
    config.port = port;
  }

  await ensureInstalled({ client: !options.devMode, pythonTestPackages: false, debug: options.debug });
  mkdirSync(join(config.dataDir, 'logs'), { recursive: true });
  const logFile = join(config.dataDir, 'logs', 'server.log');
  const childEnv = { ...process.env, EGEN_DATA_DIR: config.dataDir, EGEN_PORT: String(config.port), EGEN_LOG_LEVEL: config.logLevel };
  const foreground = options.devMode || options.debug;
  const serverArgs = [...serverCommand(options.devMode), ...(options.devMode ? ['--dev-mode'] : []), ...(foreground ? [] : ['--no-log-file'])];

  if (foreground) {
    log(`starting in the foreground${options.devMode ? ' (dev mode: restarts on change, client hot reload)' : ''}; Ctrl+C stops`);
    log(`UI ${displayUrl(config, config.port)}/  GraphQL ${displayUrl(config, config.port)}/graphql  logs ${logFile}`);
    const child = spawn(process.execPath, serverArgs, { cwd: PROJECT_ROOT, env: childEnv, stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    return await new Promise<number>((r) => child.on('exit', (code) => r(code ?? 0)));
  }

  const out = openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, serverArgs, { cwd: PROJECT_ROOT, env: childEnv, detached: true, stdio: ['ignore', out, out] });
  closeSync(out);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? 1));
  child.unref();

  const startedAt = Date.now() - 1000;
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      const tail = readFileSync(logFile, 'utf8')
        .trimEnd()
        .split('\n')
        .filter((l) => l.startsWith('egen:'))
        .slice(-1)[0];
      console.error(tail ?? `egen: the server exited with code ${exited} while starting; see ${logFile}`);
      return 1;
    }
    const pid = readPidFile(config.dataDir);
    if (pid && pid.pid === child.pid && (await fetchJson(`${baseUrl(config, pid.port)}/healthz`))?.status === 200) {
      const url = displayUrl(config, pid.port);
      console.log(`EGen is running (pid ${pid.pid}, port ${pid.port})`);
      console.log(`  UI       ${url}/`);
      console.log(`  GraphQL  ${url}/graphql  (WebSocket ${url.replace('http', 'ws')}/graphql)`);
      console.log(`  Logs     ${logFile}`);
      console.log('  Stop     ./start.sh stop');
      // On first start the server made an admin with a random password; in the background its
      // console is the log file, so show the account here (it stays in the 0600 file).
      const adminFile = join(config.dataDir, 'initial-admin-password.txt');
      if (existsSync(adminFile) && statSync(adminFile).mtimeMs >= startedAt) {
        console.log(`  Admin    ${readFileSync(adminFile, 'utf8').trim().replace(/\n/g, '  ')}  (saved in ${adminFile}; change it after signing in)`);
      }
      return 0;
    }
    await sleep(200);
  }
  console.error(`egen: the server did not become healthy within 90 s; see ${logFile}`);
  return 1;
}

async function stop(options: LauncherOptions): Promise<number> {
  const config = loadLauncherConfig(options, process.env);
  const running = readPidFile(config.dataDir);
  if (!running || !isAlive(running.pid)) {
    if (running) rmSync(pidFilePath(config.dataDir), { force: true });
    console.log('EGen is not running');
    return 0;
  }
  process.kill(running.pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (isAlive(running.pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(running.pid)) {
    log(`pid ${running.pid} did not stop within 15 s; killing it`);
    process.kill(running.pid, 'SIGKILL');
    await sleep(200);
  }
  rmSync(pidFilePath(config.dataDir), { force: true });
  console.log(`EGen stopped (pid ${running.pid})`);
  return 0;
}

interface HealthBody {
  data?: { health: { status: string; version: string; databaseEngine: string; native: { libtorchVersion: string | null; cudaAvailable: boolean } } };
}

async function status(options: LauncherOptions): Promise<number> {
  const config = loadLauncherConfig(options, process.env);
  const running = readPidFile(config.dataDir);
  if (!running || !isAlive(running.pid)) {
    console.log(`EGen is stopped${running ? ' (stale pid file; ./start.sh --force clears it)' : ''}`);
    return 3;
  }
  const url = baseUrl(config, running.port);
  const live = await fetchJson(`${url}/healthz`);
  let health: HealthBody['data'] | undefined;
  try {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health { status version databaseEngine native { libtorchVersion cudaAvailable } } }' }),
      signal: AbortSignal.timeout(3000),
    });
    health = ((await response.json()) as HealthBody).data;
  } catch {
    health = undefined;
  }
  console.log(`EGen is running (pid ${running.pid}, port ${running.port}, since ${running.startedAt})`);
  console.log(`  Health   ${live?.status === 200 ? 'healthy' : 'not answering'}${health ? ` (${health.health.status})` : ''}`);
  console.log(
    `  Versions EGen ${health?.health.version ?? running.version}, libtorch ${health?.health.native.libtorchVersion ?? 'unknown'}, CUDA ${health?.health.native.cudaAvailable ? 'yes' : 'no'}, database ${health?.health.databaseEngine ?? 'unknown'}`,
  );
  console.log(`  UI       ${displayUrl(config, running.port)}/`);
  return live?.status === 200 ? 0 : 1;
}

async function test(options: LauncherOptions): Promise<number> {
  await ensureInstalled({ client: true, pythonTestPackages: true, debug: options.debug });
  const vitest = spawn(process.execPath, [join(PROJECT_ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...options.passThrough], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  return await new Promise<number>((r) => vitest.on('exit', (code, signal) => r(code ?? (signal ? 1 : 0))));
}

async function main(argv: string[]): Promise<number> {
  let options: LauncherOptions;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`egen: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  try {
    switch (options.verb) {
      case 'help':
        console.log(USAGE);
        return 0;
      case 'start':
        return await start(options);
      case 'stop':
        return await stop(options);
      case 'status':
        return await status(options);
      case 'test':
        return await test(options);
      default: {
        const unreachable: never = options.verb;
        throw new Error(`unhandled verb ${String(unreachable)}`);
      }
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof LocatorError) {
      console.error(`egen: ${error.message}`);
      return 2;
    }
    console.error(`egen: ${(error as Error).message}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
