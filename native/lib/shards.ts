// The shard formats the trainer reads and dataset builds write.
// Token shards (causal LMs, memory-mapped): NAME.bin holds flat little-endian uint16 or uint32
// token ids, NAME.json the header
//   {"format":"egen-tokens","version":1,"dtype":"uint16"|"uint32","count":<tokens>,"vocabSize":<int>}
// Example shards (classifiers, native/src/data/example_shards.h): NAME.bin holds every example's
// tokens one after the other, NAME.idx one little-endian (uint32 length, uint32 label) record per
// example, NAME.json the header
//   {"format":"egen-examples","version":1,"dtype":…,"examples":<int>,"tokens":<int>,"vocabSize":<int>,"numLabels":<int>}
// A writer streams the data to NAME.*.tmp a buffer at a time, then each file is fsynced and
// renamed into place, the header last, so a reader that sees the header sees the whole shard.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';
import { checkInteger, checkObject, checkString, expected } from './checks.ts';

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

/** Unsigned little-endian integers streamed to `path`.tmp a buffer at a time. */
class BufferedUintFile {
  readonly #fd: number;
  readonly #buffer: Uint16Array | Uint32Array;
  readonly #swap: (bytes: Buffer) => Buffer;
  #used = 0;
  #closed = false;

  constructor(
    readonly path: string,
    dtype: TokenShardDtype,
  ) {
    this.#buffer = dtype === 'uint16' ? new Uint16Array(BUFFER_BYTES / 2) : new Uint32Array(BUFFER_BYTES / 4);
    // the format is little-endian; typed arrays use the platform's order (big on s390x)
    this.#swap = endianness() === 'LE' ? (bytes) => bytes : dtype === 'uint16' ? (bytes) => bytes.swap16() : (bytes) => bytes.swap32();
    mkdirSync(dirname(path), { recursive: true });
    this.#fd = openSync(`${path}.tmp`, 'w');
  }

  push(value: number): void {
    if (this.#used === this.#buffer.length) this.#flush();
    this.#buffer[this.#used++] = value;
  }

  #flush(): void {
    if (this.#used === 0) return;
    const bytes = this.#swap(Buffer.from(this.#buffer.buffer, this.#buffer.byteOffset, this.#used * this.#buffer.BYTES_PER_ELEMENT));
    for (let off = 0; off < bytes.length;) off += writeSync(this.#fd, bytes, off, bytes.length - off);
    this.#used = 0;
  }

  /** Flushes, fsyncs and closes `path`.tmp (renamed into place by the caller). */
  close(): void {
    this.#flush();
    fsyncSync(this.#fd);
    closeSync(this.#fd);
    this.#closed = true;
  }

  commit(): void {
    renameSync(`${this.path}.tmp`, this.path);
  }

  abort(): void {
    if (!this.#closed) closeSync(this.#fd);
    this.#closed = true;
    rmSync(`${this.path}.tmp`, { force: true });
  }
}

/** Writes `header` as JSON to `path`.tmp, fsynced, ready to be renamed into place last. */
function writeHeaderTmp(path: string, header: object): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(header) + '\n', { flush: true });
}

/**
 * Streams one shard to disk. `write` as often as needed, then `finish` (or `abort`, which
 * leaves no file behind). Token ids are checked against the vocabulary as they arrive, so a
 * finished shard never holds an id its header does not allow.
 */
export class TokenShardWriter {
  readonly dtype: TokenShardDtype;
  readonly #bin: BufferedUintFile;
  readonly #header: string;
  readonly #vocabSize: number;
  // largest id + 1 the dtype and the vocabulary both allow
  readonly #limit: number;
  #count = 0;

  /** `path` is the stem, NAME.bin or NAME.json. `dtype` defaults to the narrowest for vocabSize. */
  constructor(path: string, vocabSize: number, dtype: TokenShardDtype = tokenShardDtype(vocabSize)) {
    const { bin, header } = tokenShardPaths(checkString('path', path));
    this.#vocabSize = checkInteger('vocabSize', vocabSize, 1, 2 ** 32);
    this.dtype = dtype;
    this.#limit = dtype === 'uint16' ? Math.min(vocabSize, 65536) : vocabSize;
    this.#header = header;
    this.#bin = new BufferedUintFile(bin, dtype);
  }

  /** Tokens written so far. */
  get tokens(): number {
    return this.#count;
  }

  write(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (!(id >= 0 && id < this.#limit)) throw new RangeError(`Expected every token id to be below ${this.#limit === this.#vocabSize ? `vocabSize ${this.#vocabSize}` : `65536 (dtype uint16)`} but received ${id}`);
      this.#bin.push(id);
    }
    this.#count += ids.length;
  }

  /** Flushes, fsyncs and renames both files into place, the header last; returns the header. */
  finish(): TokenShardHeader {
    this.#bin.close();
    const header: TokenShardHeader = { format: 'egen-tokens', version: 1, dtype: this.dtype, count: this.#count, vocabSize: this.#vocabSize };
    writeHeaderTmp(this.#header, header);
    this.#bin.commit();
    renameSync(`${this.#header}.tmp`, this.#header);
    return header;
  }

  /** Removes the temporary files of an unfinished shard. */
  abort(): void {
    this.#bin.abort();
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

/** The JSON header of a labelled example shard (NAME.bin tokens, NAME.idx lengths and labels, NAME.json this). */
export interface ExampleShardHeader {
  format: 'egen-examples';
  version: 1;
  dtype: TokenShardDtype;
  /** Number of examples (records in NAME.idx). */
  examples: number;
  /** Number of tokens in NAME.bin, all examples together. */
  tokens: number;
  /** Size of the tokenizer's vocabulary; every token id is below it. */
  vocabSize: number;
  /** Classes; every label is below it. A classifier trains only on shards with its own numLabels. */
  numLabels: number;
}

/** The three file paths of an example shard named by its stem, NAME.bin, NAME.idx or NAME.json. */
export function exampleShardPaths(path: string): { bin: string; index: string; header: string } {
  const stem = path.replace(/\.(bin|idx|json)$/, '');
  return { bin: `${stem}.bin`, index: `${stem}.idx`, header: `${stem}.json` };
}

/** Options of ExampleShardWriter. */
export interface ExampleShardOptions {
  /** Size of the tokenizer's vocabulary; every token id must be below it. */
  vocabSize: number;
  /** Classes (at least 2); every label must be below it. */
  numLabels: number;
  /** Defaults to the narrowest for vocabSize. */
  dtype?: TokenShardDtype;
}

/**
 * Streams a labelled example shard (classification training and validation data) to disk: `add`
 * each example, then `finish` (or `abort`, which leaves no file behind). Examples are stored whole,
 * however long: the trainer keeps the first contextLength tokens of a longer one, so one shard
 * serves models of any context. A bad example (empty, a token id or label out of range) throws
 * before anything of it is written, so the writer stays usable.
 */
export class ExampleShardWriter {
  readonly dtype: TokenShardDtype;
  readonly #bin: BufferedUintFile;
  readonly #index: BufferedUintFile;
  readonly #header: string;
  readonly #vocabSize: number;
  readonly #numLabels: number;
  readonly #limit: number;
  #examples = 0;
  #tokens = 0;

  /** `path` is the stem, NAME.bin, NAME.idx or NAME.json. */
  constructor(path: string, options: ExampleShardOptions) {
    const { bin, index, header } = exampleShardPaths(checkString('path', path));
    const o = checkObject('options', options);
    for (const key of Object.keys(o)) if (!['vocabSize', 'numLabels', 'dtype'].includes(key)) throw new TypeError(`Unknown example shard option "options.${key}"`);
    this.#vocabSize = checkInteger('options.vocabSize', o.vocabSize, 1, 2 ** 32);
    this.#numLabels = checkInteger('options.numLabels', o.numLabels, 2, 2 ** 32 - 1);
    if (o.dtype !== undefined && o.dtype !== 'uint16' && o.dtype !== 'uint32') expected('"uint16" or "uint32"', 'options.dtype', o.dtype);
    this.dtype = (o.dtype as TokenShardDtype | undefined) ?? tokenShardDtype(this.#vocabSize);
    this.#limit = this.dtype === 'uint16' ? Math.min(this.#vocabSize, 65536) : this.#vocabSize;
    this.#header = header;
    this.#bin = new BufferedUintFile(bin, this.dtype);
    try {
      this.#index = new BufferedUintFile(index, 'uint32');
    } catch (error) {
      this.#bin.abort();
      throw error;
    }
  }

  /** Examples added so far. */
  get examples(): number {
    return this.#examples;
  }

  /** Adds one example: its token ids (at least one) and its label (0 ≤ label < numLabels). */
  add(tokens: ArrayLike<number>, label: number): void {
    const name = `example ${this.#examples}`;
    if (!Array.isArray(tokens) && !ArrayBuffer.isView(tokens)) expected('an array of token ids', `${name} tokens`, tokens);
    if (tokens.length === 0) throw new RangeError(`Expected ${name} to hold at least one token but it is empty`);
    if (tokens.length >= 2 ** 32) throw new RangeError(`Expected ${name} to hold fewer than 2^32 tokens`);
    if (!(Number.isInteger(label) && label >= 0 && label < this.#numLabels)) throw new RangeError(`Expected the label of ${name} to be an integer from 0 to ${this.#numLabels - 1} (numLabels ${this.#numLabels}) but received ${String(label)}`);
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i]!;
      if (!(Number.isInteger(id) && id >= 0 && id < this.#limit)) {
        throw new RangeError(`Expected token ${i} of ${name} to be an id below ${this.#limit === this.#vocabSize ? `vocabSize ${this.#vocabSize}` : '65536 (dtype uint16)'} but received ${String(id)}`);
      }
    }
    for (let i = 0; i < tokens.length; i++) this.#bin.push(tokens[i]!);
    this.#index.push(tokens.length);
    this.#index.push(label);
    this.#examples += 1;
    this.#tokens += tokens.length;
  }

  /** Flushes, fsyncs and renames the files into place, the header last; returns the header. */
  finish(): ExampleShardHeader {
    if (this.#examples === 0) {
      this.abort();
      throw new RangeError('Expected at least one example in the shard but none was added');
    }
    this.#bin.close();
    this.#index.close();
    const header: ExampleShardHeader = { format: 'egen-examples', version: 1, dtype: this.dtype, examples: this.#examples, tokens: this.#tokens, vocabSize: this.#vocabSize, numLabels: this.#numLabels };
    writeHeaderTmp(this.#header, header);
    this.#bin.commit();
    this.#index.commit();
    renameSync(`${this.#header}.tmp`, this.#header);
    return header;
  }

  /** Removes the temporary files of an unfinished shard. */
  abort(): void {
    this.#bin.abort();
    this.#index.abort();
    rmSync(`${this.#header}.tmp`, { force: true });
  }
}
