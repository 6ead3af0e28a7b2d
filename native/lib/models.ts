// Model files: create, resize the vocabulary, merge LoRA adapters, and the gradient diagnostic.
// The model and LoRA config checks live here because training and generation share them.
import { load, type Plain } from './addon.ts';
import { MODEL_OPTIONS } from '../../schema/options/model-options.ts';
import { keysOn, nativeName } from '../../schema/options/option-spec.ts';
import { LORA_OPTIONS } from '../../schema/options/training-options.ts';
import { checkDeclaredOptions, checkInteger, checkObject, checkString, checkTokenList, declaredNames, expected, opt } from './checks.ts';
import { crossing } from './crossing.ts';
import type { CreatedModel, LoraOptions, LoraTarget, ModelConfig } from './types.ts';

/** The model config with its defaults applied (createModel and train), checked against its declaration. */
export function checkModelConfig(name: string, value: unknown): Required<ModelConfig> {
  const o = checkObject(name, value);
  for (const key of Object.keys(o)) if (!MODEL_NAMES.has(key)) throw new TypeError(`Unknown model option "${name}.${key}"`);
  for (const key of REQUIRED_MODEL_NAMES) if (o[key] === undefined) expected('a positive integer', `${name}.${key}`, undefined);
  const config = checkDeclaredOptions(MODEL_OPTIONS, o, `${name}.`) as unknown as Required<ModelConfig>;
  if (config.nEmbd % config.nHead !== 0) {
    throw new RangeError(`Expected ${name}.nEmbd (${config.nEmbd}) to be divisible by ${name}.nHead (${config.nHead})`);
  }
  if (config.task === 'classification' && config.numLabels < 2) {
    throw new RangeError(`Expected ${name}.numLabels to be at least 2 for a classification model but received ${config.numLabels}`);
  }
  if (config.task === 'causal-lm' && config.numLabels !== 0) {
    throw new RangeError(`Expected ${name}.numLabels to be 0 for a causal-lm model (it has no score head) but received ${config.numLabels}`);
  }
  return config;
}
const MODEL_NAMES = new Set(declaredNames(MODEL_OPTIONS));
const REQUIRED_MODEL_NAMES = keysOn(MODEL_OPTIONS, 'native')
  .filter((key) => MODEL_OPTIONS[key].default === null)
  .map((key) => nativeName(key, MODEL_OPTIONS[key]));

/** Every LoraTarget, for the check. */
export const LORA_TARGETS: readonly LoraTarget[] = LORA_OPTIONS.targets.values;

/** LoRA options with their defaults applied. */
export function checkLora(name: string, value: unknown): Required<LoraOptions> {
  const o = checkObject(name, value);
  return checkDeclaredOptions(LORA_OPTIONS, o, `${name}.`) as unknown as Required<LoraOptions>;
}

/** Options of createModel. */
export interface CreateModelOptions {
  model: ModelConfig;
  /** Directory to write (atomically; replaced if it exists). */
  outputDir: string;
  /** Seed of the GPT-2 initialization. Defaults to 1337. */
  seed?: number;
  /**
   * A checkpoint whose transformer (same vocabSize, contextLength, nLayer, nHead, nEmbd, bias; no
   * LoRA adapters) is copied: typically a causal LM turned into a classifier, whose score head is
   * then the only fresh weight. Defaults to none (every weight fresh).
   */
  baseCheckpoint?: string;
}

/** Writes a freshly initialized model (GPT-2 initialization), or one whose transformer comes from baseCheckpoint, as a checkpoint directory. */
export function createModel(options: CreateModelOptions): Promise<CreatedModel> {
  const o = checkObject('options', options);
  for (const key of Object.keys(o)) if (!CREATE_MODEL_KEYS.has(key)) throw new TypeError(`Unknown createModel option "options.${key}"`);
  const plain: Record<string, Plain> = {
    model: checkModelConfig('options.model', o.model) as unknown as Plain,
    outputDir: checkString('options.outputDir', o.outputDir),
    seed: opt(o, 'seed', 'options.', 1337, (n, v) => checkInteger(n, v, 0)),
  };
  if (o.baseCheckpoint !== undefined) plain.baseCheckpoint = checkString('options.baseCheckpoint', o.baseCheckpoint);
  const native = load();
  return crossing(createModel, () => native.createModel(plain));
}

const CREATE_MODEL_KEYS = new Set(['model', 'outputDir', 'seed', 'baseCheckpoint']);

/** Options of resizeEmbeddings. */
export interface ResizeEmbeddingsOptions {
  /** The checkpoint whose model grows (it is not modified). */
  checkpoint: string;
  /** New vocabulary size, at least the current one (e.g. after adding special tokens). */
  vocabSize: number;
  /** Directory to write the resized model to. */
  outputDir: string;
}

/**
 * Grows the vocabulary of a model: existing embedding rows are kept and new rows start at the
 * mean of the old ones; the tied LM head follows. Writes a new checkpoint.
 */
export function resizeEmbeddings(options: ResizeEmbeddingsOptions): Promise<CreatedModel & { addedTokens: number }> {
  const o = checkObject('options', options);
  const plain = {
    checkpoint: checkString('options.checkpoint', o.checkpoint),
    vocabSize: checkInteger('options.vocabSize', o.vocabSize, 1, 2 ** 32),
    outputDir: checkString('options.outputDir', o.outputDir),
  };
  const native = load();
  return crossing(resizeEmbeddings, () => native.resizeEmbeddings(plain));
}

/** Options of mergeLora. */
export interface MergeLoraOptions {
  /** A LoRA checkpoint (adapter-only checkpoints name their base checkpoint). */
  checkpoint: string;
  /** Directory to write the merged, adapter-free model to. */
  outputDir: string;
}

/** Folds LoRA adapters into the base weights (W += B·A·alpha/r) and writes a plain model checkpoint. */
export function mergeLora(options: MergeLoraOptions): Promise<CreatedModel> {
  const o = checkObject('options', options);
  const plain = { checkpoint: checkString('options.checkpoint', o.checkpoint), outputDir: checkString('options.outputDir', o.outputDir) };
  const native = load();
  return crossing(mergeLora, () => native.mergeLora(plain));
}

/** Options of inspectGradients. */
export interface InspectGradientsOptions {
  checkpoint: string;
  /** Input token ids, one row per sequence (B rows of T tokens). */
  inputs: number[][];
  /** Causal-LM models: next-token targets, the same shape as inputs. */
  targets?: number[][];
  /** Classification models: one label per inputs row (rows may then differ in length; they are right-padded and read at their last token). */
  labels?: number[];
  /** safetensors file to write: logits (B, T, V), loss, and grad/<parameter name> for every parameter. */
  outputPath: string;
  /** Intra-op threads. Defaults to libtorch's default. */
  threads?: number;
}

/**
 * Diagnostic: one forward and backward pass on a given batch, writing logits, loss and every
 * parameter gradient to a safetensors file (used to check the model against PyTorch).
 */
export function inspectGradients(options: InspectGradientsOptions): Promise<{ loss: number; outputPath: string }> {
  const o = checkObject('options', options);
  const rows = (name: string, value: unknown): number[][] => {
    if (!Array.isArray(value) || value.length === 0) expected('a non-empty array of token rows', name, value);
    return value.map((row, i) => checkTokenList(`${name}[${i}]`, row));
  };
  const plain: Record<string, Plain> = {
    checkpoint: checkString('options.checkpoint', o.checkpoint),
    inputs: rows('options.inputs', o.inputs),
    outputPath: checkString('options.outputPath', o.outputPath),
    threads: opt(o, 'threads', 'options.', 0, (n, v) => checkInteger(n, v, 1, 1024)),
  };
  if ((o.targets === undefined) === (o.labels === undefined)) throw new TypeError('Expected exactly one of options.targets (causal-lm) and options.labels (classification)');
  if (o.targets !== undefined) plain.targets = rows('options.targets', o.targets);
  else {
    if (!Array.isArray(o.labels)) expected('an array of labels', 'options.labels', o.labels);
    plain.labels = o.labels.map((label, i) => checkInteger(`options.labels[${i}]`, label, 0));
  }
  const native = load();
  return crossing(inspectGradients, () => native.inspectGradients(plain));
}
