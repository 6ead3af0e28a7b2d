// Decides which libtorch EGen builds against and remembers the answer in .deps/libtorch.json.
//
// Order (first that works wins):
//   1) LIBTORCH (a libtorch folder) or Torch_DIR (its share/cmake/Torch) from the environment;
//   2) a Python that already imports torch (EGEN_PYTHON, then python3, then python);
//   3) otherwise the official torch wheel, pinned below, installed with pip into a project-local
//      virtual environment (.deps/venv), whose share/cmake/Torch we then use.
// The same Python is the numerical reference for the tests (they compare the addon to PyTorch).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The one place that pins the torch wheel installed when no libtorch is found. */
export const PINNED_TORCH_VERSION = '2.13.0';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEPS_DIR = join(PROJECT_ROOT, '.deps');
export const LOCAL_VENV = join(DEPS_DIR, 'venv');
const CACHE_FILE = join(DEPS_DIR, 'libtorch.json');

export interface LibtorchLocation {
  /** How it was found: 'env' (LIBTORCH/Torch_DIR), 'python' (an existing torch), 'local-venv' (installed by us). */
  source: 'env' | 'python' | 'local-venv';
  /** Folder holding TorchConfig.cmake, passed to CMake as Torch_DIR. */
  torchDir: string;
  /** Folder holding libtorch*.so; the addon's RPATH points here. */
  libDir: string;
  /** torch version, e.g. "2.13.0" or "2.11.0+cu130". */
  version: string;
  /** CUDA version the build was made for, or null for a CPU build. */
  cuda: string | null;
  /** A Python interpreter that imports this torch, or null when found through LIBTORCH/Torch_DIR. */
  python: string | null;
}

export class LocatorError extends Error {}

const PROBE = [
  'import json, os, torch, torch.utils',
  'root = os.path.dirname(torch.__file__)',
  'print(json.dumps({"version": torch.__version__, "cuda": torch.version.cuda,',
  '  "torchDir": os.path.join(torch.utils.cmake_prefix_path, "Torch"), "libDir": os.path.join(root, "lib")}))',
].join('\n');

function probePython(python: string): LibtorchLocation | null {
  const result = spawnSync(python, ['-c', PROBE], { encoding: 'utf8' });
  if (result.status !== 0 || !result.stdout) return null;
  const line = result.stdout.trim().split('\n').pop() ?? '';
  const found = JSON.parse(line) as Omit<LibtorchLocation, 'source' | 'python'>;
  if (!existsSync(join(found.torchDir, 'TorchConfig.cmake'))) return null;
  return { ...found, source: 'python', python };
}

function fromEnvironment(env: NodeJS.ProcessEnv): LibtorchLocation | null {
  const libtorch = env.LIBTORCH;
  const torchDirEnv = env.Torch_DIR;
  if (!libtorch && !torchDirEnv) return null;
  const torchDir = torchDirEnv ? resolve(torchDirEnv) : join(resolve(libtorch!), 'share', 'cmake', 'Torch');
  if (!existsSync(join(torchDir, 'TorchConfig.cmake'))) {
    const name = torchDirEnv ? 'Torch_DIR' : 'LIBTORCH';
    throw new LocatorError(`${name} is set but ${torchDir} has no TorchConfig.cmake; point it at a libtorch folder (LIBTORCH) or its share/cmake/Torch (Torch_DIR)`);
  }
  const root = resolve(torchDir, '..', '..', '..');
  const versionFile = join(root, 'build-version');
  const version = existsSync(versionFile) ? readFileSync(versionFile, 'utf8').trim() : 'unknown';
  const cudaMatch = /\+cu(\d+)/.exec(version);
  return { source: 'env', torchDir, libDir: join(root, 'lib'), version, cuda: cudaMatch ? cudaMatch[1]! : null, python: null };
}

function findSystemPython(env: NodeJS.ProcessEnv): string | null {
  for (const candidate of [env.EGEN_PYTHON, 'python3', 'python'].filter(Boolean) as string[]) {
    const r = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info[0])'], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim() === '3') return candidate;
  }
  return null;
}

function venvPython(): string {
  return process.platform === 'win32' ? join(LOCAL_VENV, 'Scripts', 'python.exe') : join(LOCAL_VENV, 'bin', 'python');
}

function installPinnedWheel(systemPython: string, log: (line: string) => void): LibtorchLocation {
  const python = venvPython();
  if (!existsSync(python)) {
    log(`creating a virtual environment for torch in ${LOCAL_VENV}`);
    mkdirSync(DEPS_DIR, { recursive: true });
    const venv = spawnSync(systemPython, ['-m', 'venv', LOCAL_VENV], { stdio: 'inherit' });
    if (venv.status !== 0) {
      throw new LocatorError(`could not create a Python virtual environment with "${systemPython} -m venv"; install the venv module (Debian/Ubuntu: apt-get install python3-venv)`);
    }
  }
  const pipCheck = spawnSync(python, ['-m', 'pip', '--version'], { encoding: 'utf8' });
  if (pipCheck.status !== 0) {
    throw new LocatorError('pip is not available in the Python virtual environment; install pip (Debian/Ubuntu: apt-get install python3-pip python3-venv)');
  }
  log(`installing torch==${PINNED_TORCH_VERSION} into ${LOCAL_VENV} (one time)`);
  const pip = spawnSync(python, ['-m', 'pip', 'install', '--disable-pip-version-check', `torch==${PINNED_TORCH_VERSION}`], { stdio: 'inherit' });
  if (pip.status !== 0) throw new LocatorError(`pip could not install torch==${PINNED_TORCH_VERSION}; see the pip output above`);
  const found = probePython(python);
  if (!found) throw new LocatorError(`torch==${PINNED_TORCH_VERSION} was installed but does not import in ${python}`);
  return { ...found, source: 'local-venv' };
}

/** The location found by the last build, without probing or installing anything; null if none. */
export function cachedLibtorchLocation(): LibtorchLocation | null {
  return existsSync(CACHE_FILE) ? (JSON.parse(readFileSync(CACHE_FILE, 'utf8')) as LibtorchLocation) : null;
}

/** Finds (and if needed installs) libtorch. Cheap after the first call: the answer is cached and re-checked. */
export function locateLibtorch(options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; refresh?: boolean } = {}): LibtorchLocation {
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => console.log(`[libtorch] ${line}`));

  const fromEnv = fromEnvironment(env);
  if (fromEnv) return fromEnv;

  if (!options.refresh && existsSync(CACHE_FILE)) {
    const cached = JSON.parse(readFileSync(CACHE_FILE, 'utf8')) as LibtorchLocation;
    if (existsSync(join(cached.torchDir, 'TorchConfig.cmake')) && (!cached.python || existsSync(cached.python) || cached.source === 'python')) {
      return cached;
    }
  }

  let found: LibtorchLocation | null = null;
  if (existsSync(venvPython())) found = probePython(venvPython());
  if (found) found = { ...found, source: 'local-venv' };
  const systemPython = findSystemPython(env);
  if (!found && systemPython) found = probePython(systemPython);
  if (!found) {
    if (!systemPython) {
      throw new LocatorError('Python 3 was not found; install it (Debian/Ubuntu: apt-get install python3 python3-venv python3-pip) or set LIBTORCH to a libtorch folder');
    }
    found = installPinnedWheel(systemPython, log);
  }
  mkdirSync(DEPS_DIR, { recursive: true });
  writeFileSync(CACHE_FILE, JSON.stringify(found, null, 2) + '\n');
  return found;
}

/** The Python that imports the located torch, for reference checks; throws when there is none. */
export function referencePython(): string {
  const location = locateLibtorch();
  if (location.python) return location.python;
  throw new LocatorError('libtorch came from LIBTORCH/Torch_DIR, so no Python imports it; set EGEN_PYTHON to a Python with torch for the reference tests');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    console.log(JSON.stringify(locateLibtorch({ refresh: process.argv.includes('--refresh') }), null, 2));
  } catch (error) {
    console.error(`libtorch: ${(error as Error).message}`);
    process.exit(1);
  }
}
