// The token shard format, memory-mapped by the trainer and written by dataset builds: NAME.bin
// holds flat little-endian uint16 or uint32 token ids, NAME.json the header
//   {"format":"egen-tokens","version":1,"dtype":"uint16"|"uint32","count":<tokens>,"vocabSize":<int>}
// One writer streams both: tokens go to NAME.bin.tmp a buffer at a time, then each file is
// fsynced and renamed into place, the header last, so a reader that sees the header sees the
// whole shard.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { checkInteger, checkString, expected } from './checks.ts';

export type TokenShardDtype = 'uint16' | 'uint32';

/**
 * The JSON header next to a token shard. A shard is two files: NAME.bin (flat little-endian
 * uint16 or uint32 token ids) and NAME.json (this header).
 */
export interface TokenShardHeader {
  format: 'egen-tokens';
  version: 1;
  dtype: TokenShardDtype;
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

/** The narrowest dtype for a vocabulary: uint16 up to 65536 tokens, uint32 above. */
export function tokenShardDtype(vocabSize: number): TokenShardDtype {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

// Buffered tokens per write: a megabyte.
const BUFFER_BYTES = 1 << 20;

/**
 * Streams one shard to disk. `write` as often as needed, then `finish` (or `abort`, which
 * leaves no file behind). Token ids are checked against the vocabulary as they arrive, so a
 * finished shard never holds an id its header does not allow.
 */
export class TokenShardWriter {
  readonly dtype: TokenShardDtype;
  readonly #bin: string;
  readonly #header: string;
  readonly #vocabSize: number;
  // largest id + 1 the dtype and the vocabulary both allow
  readonly #limit: number;
  readonly #fd: number;
  readonly #buffer: Uint16Array | Uint32Array;
  #used = 0;
  #count = 0;
  #closed = false;

  /** `path` is the stem, NAME.bin or NAME.json. `dtype` defaults to the narrowest for vocabSize. */
  constructor(path: string, vocabSize: number, dtype: TokenShardDtype = tokenShardDtype(vocabSize)) {
    const { bin, header } = tokenShardPaths(checkString('path', path));
    this.#vocabSize = checkInteger('vocabSize', vocabSize, 1, 2 ** 32);
    this.dtype = dtype;
    this.#limit = dtype === 'uint16' ? Math.min(vocabSize, 65536) : vocabSize;
    this.#buffer = dtype === 'uint16' ? new Uint16Array(BUFFER_BYTES / 2) : new Uint32Array(BUFFER_BYTES / 4);
    this.#bin = bin;
    this.#header = header;
    mkdirSync(dirname(bin), { recursive: true });
    this.#fd = openSync(`${bin}.tmp`, 'w');
  }

  /** Tokens written so far. */
  get tokens(): number {
    return this.#count;
  }

  write(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.#limit)) throw new RangeError(`Expected every token id to be below ${this.#limit === this.#vocabSize ? `vocabSize ${this.#vocabSize}` : `65536 (dtype uint16)`} but received ${id}`);
      if (this.#used === this.#buffer.length) this.#flush();
      this.#buffer[this.#used++] = id;
    }
    this.#count += ids.length;
  }

  #flush(): void {
    if (this.#used === 0) return;
    const bytes = Buffer.from(this.#buffer.buffer, this.#buffer.byteOffset, this.#used * this.#buffer.BYTES_PER_ELEMENT);
    // the format is little-endian; typed arrays use the platform's order (big on s390x)
    if (endianness() === 'BE') {
      if (this.dtype === 'uint16') bytes.swap16();
      else bytes.swap32();
    }
    for (let off = 0; off < bytes.length;) off += writeSync(this.#fd, bytes, off, bytes.length - off);
    this.#used = 0;
  }

  /** Flushes, fsyncs and renames both files into place, the header last; returns the header. */
  finish(): TokenShardHeader {
    this.#flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#closed = true;
    const header: TokenShardHeader = { format: 'egen-tokens', version: 1, dtype: this.dtype, count: this.#count, vocabSize: this.#vocabSize };
    writeFileSync(`${this.#header}.tmp`, JSON.stringify(header) + '\n', { flush: true });
    renameSync(`${this.#bin}.tmp`, this.#bin);
    renameSync(`${this.#header}.tmp`, this.#header);
    return header;
  }

  /** Removes the temporary files of an unfinished shard. */
  abort(): void {
    if (!this.#closed) closeSync(this.#fd);
    this.#closed = true;
    rmSync(`${this.#bin}.tmp`, { force: true });
    rmSync(`${this.#header}.tmp`, { force: true });
  }
}

/**
 * Writes a whole token shard (NAME.bin + NAME.json) at once, through TokenShardWriter.
 * `path` is the stem or NAME.bin. Uint16Array writes dtype "uint16", Uint32Array "uint32".
 */
export function writeTokenShard(path: string, tokens: Uint16Array | Uint32Array, vocabSize: number): TokenShardHeader {
  checkString('path', path);
  if (!(tokens instanceof Uint16Array) && !(tokens instanceof Uint32Array)) expected('Uint16Array or Uint32Array', 'tokens', tokens);
  checkInteger('vocabSize', vocabSize, 1, 2 ** 32);
  let largest = -1;
  for (let i = 0; i < tokens.length; i++) if (tokens[i]! > largest) largest = tokens[i]!;
  if (largest >= vocabSize) throw new RangeError(`Expected every token id to be below vocabSize ${vocabSize} but tokens holds ${largest}`);
  const writer = new TokenShardWriter(path, vocabSize, tokens instanceof Uint16Array ? 'uint16' : 'uint32');
  try {
    writer.write(tokens);
    return writer.finish();
  } catch (error) {
    writer.abort();
    throw error;
  }
}
