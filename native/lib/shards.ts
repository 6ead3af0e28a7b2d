// The token shard format, shared with the datasets code and memory-mapped by the trainer.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { checkInteger, checkString, expected } from './checks.ts';

/**
 * The JSON header next to a token shard. A shard is two files: NAME.bin (flat little-endian
 * uint16 or uint32 token ids) and NAME.json (this header).
 */
export interface TokenShardHeader {
  format: 'egen-tokens';
  version: 1;
  dtype: 'uint16' | 'uint32';
  /** Number of tokens in NAME.bin. */
  count: number;
  /** Size of the tokenizer's vocabulary; every token id is below it. */
  vocabSize: number;
}

/** The two file paths of a shard named by its stem, NAME.bin or NAME.json. */
export function tokenShardPaths(path: string): { bin: string; header: string } {
  const stem = path.replace(/\.(bin|json)$/, '');
  return { bin: `${stem}.bin`, header: `${stem}.json` };
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data, { flush: true });
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Writes a token shard (NAME.bin + NAME.json) atomically: each file goes to a temp name and is
 * renamed into place, the header last, so a reader that sees the header sees the whole shard.
 * `path` is the stem or NAME.bin. Uint16Array writes dtype "uint16", Uint32Array "uint32".
 */
export function writeTokenShard(path: string, tokens: Uint16Array | Uint32Array, vocabSize: number): TokenShardHeader {
  checkString('path', path);
  if (!(tokens instanceof Uint16Array) && !(tokens instanceof Uint32Array)) expected('Uint16Array or Uint32Array', 'tokens', tokens);
  checkInteger('vocabSize', vocabSize, 1, 2 ** 32);
  let largest = -1;
  for (let i = 0; i < tokens.length; i++) if (tokens[i]! > largest) largest = tokens[i]!;
  if (largest >= vocabSize) throw new RangeError(`Expected every token id to be below vocabSize ${vocabSize} but tokens holds ${largest}`);
  const { bin, header } = tokenShardPaths(path);
  mkdirSync(dirname(bin), { recursive: true });
  let bytes = new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength);
  if (endianness() === 'BE') {
    const swapped = new Uint8Array(tokens.byteLength);
    const view = new DataView(swapped.buffer);
    tokens.forEach((t, i) => (tokens instanceof Uint16Array ? view.setUint16(i * 2, t, true) : view.setUint32(i * 4, t, true)));
    bytes = swapped;
  }
  const head: TokenShardHeader = { format: 'egen-tokens', version: 1, dtype: tokens instanceof Uint16Array ? 'uint16' : 'uint32', count: tokens.length, vocabSize };
  writeAtomically(bin, bytes);
  writeAtomically(header, JSON.stringify(head) + '\n');
  return head;
}
