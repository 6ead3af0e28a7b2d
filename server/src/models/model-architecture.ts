// The architecture of a GPT-style decoder: presets and the validation of custom configs.
// Every field error names the input path, e.g. "input.architecture.embeddingWidth".
import { ARCHITECTURE_OPTIONS, type ModelArchitectureConfig, MODEL_OPTIONS, type ModelTaskValue } from '../../../schema/options/model-options.ts';
import { type OptionSpec, optionProblem } from '../../../schema/options/option-spec.ts';
import { type FieldError, ValidationError } from '../errors/domain-error.ts';

export type { ModelArchitectureConfig, ModelTaskValue };

export type PresetName = 'tiny' | 'small' | 'gpt2-124M';

export const PRESETS: Readonly<Record<PresetName, ModelArchitectureConfig>> = {
  // For tests and laptops: trains in minutes on a CPU with a small trained tokenizer.
  tiny: { vocabSize: 4096, contextLength: 64, layers: 4, heads: 4, embeddingWidth: 128, dropout: 0, bias: true },
  // nanoGPT's "baby GPT" shape; a few million parameters besides the embedding.
  small: { vocabSize: 16384, contextLength: 256, layers: 6, heads: 6, embeddingWidth: 384, dropout: 0.1, bias: true },
  // GPT-2 small, loadable from Hugging Face's gpt2 weights.
  'gpt2-124M': { vocabSize: 50257, contextLength: 1024, layers: 12, heads: 12, embeddingWidth: 768, dropout: 0, bias: true },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

export function isPresetName(name: string): name is PresetName {
  return (PRESET_NAMES as string[]).includes(name);
}

/**
 * Resolves a preset plus overrides (or a full custom config) into a validated architecture.
 * Collects every problem before throwing one ValidationError.
 */
export function resolveArchitecture(preset: string | null | undefined, overrides: { [K in keyof ModelArchitectureConfig]?: ModelArchitectureConfig[K] | null } | null | undefined, path = 'input'): ModelArchitectureConfig {
  const errors: FieldError[] = [];
  const arch = `${path}.architecture`;
  let base: Partial<ModelArchitectureConfig> = {};
  if (preset !== null && preset !== undefined) {
    if (isPresetName(preset)) base = PRESETS[preset];
    else errors.push({ field: `${path}.preset`, message: `must be one of ${PRESET_NAMES.join(', ')} (got "${preset}")` });
  }
  const merged: Partial<ModelArchitectureConfig> = { ...base };
  for (const [key, value] of Object.entries(overrides ?? {}) as Array<[keyof ModelArchitectureConfig, unknown]>) {
    if (value !== null && value !== undefined) (merged as Record<string, unknown>)[key] = value;
  }
  for (const key of Object.keys(ARCHITECTURE_OPTIONS) as Array<keyof typeof ARCHITECTURE_OPTIONS>) {
    const spec: OptionSpec = ARCHITECTURE_OPTIONS[key];
    const value = merged[key] ?? spec.default ?? undefined;
    if (value === undefined) errors.push({ field: `${arch}.${key}`, message: preset ? 'is required' : 'is required without a preset' });
    else {
      const problem = optionProblem(spec, value);
      if (problem) errors.push({ field: `${arch}.${key}`, message: problem });
      (merged as Record<string, unknown>)[key] = value;
    }
  }
  const { heads, embeddingWidth } = merged;
  if (heads !== undefined && embeddingWidth !== undefined && Number.isInteger(heads) && heads > 0 && Number.isInteger(embeddingWidth) && embeddingWidth % heads !== 0) {
    errors.push({ field: `${arch}.embeddingWidth`, message: `must be divisible by heads (${embeddingWidth} is not a multiple of ${heads})` });
  }
  if (errors.length) throw new ValidationError(errors);
  return merged as ModelArchitectureConfig;
}

/** Parameters of the decoder with tied input/output embeddings (as GPT-2 and nanoGPT count them). */
export function parameterCount(a: ModelArchitectureConfig): number {
  const C = a.embeddingWidth;
  const b = a.bias ? 1 : 0;
  const perBlock = 2 * (C + b * C) + (C * 3 * C + b * 3 * C) + (C * C + b * C) + (C * 4 * C + b * 4 * C) + (4 * C * C + b * C);
  return a.vocabSize * C + a.contextLength * C + a.layers * perBlock + (C + b * C);
}

export const DEFAULT_SPECIAL_TOKENS = ['<|endoftext|>', '<context>', '<response>'];

/** The special tokens a model's tokenizer gets: the defaults (always), then those listed, each once. */
export function withDefaultSpecialTokens(listed: readonly string[]): string[] {
  return [...new Set([...DEFAULT_SPECIAL_TOKENS, ...listed])];
}

export function validateSpecialTokens(tokens: readonly string[] | null | undefined, field = 'input.specialTokens'): string[] {
  if (tokens === null || tokens === undefined) return [...DEFAULT_SPECIAL_TOKENS];
  const errors: FieldError[] = [];
  tokens.forEach((token, i) => {
    if (!token || token.length > 64 || /\s/.test(token)) errors.push({ field: `${field}.${i}`, message: 'must be 1 to 64 characters without spaces' });
  });
  if (new Set(tokens).size !== tokens.length) errors.push({ field, message: 'must not repeat a token' });
  if (errors.length) throw new ValidationError(errors);
  return [...tokens];
}

/** Fewest labels of a classifier; the most is the numLabels option's maximum. */
export const MIN_LABELS = 2;
export const MAX_LABELS = MODEL_OPTIONS.numLabels.max;
const MAX_LABEL_LENGTH = 100;

/**
 * The task and label names of a new model: a classifier needs 2 to MAX_LABELS distinct names
 * (trimmed, 1 to 100 characters on one line); a causal LM takes none.
 */
export function resolveTask(task: ModelTaskValue | null | undefined, labels: readonly string[] | null | undefined, path = 'input'): { task: ModelTaskValue; labels: string[] | null } {
  const resolved = task ?? MODEL_OPTIONS.task.default;
  const field = `${path}.labels`;
  if (resolved !== 'classification') {
    if (labels !== null && labels !== undefined) throw ValidationError.single(field, 'is only for CLASSIFICATION models; leave it out for CAUSAL_LM');
    return { task: resolved, labels: null };
  }
  if (labels === null || labels === undefined) throw ValidationError.single(field, `is required for CLASSIFICATION: ${MIN_LABELS} to ${MAX_LABELS} label names`);
  const errors: FieldError[] = [];
  if (labels.length < MIN_LABELS || labels.length > MAX_LABELS) errors.push({ field, message: `must hold ${MIN_LABELS} to ${MAX_LABELS} labels (got ${labels.length})` });
  const names = labels.map((label) => label.trim());
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (!name || name.length > MAX_LABEL_LENGTH || /[\p{Cc}]/u.test(name)) errors.push({ field: `${field}.${i}`, message: `must be 1 to ${MAX_LABEL_LENGTH} characters on one line` });
    else if (seen.has(name)) errors.push({ field: `${field}.${i}`, message: `repeats "${name}" (label ${seen.get(name)})` });
    else seen.set(name, i);
  });
  if (errors.length) throw new ValidationError(errors);
  return { task: resolved, labels: names };
}
