// The reference Python for tests (the one that imports torch, see scripts/libtorch.ts), with the
// packages of scripts/python-requirements.txt installed on first use.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT, referencePython } from '../../../../scripts/libtorch.ts';

const REQUIREMENTS = join(PROJECT_ROOT, 'scripts', 'python-requirements.txt');
let ready: string | null = null;

/** The Python executable, after making sure tokenizers, transformers, crc32c, protobuf and tfrecord import. */
export function pythonWithReferencePackages(): string {
  if (ready) return ready;
  const python = process.env.EGEN_PYTHON ?? referencePython();
  const probe = spawnSync(python, ['-c', 'import tokenizers, transformers, crc32c, google.protobuf, tfrecord'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    const install = spawnSync(python, ['-m', 'pip', 'install', '-q', '-r', REQUIREMENTS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (install.status !== 0) throw new Error(`pip install -r ${REQUIREMENTS} failed:\n${install.stderr}`);
  }
  ready = python;
  return python;
}

/** Runs a Python script with arguments; returns stdout, throws with stderr on failure. */
export function runPython(script: string, args: string[] = [], input?: string): string {
  const result = spawnSync(pythonWithReferencePackages(), ['-c', script, ...args], { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python failed (${result.status}):\n${result.stderr}`);
  return result.stdout;
}
