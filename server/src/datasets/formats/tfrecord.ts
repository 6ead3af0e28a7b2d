// TFRecord files: each record is
//   uint64 length | uint32 masked CRC32C(length) | data[length] | uint32 masked CRC32C(data)
// (little-endian), optionally inside one GZIP stream. Both CRCs are checked. The data of each
// record is decoded as a tf.train.Example.
import { createGunzip } from 'node:zlib';
import protobuf from 'protobufjs';
import { DatasetFormatError } from '../datasets.errors.ts';
import type { FieldValue, ReaderHooks, SourceRecord } from './records.ts';

// ---- CRC32C (Castagnoli), slice-by-8 ----

const CRC_TABLES: Uint32Array[] = (() => {
  const tables = Array.from({ length: 8 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    tables[0]![n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) {
    let c = tables[0]![n]!;
    for (let t = 1; t < 8; t++) {
      c = tables[0]![c & 0xff]! ^ (c >>> 8);
      tables[t]![n] = c >>> 0;
    }
  }
  return tables;
})();

export function crc32c(bytes: Uint8Array): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let crc = 0xffffffff;
  let i = 0;
  const end8 = bytes.length - (bytes.length % 8);
  for (; i < end8; i += 8) {
    const a = crc ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    crc = t7[a & 0xff]! ^ t6[(a >>> 8) & 0xff]! ^ t5[(a >>> 16) & 0xff]! ^ t4[a >>> 24]! ^ t3[bytes[i + 4]!]! ^ t2[bytes[i + 5]!]! ^ t1[bytes[i + 6]!]! ^ t0[bytes[i + 7]!]!;
  }
  for (; i < bytes.length; i++) crc = t0[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

// ---- tf.train.Example ----

const EXAMPLE_PROTO = `
syntax = "proto3";
package tensorflow;
message BytesList { repeated bytes value = 1; }
message FloatList { repeated float value = 1 [packed = true]; }
message Int64List { repeated int64 value = 1 [packed = true]; }
message Feature { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
message Features { map<string, Feature> feature = 1; }
message Example { Features features = 1; }
`;
const ROOT = protobuf.parse(EXAMPLE_PROTO).root;
export const ExampleType = ROOT.lookupType('tensorflow.Example');

interface ExampleObject {
  features?: { feature?: Record<string, { bytesList?: { value?: Uint8Array[] }; floatList?: { value?: number[] }; int64List?: { value?: Array<number | string> } }> };
}

/** A feature of one value becomes that value; bytes decode as UTF-8 text. */
export function decodeExample(data: Uint8Array, location: string, hooks: ReaderHooks): Record<string, FieldValue> {
  let message: ExampleObject;
  try {
    message = ExampleType.toObject(ExampleType.decode(data), { longs: String, bytes: Buffer as unknown as typeof String }) as ExampleObject;
  } catch (error) {
    throw new DatasetFormatError(`not a tf.train.Example: ${(error as Error).message}`, location);
  }
  const fields: Record<string, FieldValue> = {};
  for (const [name, feature] of Object.entries(message.features?.feature ?? {})) {
    let values: FieldValue[] = [];
    if (feature.bytesList) {
      values = (feature.bytesList.value ?? []).map((bytes) => {
        const buffer = Buffer.from(bytes);
        const text = buffer.toString('utf8');
        if (Buffer.compare(Buffer.from(text, 'utf8'), buffer) !== 0) {
          if (hooks.badRows === 'fail') throw new DatasetFormatError(`feature "${name}" is not valid UTF-8 text`, location);
          hooks.onEncodingError(`${location}, feature "${name}"`);
        }
        return text;
      });
    } else if (feature.floatList) {
      values = feature.floatList.value ?? [];
    } else if (feature.int64List) {
      values = (feature.int64List.value ?? []).map((v) => Number(v));
    }
    fields[name] = values.length === 1 ? values[0]! : values;
  }
  return fields;
}

export function encodeExample(fields: Record<string, string | number | string[] | number[]>, floats: ReadonlySet<string> = new Set()): Uint8Array {
  const feature: Record<string, object> = {};
  for (const [name, value] of Object.entries(fields)) {
    const list = Array.isArray(value) ? value : [value];
    if (list.every((v) => typeof v === 'string')) feature[name] = { bytesList: { value: list.map((v) => Buffer.from(v as string, 'utf8')) } };
    else if (floats.has(name)) feature[name] = { floatList: { value: list } };
    else feature[name] = { int64List: { value: list } };
  }
  return ExampleType.encode(ExampleType.fromObject({ features: { feature } })).finish();
}

/** One framed record. */
export function frameRecord(data: Uint8Array): Buffer {
  const header = Buffer.alloc(12);
  header.writeBigUInt64LE(BigInt(data.length), 0);
  header.writeUInt32LE(maskedCrc32c(header.subarray(0, 8)), 8);
  const footer = Buffer.alloc(4);
  footer.writeUInt32LE(maskedCrc32c(data), 0);
  return Buffer.concat([header, data, footer]);
}

// ---- reading ----

/** Reads exact byte counts from a stream of chunks. */
class ExactReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;

  constructor(private readonly iterator: AsyncIterator<Buffer>) {}

  /** Up to n bytes; fewer only at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && !this.done) {
      const next = await this.iterator.next();
      if (next.done) this.done = true;
      else if (next.value.length) {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const take = Math.min(n, this.buffered);
    const out = all.subarray(0, take);
    const rest = all.subarray(take);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}

/** Longest record accepted (a corrupt length must not allocate gigabytes). */
export const MAX_TFRECORD_BYTES = 256 * 1024 * 1024;

export type Compression = 'auto' | 'gzip' | 'none';

async function* gunzipped(source: AsyncIterable<Buffer>, compression: Compression): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  const isGzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  if (compression === 'gzip' && !isGzip) throw new DatasetFormatError('declared GZIP but the file does not start with the GZIP magic bytes 1f 8b', 'byte 0');
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  if (!isGzip || compression === 'none') {
    yield* all();
    return;
  }
  const gunzip = createGunzip();
  (async () => {
    try {
      for await (const chunk of all()) if (!gunzip.write(chunk)) await new Promise((resolve) => gunzip.once('drain', resolve));
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    throw new DatasetFormatError(`corrupt GZIP stream: ${(error as Error).message}`, `uncompressed byte ${gunzip.bytesWritten}`);
  }
}

export async function* readTfRecord(source: AsyncIterable<Buffer>, hooks: ReaderHooks, compression: Compression): AsyncGenerator<SourceRecord> {
  const reader = new ExactReader(gunzipped(source, compression)[Symbol.asyncIterator]());
  let offset = 0;
  for (let index = 1; ; index++) {
    const location = `record ${index} (byte ${offset})`;
    const header = await reader.read(12);
    if (header.length === 0) return;
    if (header.length < 12) throw new DatasetFormatError(`truncated record header: ${header.length} of 12 bytes`, location);
    if (header.readUInt32LE(8) !== maskedCrc32c(header.subarray(0, 8))) throw new DatasetFormatError('length CRC mismatch (corrupt file)', location);
    const length = header.readBigUInt64LE(0);
    if (length > BigInt(MAX_TFRECORD_BYTES)) throw new DatasetFormatError(`record length ${length} exceeds ${MAX_TFRECORD_BYTES} bytes`, location);
    const data = await reader.read(Number(length) + 4);
    if (data.length < Number(length) + 4) throw new DatasetFormatError(`truncated record: ${data.length} of ${Number(length) + 4} bytes`, location);
    const payload = data.subarray(0, Number(length));
    if (data.readUInt32LE(Number(length)) !== maskedCrc32c(payload)) throw new DatasetFormatError('data CRC mismatch (corrupt record)', location);
    offset += 12 + Number(length) + 4;
    yield { fields: decodeExample(payload, location, hooks), location };
  }
}
