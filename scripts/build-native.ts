// Builds the libtorch addon with cmake-js, incrementally: CMake reconfigures only when the
// libtorch location changed, and the build tool recompiles only what changed.
import { existsSync, readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { locateLibtorch, PROJECT_ROOT } from './libtorch.ts';

const require = createRequire(import.meta.url);
export const BUILD_DIR = join(PROJECT_ROOT, 'build');
export const ADDON_PATH = join(BUILD_DIR, 'Release', 'egen_native.node');
const STAMP = join(BUILD_DIR, 'egen-torch-dir.txt');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** True when the addon is missing or older than its sources or CMakeLists.txt. */
export function nativeBuildIsStale(): boolean {
  if (!existsSync(ADDON_PATH)) return true;
  const built = statSync(ADDON_PATH).mtimeMs;
  return newestMtime(join(PROJECT_ROOT, 'native', 'src')) > built || newestMtime(join(PROJECT_ROOT, 'CMakeLists.txt')) > built;
}

export async function buildNative(options: { log?: (line: string) => void; debug?: boolean } = {}): Promise<string> {
  const log = options.log ?? ((line: string) => console.log(`[native] ${line}`));
  const torch = locateLibtorch({ log });
  // cmake-js is CommonJS; its BuildSystem drives cmake with the node-api-headers include dir.
  const { BuildSystem } = require('cmake-js') as { BuildSystem: new (options: object) => { build(): Promise<void>; reconfigure(): Promise<void> } };
  const buildSystem = new BuildSystem({
    directory: PROJECT_ROOT,
    out: BUILD_DIR,
    config: 'Release',
    cMakeOptions: {
      Torch_DIR: torch.torchDir,
      NODE_ADDON_API_DIR: (require('node-addon-api') as { include_dir: string }).include_dir.replace(/^"|"$/g, ''),
    },
    logLevel: options.debug ? 'verbose' : 'info',
    parallel: 2,
  });
  const previousTorchDir = existsSync(STAMP) ? readFileSync(STAMP, 'utf8') : null;
  log(`building against torch ${torch.version} (${torch.source}: ${torch.torchDir})`);
  if (previousTorchDir !== null && previousTorchDir !== torch.torchDir) await buildSystem.reconfigure();
  await buildSystem.build();
  writeFileSync(STAMP, torch.torchDir);
  return ADDON_PATH;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildNative({ debug: process.argv.includes('--debug') }).then(
    (path) => console.log(`[native] built ${path}`),
    (error: Error) => {
      console.error(`[native] build failed: ${error.message}`);
      process.exit(1);
    },
  );
}
