// EGen checkpoint directories written from TypeScript: the imported weights of a Hugging Face
// folder (models/import), and an exported artifact's weights re-read for the parity check of the
// Hugging Face format. The layout is native/src/io/checkpoint.h's: the safetensors file, then
// checkpoint.json with the model config and the size and CRC-32 of every file (the native reader
// verifies both). The native trainer writes checkpoints atomically itself; callers here write into
// a fresh folder they rename into place or remove.
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { ExportedModel } from './export-format.ts';
import { type NamedTensor, writeSafetensors } from './safetensors.ts';

export interface CheckpointFiles {
  /** The architecture under the native names (checkpoint.json's model). */
  model: ExportedModel;
  /** LoRA adapters only, applied to `baseCheckpoint` (native names: ...c_attn.lora_A.weight). */
  adapter?: { lora: { rank: number; alpha: number; dropout: number; targets: string[] }; baseCheckpoint: string };
  /** model.safetensors (full weights) or adapter_model.safetensors (adapter) under EGen's names and layout. */
  tensors: NamedTensor[];
  /** More manifest fields (e.g. importedFrom). */
  extra?: Record<string, unknown>;
}

/** CRC-32 of a file, read in chunks (zlib's polynomial, as the native checkpoint reader checks it). */
function fileCrc32(path: string): number {
  const fd = openSync(path, 'r');
  const chunk = Buffer.alloc(1 << 20);
  let crc = 0;
  try {
    for (let n; (n = readSync(fd, chunk, 0, chunk.length, null)) > 0;) crc = crc32(chunk.subarray(0, n), crc);
  } finally {
    closeSync(fd);
  }
  return crc;
}

/** Writes `dir` (an existing, empty folder) as a native checkpoint that openModel loads. */
export async function writeCheckpointFiles(dir: string, checkpoint: CheckpointFiles): Promise<void> {
  const file = checkpoint.adapter ? 'adapter_model.safetensors' : 'model.safetensors';
  const path = join(dir, file);
  await writeSafetensors(path, checkpoint.tensors, { format: 'pt' });
  const manifest = {
    format: 'egen-checkpoint',
    version: 1,
    kind: 'model',
    model: checkpoint.model,
    lora: checkpoint.adapter?.lora ?? null,
    adapterOnly: checkpoint.adapter !== undefined,
    baseCheckpoint: checkpoint.adapter?.baseCheckpoint ?? null,
    files: { [file]: { bytes: statSync(path).size, crc32: fileCrc32(path) } },
    ...checkpoint.extra,
  };
  writeFileSync(join(dir, 'checkpoint.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
