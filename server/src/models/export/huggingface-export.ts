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
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { CONV1D_WEIGHT, fromFloat32, type NamedTensor, readSafetensors, type SafetensorsDtype, tensorsOf, transpose, writeSafetensors } from './safetensors.ts';

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

/** Precision of the exported weights, as the export options name it. */
export type HuggingFaceDtype = 'fp32' | 'fp16' | 'bf16';

const SAFETENSORS_DTYPE: Readonly<Record<HuggingFaceDtype, SafetensorsDtype>> = { fp32: 'F32', fp16: 'F16', bf16: 'BF16' };
const TORCH_DTYPE: Readonly<Record<HuggingFaceDtype, string>> = { fp32: 'float32', fp16: 'float16', bf16: 'bfloat16' };

export interface HuggingFaceExportOptions {
  /** A tokenizer.json to ship with the weights (tokenizer_config.json and special_tokens_map.json are written for it). */
  tokenizerJson?: string;
  /** Special tokens of the model beyond <|endoftext|> and <pad> (e.g. <context>, <response>), for tokenizer_config.json. Defaults to the tokenizer's own. */
  specialTokens?: string[];
  /** Token id that ends a sequence, for config.json and generation_config.json. Defaults to <|endoftext|>'s id in the tokenizer, else none. */
  eosTokenId?: number;
  /** Precision of the weights in model.safetensors. Defaults to fp32. */
  dtype?: HuggingFaceDtype;
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

/** GPT2Config's fields for the architecture (exact GELU, as EGen computes it). */
/** What config.json says beyond the architecture: the stored precision and, for a classifier, its head. */
export interface Gpt2ConfigExtras {
  dtype?: HuggingFaceDtype;
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
    // transformers 5 reads dtype; earlier versions torch_dtype.
    dtype: TORCH_DTYPE[extras.dtype ?? 'fp32'],
    torch_dtype: TORCH_DTYPE[extras.dtype ?? 'fp32'],
    ...(eosTokenId === undefined ? {} : { bos_token_id: eosTokenId, eos_token_id: eosTokenId }),
    ...(extras.classification ? classificationConfig(model, extras.classification.labels, extras.classification.padTokenId) : {}),
  };
}

interface CheckpointManifest {
  model?: CheckpointModel;
  adapterOnly?: boolean;
  lora?: { rank: number; alpha: number; dropout: number; targets: string[] } | null;
  baseCheckpoint?: string | null;
}

function readManifest(checkpointDir: string): CheckpointManifest {
  return JSON.parse(readFileSync(join(checkpointDir, 'checkpoint.json'), 'utf8')) as CheckpointManifest;
}

/** Fills a sibling temp folder of `outputDir` by `fill`, then renames it into place; nothing is left behind on failure. */
async function writeAtomically(outputDir: string, fill: (dir: string) => Promise<string[]>): Promise<HuggingFaceExportResult> {
  const temp = join(dirname(outputDir), `.export-${randomUUID()}`);
  mkdirSync(temp, { recursive: true });
  try {
    const files = await fill(temp);
    rmSync(outputDir, { recursive: true, force: true });
    renameSync(temp, outputDir);
    return { dir: outputDir, files };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

interface AddedToken {
  id: number;
  content: string;
  special?: boolean;
  lstrip?: boolean;
  rstrip?: boolean;
  single_word?: boolean;
  normalized?: boolean;
}

const END_OF_TEXT = '<|endoftext|>';
const PAD = '<pad>';

/**
 * tokenizer_config.json and special_tokens_map.json for a tokenizer.json, so that
 * AutoTokenizer.from_pretrained loads it as PreTrainedTokenizerFast with <|endoftext|> as
 * bos/eos/unk (as GPT-2's tokenizer has it), <pad> as padding and the model's other special tokens
 * (<context>, <response>, ...) as additional special tokens that are never split.
 */
export function tokenizerFiles(tokenizerJson: string, contextLength: number, specialTokens: string[] | undefined): { config: Record<string, unknown>; specialTokensMap: Record<string, unknown>; endOfTextId: number | undefined } {
  const parsed = JSON.parse(tokenizerJson) as { added_tokens?: AddedToken[]; model?: { vocab?: Record<string, number> } };
  const added = (parsed.added_tokens ?? []).filter((t) => t.special !== false);
  const idOf = (content: string): number | undefined => added.find((t) => t.content === content)?.id ?? parsed.model?.vocab?.[content];
  const endOfTextId = idOf(END_OF_TEXT);
  const wanted = specialTokens ?? added.map((t) => t.content);
  const additional = [...new Set(wanted)].filter((token) => token !== END_OF_TEXT && token !== PAD && idOf(token) !== undefined);
  const roles: Record<string, string> = {};
  if (endOfTextId !== undefined) Object.assign(roles, { bos_token: END_OF_TEXT, eos_token: END_OF_TEXT, unk_token: END_OF_TEXT });
  if (idOf(PAD) !== undefined) roles.pad_token = PAD;
  const specialTokensMap = { ...roles, ...(additional.length ? { additional_special_tokens: additional } : {}) };
  const addedTokensDecoder = Object.fromEntries(added.map((t) => [String(t.id), { content: t.content, lstrip: t.lstrip ?? false, normalized: t.normalized ?? false, rstrip: t.rstrip ?? false, single_word: t.single_word ?? false, special: true }]));
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    model_max_length: contextLength,
    add_prefix_space: false,
    clean_up_tokenization_spaces: false,
    ...specialTokensMap,
    added_tokens_decoder: addedTokensDecoder,
  };
  return { config, specialTokensMap, endOfTextId };
}

function writeTokenizer(dir: string, tokenizerJson: string, contextLength: number, specialTokens: string[] | undefined): string[] {
  const { config, specialTokensMap } = tokenizerFiles(tokenizerJson, contextLength, specialTokens);
  writeFileSync(join(dir, 'tokenizer.json'), tokenizerJson);
  writeFileSync(join(dir, 'tokenizer_config.json'), `${JSON.stringify(config, null, 2)}\n`);
  writeFileSync(join(dir, 'special_tokens_map.json'), `${JSON.stringify(specialTokensMap, null, 2)}\n`);
  return ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'];
}

/**
 * The files around the weights of a Hugging Face folder (shared by the Hugging Face and PyTorch
 * exports): config.json, generation_config.json and, when given, the tokenizer with its
 * tokenizer_config.json and special_tokens_map.json. The end-of-text id defaults to the
 * tokenizer's <|endoftext|>. Returns the names written.
 */
export function writeHuggingFaceConfigFiles(dir: string, model: CheckpointModel, options: HuggingFaceExportOptions & Gpt2ConfigExtras = {}): string[] {
  const eosTokenId = options.eosTokenId ?? (options.tokenizerJson === undefined ? undefined : tokenizerFiles(options.tokenizerJson, model.contextLength, options.specialTokens).endOfTextId);
  const files = ['config.json', 'generation_config.json'];
  writeFileSync(join(dir, 'config.json'), `${JSON.stringify(gpt2Config(model, eosTokenId, options), null, 2)}\n`);
  writeFileSync(join(dir, 'generation_config.json'), `${JSON.stringify({ ...(eosTokenId === undefined ? {} : { bos_token_id: eosTokenId, eos_token_id: eosTokenId }) }, null, 2)}\n`);
  if (options.tokenizerJson !== undefined) files.push(...writeTokenizer(dir, options.tokenizerJson, model.contextLength, options.specialTokens));
  return files;
}

/**
 * Writes `outputDir` (atomically: a sibling temp folder, then one rename) from the EGen
 * checkpoint directory `checkpointDir`. Refuses what GPT2LMHeadModel cannot hold (a model
 * without biases, an adapter-only checkpoint) with a message naming the checkpoint.
 */
export async function exportHuggingFace(checkpointDir: string, outputDir: string, options: HuggingFaceExportOptions = {}): Promise<HuggingFaceExportResult> {
  const manifest = readManifest(checkpointDir);
  const model = manifest.model;
  if (!model) throw ValidationError.single('checkpoint', `${checkpointDir}/checkpoint.json has no model config`);
  if (manifest.adapterOnly) throw ValidationError.single('checkpoint', `${checkpointDir} holds LoRA adapters only: export the merged model`);
  if (manifest.lora) throw ValidationError.single('checkpoint', `${checkpointDir} carries LoRA adapters: merge them (mergeLora) before exporting the full model`);
  const classifier = model.task === 'classification';
  const modelClass = classifier ? 'GPT2ForSequenceClassification' : 'GPT2LMHeadModel';
  if (!model.bias) throw ValidationError.single('checkpoint', `${checkpointDir} is a model without biases, which ${modelClass} cannot hold`);
  const dtype = SAFETENSORS_DTYPE[options.dtype ?? 'fp32'];
  const contents = await readSafetensors(join(checkpointDir, 'model.safetensors'));

  const tensors: NamedTensor[] = [];
  for (const { name, dtype: stored, shape, bytes } of tensorsOf(contents).sort((a, b) => a.name.localeCompare(b.name))) {
    if (stored !== 'F32') throw ValidationError.single('checkpoint', `${checkpointDir}/model.safetensors: ${name} is ${stored}; the export reads F32 weights`);
    // One tensor at a time, then let the server answer: GPT-2's embedding alone is 150 MB.
    await yieldToEventLoop();
    if (CONV1D_WEIGHT.test(name)) {
      const [rows, columns] = shape as [number, number];
      tensors.push({ name, dtype, shape: [columns, rows], bytes: fromFloat32(transpose(bytes, rows, columns, 4), dtype) });
    } else {
      tensors.push({ name, dtype, shape, bytes: fromFloat32(bytes, dtype) });
    }
  }
  for (const required of ['transformer.wte.weight', ...(classifier ? ['score.weight'] : [])]) {
    if (!tensors.some((t) => t.name === required)) throw ValidationError.single('checkpoint', `${checkpointDir}/model.safetensors has no ${required}`);
  }
  const eosTokenId = options.eosTokenId ?? (options.tokenizerJson === undefined ? undefined : tokenizerFiles(options.tokenizerJson, model.contextLength, options.specialTokens).endOfTextId);

  return writeAtomically(outputDir, async (temp) => {
    const classification = classifier ? { labels: labelNames(model, options.labels, checkpointDir), padTokenId: options.padTokenId ?? eosTokenId } : undefined;
    await writeSafetensors(join(temp, 'model.safetensors'), tensors, { format: 'pt' });
    return ['model.safetensors', ...writeHuggingFaceConfigFiles(temp, model, { ...options, ...(eosTokenId === undefined ? {} : { eosTokenId }), ...(classification ? { classification } : {}) })];
  });
}

/** PEFT's prefix of every adapter tensor name in adapter_model.safetensors. */
export const PEFT_PREFIX = 'base_model.model.';

/**
 * Writes an adapter-only LoRA checkpoint as a PEFT adapter folder (adapter_config.json +
 * adapter_model.safetensors, and the tokenizer when given) that `PeftModel.from_pretrained` loads
 * onto the Hugging Face export of the base model. EGen names and shapes its adapters as PEFT does
 * (lora_A (r, in), lora_B (out, r) under the adapted module), and PEFT keeps them in that layout
 * for GPT-2's Conv1D too (fan_in_fan_out only changes how it merges), so no tensor is transposed.
 */
export async function exportPeftAdapter(adapterCheckpointDir: string, outputDir: string, options: Omit<HuggingFaceExportOptions, 'eosTokenId'> & { baseModelName?: string | null } = {}): Promise<HuggingFaceExportResult> {
  const manifest = readManifest(adapterCheckpointDir);
  const { model, lora } = manifest;
  if (!model) throw ValidationError.single('checkpoint', `${adapterCheckpointDir}/checkpoint.json has no model config`);
  if (!manifest.adapterOnly || !lora) throw ValidationError.single('checkpoint', `${adapterCheckpointDir} is not an adapter-only LoRA checkpoint`);
  const dtype = SAFETENSORS_DTYPE[options.dtype ?? 'fp32'];
  const tensors = tensorsOf(await readSafetensors(join(adapterCheckpointDir, 'adapter_model.safetensors')))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map(({ name, dtype: stored, shape, bytes }) => {
      if (stored !== 'F32') throw ValidationError.single('checkpoint', `${adapterCheckpointDir}/adapter_model.safetensors: ${name} is ${stored}; the export reads F32 weights`);
      if (!name.includes('.lora_')) throw ValidationError.single('checkpoint', `${adapterCheckpointDir}/adapter_model.safetensors holds ${name}, which is not a LoRA adapter`);
      return { name: `${PEFT_PREFIX}${name}`, dtype, shape, bytes: fromFloat32(bytes, dtype) };
    });
  const adapterConfig = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: options.baseModelName ?? null,
    r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    target_modules: lora.targets,
    // GPT-2's Conv1D stores (in, out): PEFT must transpose when it merges.
    fan_in_fan_out: true,
    bias: 'none',
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    use_rslora: false,
    use_dora: false,
  };
  return writeAtomically(outputDir, async (temp) => {
    const files = ['adapter_config.json', 'adapter_model.safetensors'];
    writeFileSync(join(temp, 'adapter_config.json'), `${JSON.stringify(adapterConfig, null, 2)}\n`);
    await writeSafetensors(join(temp, 'adapter_model.safetensors'), tensors, { format: 'pt' });
    if (options.tokenizerJson !== undefined) files.push(...writeTokenizer(temp, options.tokenizerJson, model.contextLength, options.specialTokens));
    return files;
  });
}
