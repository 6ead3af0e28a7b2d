// The safetensors file format (an 8-byte little-endian header length, a JSON header padded to 8
// bytes, then the tensors' bytes) and the float conversions an export needs: the export reads
// EGen's F32 weights and writes them as F32, F16 or BF16, rounding to nearest even.
import { readFileSync, writeFileSync } from 'node:fs';
import { ValidationError } from '../../errors/domain-error.ts';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per element of each float dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F16: 2, BF16: 2 };

export interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface NamedTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Buffer;
}

export interface SafetensorsContents {
  header: Record<string, TensorEntry>;
  metadata: Record<string, string> | undefined;
  data: Buffer;
}

/** Reads a whole safetensors file; errors name the file (truncated header or data). */
export function readSafetensors(path: string): SafetensorsContents {
  const bytes = readFileSync(path);
  if (bytes.length < 8) throw ValidationError.single('checkpoint', `${path} is truncated: no safetensors header`);
  const n = Number(bytes.readBigUInt64LE(0));
  if (8 + n > bytes.length) throw ValidationError.single('checkpoint', `${path} is truncated: the header says ${n} bytes`);
  const parsed = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, TensorEntry> & { __metadata__?: Record<string, string> };
  const { __metadata__: metadata, ...header } = parsed;
  const data = bytes.subarray(8 + n);
  for (const [name, entry] of Object.entries(header as Record<string, TensorEntry>)) {
    if (entry.data_offsets[1] > data.length) throw ValidationError.single('checkpoint', `${path} is truncated: ${name} ends at byte ${entry.data_offsets[1]} of ${data.length}`);
  }
  return { header: header as Record<string, TensorEntry>, metadata, data };
}

/** The tensors of a file, in header order, each a view into the file's bytes. */
export function tensorsOf(contents: SafetensorsContents): NamedTensor[] {
  return Object.entries(contents.header).map(([name, entry]) => ({ name, dtype: entry.dtype, shape: entry.shape, bytes: contents.data.subarray(entry.data_offsets[0], entry.data_offsets[1]) }));
}

/** Writes tensors (in the given order) with string metadata. */
export function writeSafetensors(path: string, tensors: NamedTensor[], metadata: Record<string, string>): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  writeFileSync(path, Buffer.concat([length, Buffer.from(json, 'utf8'), ...tensors.map((t) => t.bytes)]));
}

/** A rows × columns matrix of `elementBytes`-byte elements, transposed. */
export function transpose(source: Buffer, rows: number, columns: number, elementBytes: number): Buffer {
  const to = Buffer.alloc(source.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) source.copy(to, (c * rows + r) * elementBytes, (r * columns + c) * elementBytes, (r * columns + c + 1) * elementBytes);
  }
  return to;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bits -> bfloat16 bits, rounding to nearest even (NaN stays NaN). */
function bf16Bits(bits: number): number {
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x40) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 bits -> IEEE half bits, rounding to nearest even; overflow becomes ±Infinity. */
function f16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  let mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // subnormal half (or zero): shift the implicit bit in, round to nearest even
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mantissa & ((1 << shift) - 1);
    let value = mantissa >>> shift;
    if (rest > half || (rest === half && value & 1)) value++;
    return sign | value;
  }
  const rest = mantissa & 0x1fff;
  mantissa >>>= 13;
  if (rest > 0x1000 || (rest === 0x1000 && mantissa & 1)) {
    mantissa++;
    if (mantissa === 0x400) {
      mantissa = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | mantissa;
}

/** Little-endian F32 bytes converted to `dtype` (a copy; F32 returns a copy of the same bytes). */
export function fromFloat32(bytes: Buffer, dtype: SafetensorsDtype): Buffer {
  if (dtype === 'F32') return Buffer.from(bytes);
  const count = bytes.length / 4;
  const out = Buffer.alloc(count * 2);
  const convert = dtype === 'F16' ? f16Bits : bf16Bits;
  for (let i = 0; i < count; i++) {
    f32[0] = bytes.readFloatLE(i * 4);
    out.writeUInt16LE(convert(u32[0]!), i * 2);
  }
  return out;
}
