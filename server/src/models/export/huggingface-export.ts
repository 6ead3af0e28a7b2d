// Export of an EGen checkpoint as a Hugging Face GPT-2 folder that
// `AutoModelForCausalLM.from_pretrained` loads offline: config.json (GPT2Config fields),
// model.safetensors under Hugging Face's names, generation_config.json and, when given, the
// tokenizer. EGen keeps linear weights in torch.nn.Linear's (out, in) layout where Hugging Face's
// Conv1D stores (in, out), so those four weights per block are transposed; the LM head is tied to
// transformer.wte.weight, as GPT2LMHeadModel ties it.
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ValidationError } from '../../errors/domain-error.ts';

/** The Conv1D weights of a GPT-2 block, stored transposed by EGen. */
const CONV1D_WEIGHT = /^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/;

interface TensorEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

interface CheckpointModel {
  vocabSize: number;
  contextLength: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
}

export interface HuggingFaceExportOptions {
  /** A tokenizer.json to ship with the weights (tokenizer_config.json and special_tokens_map.json are written for it). */
  tokenizerJson?: string;
  /** Token id that ends a sequence, for generation_config.json. Defaults to none. */
  eosTokenId?: number;
}

export interface HuggingFaceExportResult {
  dir: string;
  files: string[];
}

function readSafetensors(path: string): { header: Record<string, TensorEntry>; metadata: Record<string, string> | undefined; data: Buffer } {
  const bytes = readFileSync(path);
  if (bytes.length < 8) throw ValidationError.single('checkpoint', `${path} is truncated: no safetensors header`);
  const n = Number(bytes.readBigUInt64LE(0));
  if (8 + n > bytes.length) throw ValidationError.single('checkpoint', `${path} is truncated: the header says ${n} bytes`);
  const parsed = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, TensorEntry> & { __metadata__?: Record<string, string> };
  const { __metadata__: metadata, ...header } = parsed;
  return { header: header as Record<string, TensorEntry>, metadata, data: bytes.subarray(8 + n) };
}

/** Rows × columns of 4-byte elements, transposed. */
function transpose32(source: Buffer, rows: number, columns: number): Buffer {
  const from = new Uint32Array(source.buffer.slice(source.byteOffset, source.byteOffset + source.byteLength));
  const to = new Uint32Array(from.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) to[c * rows + r] = from[r * columns + c]!;
  return Buffer.from(to.buffer);
}

/** safetensors bytes: the header (8-byte length, JSON padded to 8 bytes), then the tensors in order. */
function writeSafetensors(path: string, tensors: Array<{ name: string; dtype: string; shape: number[]; bytes: Buffer }>, metadata: Record<string, string>): void {
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

/** torch_dtype of config.json for each export precision. */
const TORCH_DTYPE: Readonly<Record<'fp32' | 'fp16' | 'bf16', string>> = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' };

/** GPT2Config's fields for the architecture (exact GELU, as EGen computes it). */
export function gpt2Config(model: CheckpointModel, eosTokenId?: number, dtype: keyof typeof TORCH_DTYPE = 'fp32'): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: model.vocabSize,
    n_positions: model.contextLength,
    n_ctx: model.contextLength,
    n_embd: model.nEmbd,
    n_layer: model.nLayer,
    n_head: model.nHead,
    n_inner: null,
    activation_function: 'gelu',
    layer_norm_epsilon: 1e-5,
    resid_pdrop: model.dropout,
    embd_pdrop: model.dropout,
    attn_pdrop: model.dropout,
    initializer_range: 0.02,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    use_cache: true,
    torch_dtype: TORCH_DTYPE[dtype],
    ...(eosTokenId === undefined ? {} : { bos_token_id: eosTokenId, eos_token_id: eosTokenId }),
  };
}

/**
 * The files around the weights of a Hugging Face folder (shared by the Hugging Face and PyTorch
 * exports): config.json, generation_config.json and, when given, the tokenizer with its
 * tokenizer_config.json and special_tokens_map.json. Returns their names.
 */
export function writeHuggingFaceConfigFiles(dir: string, model: CheckpointModel, options: HuggingFaceExportOptions & { dtype?: keyof typeof TORCH_DTYPE } = {}): string[] {
  const files = ['config.json', 'generation_config.json'];
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(gpt2Config(model, options.eosTokenId, options.dtype), null, 2)}\n`);
  writeFileSync(join(dir, 'generation_config.json'), `${JSON.stringify({ ...(options.eosTokenId === undefined ? {} : { bos_token_id: options.eosTokenId, eos_token_id: options.eosTokenId }) }, null, 2)}\n`);
  if (options.tokenizerJson !== undefined) {
    writeFileSync(join(dir, 'tokenizer.json'), options.tokenizerJson);
    writeFileSync(join(dir, 'tokenizer_config.json'), `${JSON.stringify({ tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: model.contextLength }, null, 2)}\n`);
    writeFileSync(join(dir, 'special_tokens_map.json'), '{}\n');
    files.push('tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json');
  }
  return files;
}

/**
 * Writes `outputDir` (atomically: a sibling temp folder, then one rename) from the EGen
 * checkpoint directory `checkpointDir`. Refuses what GPT2LMHeadModel cannot hold (a model
 * without biases, an adapter-only checkpoint) with a message naming the checkpoint.
 */
export function exportHuggingFace(checkpointDir: string, outputDir: string, options: HuggingFaceExportOptions = {}): HuggingFaceExportResult {
  const manifest = JSON.parse(readFileSync(join(checkpointDir, 'checkpoint.json'), 'utf8')) as { model?: CheckpointModel; adapterOnly?: boolean };
  const model = manifest.model;
  if (!model) throw ValidationError.single('checkpoint', `${checkpointDir}/checkpoint.json has no model config`);
  if (manifest.adapterOnly) throw ValidationError.single('checkpoint', `${checkpointDir} holds LoRA adapters only: export the merged model`);
  if (!model.bias) throw ValidationError.single('checkpoint', `${checkpointDir} is a model without biases, which GPT2LMHeadModel cannot hold`);
  const { header, data } = readSafetensors(join(checkpointDir, 'model.safetensors'));

  const tensors = Object.entries(header)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, entry]) => {
      if (entry.dtype !== 'F32') throw ValidationError.single('checkpoint', `${checkpointDir}/model.safetensors: ${name} is ${entry.dtype}; the export reads F32 weights`);
      const bytes = data.subarray(entry.data_offsets[0], entry.data_offsets[1]);
      if (CONV1D_WEIGHT.test(name)) {
        const [rows, columns] = entry.shape as [number, number];
        return { name, dtype: 'F32', shape: [columns, rows], bytes: transpose32(bytes, rows, columns) };
      }
      return { name, dtype: 'F32', shape: entry.shape, bytes: Buffer.from(bytes) };
    });
  if (!tensors.some((t) => t.name === 'transformer.wte.weight')) throw ValidationError.single('checkpoint', `${checkpointDir}/model.safetensors has no transformer.wte.weight`);

  const temp = join(dirname(outputDir), `.export-${randomUUID()}`);
  mkdirSync(temp, { recursive: true });
  try {
    writeSafetensors(join(temp, 'model.safetensors'), tensors, { format: 'pt' });
    const files = ['model.safetensors', ...writeHuggingFaceConfigFiles(temp, model, options)];
    rmSync(outputDir, { recursive: true, force: true });
    renameSync(temp, outputDir);
    return { dir: outputDir, files };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}
