// Token shards, the format the native trainer memory-maps: NAME.bin holds flat little-endian
// uint16 (vocabulary ≤ 65536) or uint32 tokens; NAME.json describes them:
//   {"format":"egen-tokens","version":1,"dtype":"uint16"|"uint32","count":<tokens>,"vocabSize":<int>}
// Both files are written to temporary names and renamed into place when complete.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, writeFileSync } from 'node:fs';

export type ShardDtype = 'uint16' | 'uint32';

export interface ShardHeader {
  format: 'egen-tokens';
  version: 1;
  dtype: ShardDtype;
  count: number;
  vocabSize: number;
}

export function dtypeFor(vocabSize: number): ShardDtype {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

/** Writes one shard pair; tokens are buffered a megabyte at a time. */
export class ShardWriter {
  readonly dtype: ShardDtype;
  private readonly fd: number;
  private buffer: Uint16Array | Uint32Array;
  private used = 0;
  private count = 0;
  private closed = false;

  constructor(
    private readonly basePath: string,
    private readonly vocabSize: number,
  ) {
    this.dtype = dtypeFor(vocabSize);
    this.buffer = this.dtype === 'uint16' ? new Uint16Array(1 << 19) : new Uint32Array(1 << 18);
    this.fd = openSync(`${basePath}.bin.tmp`, 'w');
  }

  get tokens(): number {
    return this.count;
  }

  write(ids: ArrayLike<number>): void {
    for (let i = 0; i < ids.length; i++) {
      if (this.used === this.buffer.length) this.flush();
      this.buffer[this.used++] = ids[i]!;
    }
    this.count += ids.length;
  }

  private flush(): void {
    if (this.used === 0) return;
    // typed arrays are little-endian on every platform Node supports
    const bytes = new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.used * this.buffer.BYTES_PER_ELEMENT);
    for (let off = 0; off < bytes.length; ) off += writeSync(this.fd, bytes, off, bytes.length - off);
    this.used = 0;
  }

  /** Flushes, fsyncs and renames both files into place; returns the header. */
  finish(): ShardHeader {
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.closed = true;
    const header: ShardHeader = { format: 'egen-tokens', version: 1, dtype: this.dtype, count: this.count, vocabSize: this.vocabSize };
    writeFileSync(`${this.basePath}.json.tmp`, JSON.stringify(header) + '\n');
    renameSync(`${this.basePath}.bin.tmp`, `${this.basePath}.bin`);
    renameSync(`${this.basePath}.json.tmp`, `${this.basePath}.json`);
    return header;
  }

  /** Removes the temporary files of an unfinished shard. */
  abort(): void {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    rmSync(`${this.basePath}.bin.tmp`, { force: true });
    rmSync(`${this.basePath}.json.tmp`, { force: true });
  }
}
