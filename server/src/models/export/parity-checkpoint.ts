// An EGen checkpoint directory written from an exported artifact's tensors, so that a fresh native
// model re-reads the exported weights (openModel) for the parity check of the Hugging Face and
// PyTorch formats. The layout is native/src/io/checkpoint.h's: the safetensors files, then
// checkpoint.json with the model config and the size and CRC-32 of every file.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExportedModel } from './export-format.ts';
import { type NamedTensor, writeSafetensors } from './safetensors.ts';

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (zlib's polynomial), as the native checkpoint reader checks it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ParityCheckpoint {
  model: ExportedModel;
  /** LoRA adapters only, applied to `baseCheckpoint` (native names: ...c_attn.lora_A.weight). */
  adapter?: { lora: { rank: number; alpha: number; dropout: number; targets: string[] }; baseCheckpoint: string };
  /** model.safetensors (full weights) or adapter_model.safetensors (adapter) under EGen's names and layout. */
  tensors: NamedTensor[];
}

/** Writes `dir` (an empty folder) as a native checkpoint that openModel loads. */
export function writeParityCheckpoint(dir: string, checkpoint: ParityCheckpoint): void {
  const file = checkpoint.adapter ? 'adapter_model.safetensors' : 'model.safetensors';
  const path = join(dir, file);
  writeSafetensors(path, checkpoint.tensors, { format: 'pt' });
  const bytes = readFileSync(path);
  const manifest = {
    format: 'egen-checkpoint',
    version: 1,
    kind: 'model',
    model: checkpoint.model,
    lora: checkpoint.adapter?.lora ?? null,
    adapterOnly: checkpoint.adapter !== undefined,
    baseCheckpoint: checkpoint.adapter?.baseCheckpoint ?? null,
    files: { [file]: { bytes: bytes.length, crc32: crc32(bytes) } },
  };
  writeFileSync(join(dir, 'checkpoint.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
