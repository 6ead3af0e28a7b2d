// Export of an EGen checkpoint as a Hugging Face GPT-2 folder that
// `AutoModelForCausalLM.from_pretrained` loads offline: config.json (GPT2Config fields),
// model.safetensors under Hugging Face's names, generation_config.json and, when given, the
// tokenizer. EGen keeps linear weights in torch.nn.Linear's (out, in) layout where Hugging Face's
// Conv1D stores (in, out), so those four weights per block are transposed; the LM head is tied to
// transformer.wte.weight, as GPT2LMHeadModel ties it. A classification checkpoint (task
// "classification") exports as GPT2ForSequenceClassification: its score.weight (numLabels, C) is
// copied as is (no tie, no LM head), and config.json carries num_labels, id2label/label2id and the
// pad_token_id transformers pools by (the last token that is not padding).
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ValidationError } from '../../errors/domain-error.ts';
import { CONV1D_WEIGHT, readSafetensors, transpose32, writeSafetensors } from './safetensors.ts';

interface CheckpointModel {
  vocabSize: number;
  contextLength: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
  /** Absent in checkpoints written before classification existed: causal-lm. */
  task?: 'causal-lm' | 'classification';
  numLabels?: number;
}

export interface HuggingFaceExportOptions {
  /** A tokenizer.json to ship with the weights (tokenizer_config.json and special_tokens_map.json are written for it). */
  tokenizerJson?: string;
  /** Token id that ends a sequence, for generation_config.json. Defaults to none. */
  eosTokenId?: number;
  /** Classification checkpoints: the label names, in the order of the score head's outputs (numLabels of them). Defaults to LABEL_0, LABEL_1, … */
  labels?: string[];
  /**
   * Classification checkpoints: config.json's pad_token_id. GPT2ForSequenceClassification reads
   * each row at its last token that is not this id (EGen reads it at its length), and needs one
   * for batches of more than one row. Defaults to eosTokenId, else none.
   */
  padTokenId?: number;
}

export interface HuggingFaceExportResult {
  dir: string;
  files: string[];
}

/** The head fields of config.json for a classifier: GPT2ForSequenceClassification, its labels and pad id. */
function classificationConfig(model: CheckpointModel, labels: readonly string[], padTokenId: number | undefined): Record<string, unknown> {
  return {
    architectures: ['GPT2ForSequenceClassification'],
    num_labels: model.numLabels,
    id2label: Object.fromEntries(labels.map((label, i) => [String(i), label])),
    label2id: Object.fromEntries(labels.map((label, i) => [label, i])),
    pad_token_id: padTokenId ?? null,
    tie_word_embeddings: false,
  };
}

/** The label names of a classifier's export: `labels` checked against numLabels, or LABEL_0… */
function labelNames(model: CheckpointModel, labels: readonly string[] | undefined, checkpointDir: string): string[] {
  const count = model.numLabels ?? 0;
  if (labels === undefined) return Array.from({ length: count }, (_, i) => `LABEL_${i}`);
  if (labels.length !== count) throw ValidationError.single('labels', `${checkpointDir} is a classifier with ${count} labels but ${labels.length} label names were given`);
  const seen = new Set<string>();
  labels.forEach((label, i) => {
    if (typeof label !== 'string' || label === '') throw ValidationError.single(`labels.${i}`, 'must be a non-empty string');
    if (seen.has(label)) throw ValidationError.single(`labels.${i}`, `repeats "${label}"`);
    seen.add(label);
  });
  return [...labels];
}

/** torch_dtype of config.json for each export precision. */
const TORCH_DTYPE: Readonly<Record<'fp32' | 'fp16' | 'bf16', string>> = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' };

/** What config.json says beyond the architecture: the stored precision and, for a classifier, its head. */
export interface Gpt2ConfigExtras {
  dtype?: keyof typeof TORCH_DTYPE;
  classification?: { labels: readonly string[]; padTokenId?: number };
}

/** GPT2Config's fields for the architecture (exact GELU, as EGen computes it), with the precision and a classifier's head fields. */
export function gpt2Config(model: CheckpointModel, eosTokenId?: number, extras: Gpt2ConfigExtras = {}): Record<string, unknown> {
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
    torch_dtype: TORCH_DTYPE[extras.dtype ?? 'fp32'],
    ...(eosTokenId === undefined ? {} : { bos_token_id: eosTokenId, eos_token_id: eosTokenId }),
    ...(extras.classification ? classificationConfig(model, extras.classification.labels, extras.classification.padTokenId) : {}),
  };
}

/**
 * The files around the weights of a Hugging Face folder (shared by the Hugging Face and PyTorch
 * exports): config.json, generation_config.json and, when given, the tokenizer with its
 * tokenizer_config.json and special_tokens_map.json. Returns their names.
 */
export function writeHuggingFaceConfigFiles(dir: string, model: CheckpointModel, options: HuggingFaceExportOptions & Gpt2ConfigExtras = {}): string[] {
  const files = ['config.json', 'generation_config.json'];
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(gpt2Config(model, options.eosTokenId, options), null, 2)}\n`);
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
  const classifier = model.task === 'classification';
  const modelClass = classifier ? 'GPT2ForSequenceClassification' : 'GPT2LMHeadModel';
  if (!model.bias) throw ValidationError.single('checkpoint', `${checkpointDir} is a model without biases, which ${modelClass} cannot hold`);
  const classification = classifier ? { labels: labelNames(model, options.labels, checkpointDir), padTokenId: options.padTokenId ?? options.eosTokenId } : undefined;
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
  for (const required of ['transformer.wte.weight', ...(classifier ? ['score.weight'] : [])]) {
    if (!tensors.some((t) => t.name === required)) throw ValidationError.single('checkpoint', `${checkpointDir}/model.safetensors has no ${required}`);
  }

  const temp = join(dirname(outputDir), `.export-${randomUUID()}`);
  mkdirSync(temp, { recursive: true });
  try {
    const files = ['model.safetensors', ...writeHuggingFaceConfigFiles(temp, model, { ...options, ...(classification ? { classification } : {}) })];
    writeSafetensors(join(temp, 'model.safetensors'), tensors, { format: 'pt' });
    rmSync(outputDir, { recursive: true, force: true });
    renameSync(temp, outputDir);
    return { dir: outputDir, files };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}
