// The safetensors files of EGen checkpoints, read and written in TypeScript (no Python at export
// time): an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape and
// byte range, then the tensors. Shared by the format writers.
import { readFileSync, writeFileSync } from 'node:fs';
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

export function readSafetensors(path: string): SafetensorsFile {
  const bytes = readFileSync(path);
  if (bytes.length < 8) throw ValidationError.single('checkpoint', `${path} is truncated: no safetensors header`);
  const n = Number(bytes.readBigUInt64LE(0));
  if (8 + n > bytes.length) throw ValidationError.single('checkpoint', `${path} is truncated: the header says ${n} bytes`);
  const parsed = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, TensorEntry> & { __metadata__?: Record<string, string> };
  const { __metadata__: metadata, ...header } = parsed;
  return { header: header as Record<string, TensorEntry>, metadata, data: bytes.subarray(8 + n) };
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

/** Rows × columns of 4-byte elements, transposed. */
export function transpose32(source: Buffer, rows: number, columns: number): Buffer {
  const from = new Uint32Array(source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength));
  const to = new Uint32Array(from.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) to[c * rows + r] = from[r * columns + c]!;
  return Buffer.from(to.buffer);
}

/** safetensors bytes: the header (8-byte length, JSON padded to 8 bytes), then the tensors in order. */
export function writeSafetensors(path: string, tensors: Array<{ name: string; dtype: string; shape: number[]; bytes: Buffer }>, metadata: Record<string, string>): void {
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
