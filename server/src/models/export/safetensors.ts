// safetensors files in TypeScript (no Python at export time): an 8-byte little-endian header
// length, a JSON header of {name: {dtype, shape, data_offsets}} plus optional __metadata__, then
// the tensor bytes. Shared by the export format writers and the Hugging Face import. Reading checks
// that every tensor lies inside the file and matches its shape, so a truncated or corrupt file is
// named before its bytes are used.
import { open, readFile } from 'node:fs/promises';
import { ValidationError } from '../../errors/domain-error.ts';

/** The Conv1D weights of a GPT-2 block, which EGen stores in torch.nn.Linear's (out, in) layout. */
export const CONV1D_WEIGHT = /^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;

export interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface SafetensorsFile {
  header: Record<string, TensorEntry>;
  metadata: Record<string, string> | undefined;
  /** The bytes after the header; each entry's data_offsets index into it. */
  data: Buffer;
}

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

/** Bytes per element of each float dtype. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = { F32: 4, F16: 2, BF16: 2 };

/** A tensor to write, or one read from a file (its bytes a view into the file). */
export interface NamedTensor {
  name: string;
  dtype: string;
  shape: number[];
  bytes: Buffer;
}

/** Bytes per element of every dtype the reader checks (the float ones are the only ones EGen converts). */
const ELEMENT_BYTES: Readonly<Record<string, number>> = { F64: 8, ...DTYPE_BYTES, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/**
 * Reads and checks a safetensors file (the read runs off the event loop; weights files are hundreds
 * of megabytes). Errors are ValidationErrors on `field`, naming the file (and the tensor):
 * "…/model.safetensors is truncated: transformer.wte.weight ends at byte N of M".
 */
export async function readSafetensors(path: string, field = 'checkpoint'): Promise<SafetensorsFile> {
  return parseSafetensors(await readFile(path), path, field);
}

function parseSafetensors(bytes: Buffer, path: string, field: string): SafetensorsFile {
  const fail = (message: string): never => {
    throw ValidationError.single(field, `${path} ${message}`);
  };
  if (bytes.length < 8) fail('is truncated: no safetensors header');
  const n = Number(bytes.readBigUInt64LE(0));
  if (8 + n > bytes.length) fail(`is truncated: the header says ${n} bytes`);
  let parsed: Record<string, TensorEntry> & { __metadata__?: Record<string, string> };
  try {
    parsed = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as typeof parsed;
  } catch (error) {
    return fail(`is not a safetensors file: its header is not JSON (${(error as Error).message})`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) fail('is not a safetensors file: its header is not an object');
  const { __metadata__: metadata, ...header } = parsed;
  const data = bytes.subarray(8 + n);
  for (const [name, entry] of Object.entries(header)) {
    const [begin, end] = Array.isArray(entry?.data_offsets) ? entry.data_offsets : [NaN, NaN];
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || end < begin || !Array.isArray(entry.shape)) fail(`is corrupt: ${name} has no valid data_offsets/shape`);
    if (end > data.length) fail(`is truncated: ${name} ends at byte ${end} of the data but the file holds ${data.length}`);
    const size = ELEMENT_BYTES[entry.dtype];
    const elements = entry.shape.reduce((a, b) => a * b, 1);
    if (size !== undefined && elements * size !== end - begin) fail(`is corrupt: ${name} has shape [${entry.shape.join(', ')}] (${entry.dtype}) but ${end - begin} bytes`);
  }
  return { header: header as Record<string, TensorEntry>, metadata, data };
}

/** The tensors of a file, in header order, each a view into the file's bytes. */
export function tensorsOf(file: SafetensorsFile): NamedTensor[] {
  return Object.entries(file.header).map(([name, entry]) => ({ name, dtype: entry.dtype, shape: entry.shape, bytes: file.data.subarray(entry.data_offsets[0], entry.data_offsets[1]) }));
}

/**
 * The F32 tensor `name` of a checkpoint's safetensors as a Float32Array (a copy, aligned), checked
 * against the shape the model config implies; errors name the file and the tensor.
 */
export function readFloat32Tensor(file: SafetensorsFile, path: string, name: string, shape: readonly number[]): Float32Array {
  const entry = file.header[name];
  if (!entry) throw ValidationError.single('checkpoint', `${path} has no ${name}`);
  if (entry.dtype !== 'F32') throw ValidationError.single('checkpoint', `${path}: ${name} is ${entry.dtype}; the export reads F32 weights`);
  if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
    throw ValidationError.single('checkpoint', `${path}: ${name} has shape [${entry.shape.join(', ')}] where the model config implies [${shape.join(', ')}]`);
  }
  const [start, end] = entry.data_offsets;
  const expectedBytes = 4 * shape.reduce((a, b) => a * b, 1);
  if (end - start !== expectedBytes || end > file.data.length) throw ValidationError.single('checkpoint', `${path} is truncated: ${name} needs ${expectedBytes} bytes at ${start}, the file holds ${file.data.length - start}`);
  const out = new Float32Array(expectedBytes / 4);
  Buffer.from(out.buffer).set(file.data.subarray(start, end));
  return out;
}

/** The bytes of one tensor of a file read by readSafetensors. */
export function tensorBytes(file: SafetensorsFile, name: string): Buffer {
  const entry = file.header[name]!;
  return file.data.subarray(entry.data_offsets[0], entry.data_offsets[1]);
}

/** F16 (IEEE half) bits to a float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/** A tensor's bytes as little-endian float32 (F32 as is; F16 and BF16 widened exactly; F64 rounded). Other dtypes return null. */
export function toFloat32Bytes(dtype: string, bytes: Buffer): Buffer | null {
  if (dtype === 'F32') return Buffer.from(bytes);
  const out = Buffer.alloc((bytes.length / (ELEMENT_BYTES[dtype] ?? 1)) * 4);
  if (dtype === 'BF16') {
    // bfloat16 is the upper half of a float32
    for (let i = 0, j = 0; i < bytes.length; i += 2, j += 4) out.writeUInt32LE((bytes.readUInt16LE(i) << 16) >>> 0, j);
    return out;
  }
  if (dtype === 'F16') {
    for (let i = 0, j = 0; i < bytes.length; i += 2, j += 4) out.writeFloatLE(halfToFloat(bytes.readUInt16LE(i)), j);
    return out;
  }
  if (dtype === 'F64') {
    for (let i = 0, j = 0; i < bytes.length; i += 8, j += 4) out.writeFloatLE(bytes.readDoubleLE(i), j);
    return out;
  }
  return null;
}

/**
 * Writes a safetensors file: the header (8-byte length, JSON padded to 8 bytes), then the tensors
 * in order, each written by its own asynchronous write (off the event loop, no second copy).
 */
export async function writeSafetensors(path: string, tensors: NamedTensor[], metadata: Record<string, string>): Promise<void> {
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
  const file = await open(path, 'w');
  try {
    await file.write(Buffer.concat([length, Buffer.from(json, 'utf8')]));
    for (const t of tensors) await file.write(t.bytes);
  } finally {
    await file.close();
  }
}

/** A rows × columns matrix of `elementBytes`-byte elements (2 or 4), transposed. */
export function transpose(source: Buffer, rows: number, columns: number, elementBytes: number): Buffer {
  // A copy, so that the typed array is aligned whatever the source's offset.
  const copy = Uint8Array.prototype.slice.call(source).buffer;
  const from = elementBytes === 4 ? new Uint32Array(copy) : new Uint16Array(copy);
  const to = elementBytes === 4 ? new Uint32Array(from.length) : new Uint16Array(from.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) to[c * rows + r] = from[r * columns + c]!;
  return Buffer.from(to.buffer);
}

/** Rows × columns of 4-byte elements, transposed. */
export function transpose32(source: Buffer, rows: number, columns: number): Buffer {
  return transpose(source, rows, columns, 4);
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
