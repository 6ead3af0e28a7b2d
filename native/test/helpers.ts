// Shared fixtures for the native tests: temp directories, tiny models, shards, a small
// safetensors reader, and the Python reference.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { referencePython } from '../../scripts/libtorch.ts';
import { writeTokenShard, type ModelConfig } from '../index.ts';
import { syntheticTokens } from './synthetic-tokens.ts';

export { syntheticTokens };

/** A fresh temp directory, removed after the test file. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `egen-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const TINY: ModelConfig = { vocabSize: 65, contextLength: 16, nLayer: 2, nHead: 2, nEmbd: 32 };

export function makeShard(dir: string, name: string, count: number, vocabSize = 65, seed = 1): string {
  const path = join(dir, name);
  writeTokenShard(path, syntheticTokens(count, vocabSize, seed), vocabSize);
  return path;
}

/** Reads a safetensors file (F32 and I64 as numbers) for checks from TypeScript. */
export function readSafetensors(path: string): Map<string, { dtype: string; shape: number[]; data: Float32Array | BigInt64Array | Uint8Array }> {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const out = new Map<string, { dtype: string; shape: number[]; data: Float32Array | BigInt64Array | Uint8Array }>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [begin, end] = entry.data_offsets;
    const slice = bytes.subarray(8 + n + begin, 8 + n + end);
    const copy = new Uint8Array(slice);
    const data = entry.dtype === 'F32' ? new Float32Array(copy.buffer) : entry.dtype === 'I64' ? new BigInt64Array(copy.buffer) : copy;
    out.set(name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return out;
}

/** Runs a reference script under the Python that imports torch; returns its last stdout line as JSON. */
export function runReference<T>(script: string, job: unknown): T {
  const result = spawnSync(referencePython(), [join(import.meta.dirname, 'reference', script), JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`${script} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as T;
}
