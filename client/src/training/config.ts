// The training config as a form (one text value per hyperparameter, so every field can be checked
// inline) and as a document (JSON or YAML) — the two convert both ways, with the same checks.

export type FieldKind = 'int' | 'float' | 'enum' | 'string' | 'list';

export interface FieldSpec {
  key: string;
  label: string;
  kind: FieldKind;
  help: string;
  group: 'Schedule' | 'Optimizer' | 'Data' | 'Validation and checkpoints' | 'Hardware' | 'Early stopping' | 'LoRA';
  min?: number;
  max?: number;
  /** Exclusive lower bound (e.g. a learning rate above 0). */
  above?: number;
  options?: string[];
  /** Pre-filled in a new form; absent means the field starts empty (the server's default). */
  initial?: string;
}

export const FIELDS: FieldSpec[] = [
  { key: 'steps', label: 'Steps', kind: 'int', min: 1, max: 10_000_000, initial: '200', group: 'Schedule', help: 'Optimizer steps. Give steps or epochs.' },
  { key: 'epochs', label: 'Epochs', kind: 'float', above: 0, max: 10_000, group: 'Schedule', help: 'Passes over the training tokens (converted to steps).' },
  { key: 'learningRate', label: 'Learning rate', kind: 'float', above: 0, max: 10, initial: '0.0006', group: 'Schedule', help: 'Peak learning rate.' },
  { key: 'minLearningRate', label: 'Minimum learning rate', kind: 'float', min: 0, max: 10, group: 'Schedule', help: 'Empty: learning rate / 10.' },
  { key: 'warmupSteps', label: 'Warmup steps', kind: 'int', min: 0, max: 10_000_000, group: 'Schedule', help: 'Empty: min(100, steps).' },
  { key: 'lrSchedule', label: 'Learning-rate schedule', kind: 'enum', options: ['COSINE', 'LINEAR', 'CONSTANT'], initial: 'COSINE', group: 'Schedule', help: 'Decay after warmup.' },
  { key: 'batchSize', label: 'Batch size', kind: 'int', min: 1, max: 65_536, initial: '12', group: 'Optimizer', help: 'Sequences per micro-batch.' },
  { key: 'gradientAccumulationSteps', label: 'Gradient accumulation', kind: 'int', min: 1, max: 4096, initial: '1', group: 'Optimizer', help: 'Micro-batches per optimizer step.' },
  { key: 'weightDecay', label: 'Weight decay', kind: 'float', min: 0, max: 10, initial: '0.1', group: 'Optimizer', help: 'AdamW weight decay.' },
  { key: 'beta1', label: 'Beta 1', kind: 'float', min: 0, max: 0.99999, initial: '0.9', group: 'Optimizer', help: 'AdamW first moment.' },
  { key: 'beta2', label: 'Beta 2', kind: 'float', min: 0, max: 0.99999, initial: '0.95', group: 'Optimizer', help: 'AdamW second moment.' },
  { key: 'gradClip', label: 'Gradient clipping', kind: 'float', min: 0, max: 1e6, initial: '1', group: 'Optimizer', help: 'Clip the global norm; 0 disables.' },
  { key: 'gradNormThreshold', label: 'Stop above gradient norm', kind: 'float', above: 0, group: 'Optimizer', help: 'Empty: never stop for it.' },
  { key: 'seed', label: 'Seed', kind: 'int', min: 0, max: 2_147_483_647, initial: '1337', group: 'Data', help: 'Makes a run reproducible.' },
  { key: 'sampling', label: 'Sampling', kind: 'enum', options: ['RANDOM', 'SEQUENTIAL'], initial: 'RANDOM', group: 'Data', help: 'How batches are drawn.' },
  { key: 'evalEvery', label: 'Validate every (steps)', kind: 'int', min: 0, max: 10_000_000, initial: '0', group: 'Validation and checkpoints', help: '0: only at the end.' },
  { key: 'evalBatches', label: 'Validation batches', kind: 'int', min: 1, max: 100_000, initial: '20', group: 'Validation and checkpoints', help: 'Batches per validation.' },
  { key: 'checkpointEvery', label: 'Checkpoint every (steps)', kind: 'int', min: 1, max: 10_000_000, group: 'Validation and checkpoints', help: 'Empty: steps / 10.' },
  { key: 'keepLast', label: 'Checkpoints kept', kind: 'int', min: 1, max: 1000, initial: '3', group: 'Validation and checkpoints', help: 'Newest kept, plus the best.' },
  { key: 'device', label: 'Device', kind: 'string', initial: 'auto', group: 'Hardware', help: 'auto, cpu, cuda or cuda:N.' },
  { key: 'precision', label: 'Precision', kind: 'enum', options: ['FP32', 'BF16', 'FP16', 'AUTO'], initial: 'FP32', group: 'Hardware', help: 'Numeric precision.' },
  { key: 'threads', label: 'Threads', kind: 'int', min: 1, max: 1024, group: 'Hardware', help: 'Empty: the server setting.' },
  { key: 'kernels', label: 'Kernels', kind: 'enum', options: ['FAST', 'DETERMINISTIC'], initial: 'FAST', group: 'Hardware', help: 'Deterministic: a resumed CUDA run repeats exactly (slower).' },
  { key: 'earlyStopping.patience', label: 'Patience (validations)', kind: 'int', min: 1, max: 100_000, initial: '3', group: 'Early stopping', help: 'Validations without improvement.' },
  { key: 'earlyStopping.minDelta', label: 'Minimum improvement', kind: 'float', min: 0, initial: '0', group: 'Early stopping', help: 'Smallest decrease that counts.' },
  { key: 'lora.rank', label: 'LoRA rank', kind: 'int', min: 1, max: 4096, initial: '8', group: 'LoRA', help: 'Rank r of the adapters.' },
  { key: 'lora.alpha', label: 'LoRA alpha', kind: 'float', above: 0, initial: '16', group: 'LoRA', help: 'Update scaled by alpha / rank.' },
  { key: 'lora.dropout', label: 'LoRA dropout', kind: 'float', min: 0, max: 0.99, initial: '0', group: 'LoRA', help: 'Dropout on the adapters.' },
  { key: 'lora.targets', label: 'LoRA targets', kind: 'list', initial: 'attn.c_attn', group: 'LoRA', help: 'Comma separated: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj.' },
];

export const LORA_TARGETS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'];
const DEVICE = /^(auto|cpu|cuda(:\d+)?)$/;

export interface FormState {
  values: Record<string, string>;
  earlyStopping: boolean;
  lora: boolean;
}

export function initialForm(): FormState {
  const values: Record<string, string> = {};
  for (const f of FIELDS) values[f.key] = f.initial ?? '';
  return { values, earlyStopping: false, lora: false };
}

function enabled(form: FormState, key: string): boolean {
  if (key.startsWith('earlyStopping.')) return form.earlyStopping;
  if (key.startsWith('lora.')) return form.lora;
  return true;
}

/** The problem with one field's text, or null. */
export function validateField(spec: FieldSpec, text: string): string | null {
  const raw = text.trim();
  // Empty: the server's default (the help text says which).
  if (raw === '') return null;
  if (spec.kind === 'enum') return spec.options!.includes(raw) ? null : `${spec.label} must be one of ${spec.options!.join(', ')}.`;
  if (spec.kind === 'string') return spec.key === 'device' && !DEVICE.test(raw) ? 'Device must be auto, cpu, cuda or cuda:N.' : null;
  if (spec.kind === 'list') {
    const bad = raw.split(',').map((s) => s.trim()).filter((s) => s && !LORA_TARGETS.includes(s));
    return bad.length ? `Unknown target: ${bad.join(', ')}.` : null;
  }
  const n = Number(raw);
  if (!Number.isFinite(n)) return `${spec.label} must be a number.`;
  if (spec.kind === 'int' && !Number.isInteger(n)) return `${spec.label} must be a whole number.`;
  if (spec.above !== undefined && !(n > spec.above)) return `${spec.label} must be above ${spec.above}.`;
  if (spec.min !== undefined && n < spec.min) return `${spec.label} must be at least ${spec.min}.`;
  if (spec.max !== undefined && n > spec.max) return `${spec.label} must be at most ${spec.max}.`;
  return null;
}

/** Every problem of the form, by field key ('' for the form as a whole). */
export function validateForm(form: FormState): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of FIELDS) {
    if (!enabled(form, f.key)) continue;
    const problem = validateField(f, form.values[f.key] ?? '');
    if (problem) errors[f.key] = problem;
  }
  const steps = form.values.steps?.trim();
  const epochs = form.values.epochs?.trim();
  if (steps && epochs) errors.epochs = 'Give steps or epochs, not both.';
  if (!steps && !epochs) errors.steps = 'Give steps or epochs.';
  const warmup = Number(form.values.warmupSteps);
  if (!errors.warmupSteps && !errors.steps && steps && form.values.warmupSteps?.trim() && warmup > Number(steps)) errors.warmupSteps = 'Warmup cannot be longer than the run.';
  const lr = Number(form.values.learningRate);
  const minLr = form.values.minLearningRate?.trim();
  if (minLr && !errors.minLearningRate && !errors.learningRate && Number(minLr) > lr) errors.minLearningRate = 'The minimum cannot exceed the learning rate.';
  return errors;
}

export type ConfigValue = number | string | string[] | { [key: string]: ConfigValue };
export type Config = { [key: string]: ConfigValue };

function parseValue(spec: FieldSpec, text: string): ConfigValue {
  if (spec.kind === 'int' || spec.kind === 'float') return Number(text);
  if (spec.kind === 'list') return text.split(',').map((s) => s.trim()).filter(Boolean);
  return text.trim();
}

/** The config the form describes: empty fields are left to the server's defaults. */
export function formToConfig(form: FormState): Config {
  const config: Config = {};
  for (const f of FIELDS) {
    if (!enabled(form, f.key)) continue;
    const text = (form.values[f.key] ?? '').trim();
    if (text === '') continue;
    const [head, tail] = f.key.split('.') as [string, string | undefined];
    if (tail) {
      const group = (config[head] ??= {}) as Config;
      group[tail] = parseValue(f, text);
    } else config[head] = parseValue(f, text);
  }
  if (form.earlyStopping && !config.earlyStopping) config.earlyStopping = {};
  if (form.lora && !config.lora) config.lora = {};
  return config;
}

/** The form a config describes, or the problems that stop it (unknown keys, wrong types). */
export function configToForm(config: unknown): { form: FormState } | { error: string } {
  if (!config || typeof config !== 'object' || Array.isArray(config)) return { error: 'The config must be an object of hyperparameters.' };
  const form: FormState = { values: Object.fromEntries(FIELDS.map((f) => [f.key, ''])), earlyStopping: false, lora: false };
  const known = new Set(FIELDS.map((f) => f.key.split('.')[0]!));
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (!known.has(key)) return { error: `Unknown setting "${key}".` };
    if (key === 'earlyStopping' || key === 'lora') {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) return { error: `"${key}" must be an object.` };
      form[key] = true;
      for (const f of FIELDS.filter((s) => s.key.startsWith(`${key}.`))) form.values[f.key] = f.initial ?? '';
      for (const [sub, v] of Object.entries(value as Record<string, unknown>)) {
        const spec = FIELDS.find((f) => f.key === `${key}.${sub}`);
        if (!spec) return { error: `Unknown setting "${key}.${sub}".` };
        const text = toText(spec, v);
        if (text === null) return { error: `"${key}.${sub}" has the wrong type.` };
        form.values[spec.key] = text;
      }
      continue;
    }
    const spec = FIELDS.find((f) => f.key === key)!;
    if (value === null || value === undefined) continue;
    const text = toText(spec, value);
    if (text === null) return { error: `"${key}" has the wrong type.` };
    form.values[key] = text;
  }
  return { form };
}

function toText(spec: FieldSpec, value: unknown): string | null {
  if (spec.kind === 'list') return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join(', ') : typeof value === 'string' ? value : null;
  if (spec.kind === 'int' || spec.kind === 'float') return typeof value === 'number' ? String(value) : null;
  if (typeof value === 'string') return spec.kind === 'enum' ? value.toUpperCase() : value;
  return null;
}

// A small YAML: nested maps by two-space indentation, scalars and flow lists — what a config needs.
export function toYaml(config: Config, indent = ''): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(config)) {
    if (Array.isArray(value)) lines.push(`${indent}${key}: [${value.join(', ')}]`);
    else if (typeof value === 'object') {
      if (Object.keys(value).length === 0) lines.push(`${indent}${key}: {}`);
      else lines.push(`${indent}${key}:`, toYaml(value, `${indent}  `));
    } else lines.push(`${indent}${key}: ${value}`);
  }
  return lines.join('\n');
}

function yamlScalar(text: string): unknown {
  const t = text.trim();
  if (t === '{}') return {};
  if (t === 'null' || t === '~' || t === '') return null;
  if (t === 'true' || t === 'false') return t === 'true';
  if (/^\[.*\]$/.test(t)) return t.slice(1, -1).split(',').map((s) => s.trim().replace(/^["']|["']$/g, '')).filter(Boolean);
  if (/^["'].*["']$/.test(t)) return t.slice(1, -1);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}

export function parseYaml(text: string): Config {
  const root: Record<string, unknown> = {};
  let group: Record<string, unknown> | null = null;
  text.split('\n').forEach((line, i) => {
    const content = line.replace(/\s+#.*$/, '').replace(/^#.*$/, '');
    if (!content.trim()) return;
    const match = /^( *)([A-Za-z_][\w]*)\s*:(.*)$/.exec(content);
    if (!match) throw new Error(`Line ${i + 1}: expected "key: value".`);
    const [, spaces, key, rest] = match as unknown as [string, string, string, string];
    if (spaces.length === 0) {
      if (rest.trim() === '') {
        group = {};
        root[key] = group;
      } else {
        group = null;
        root[key] = yamlScalar(rest);
      }
    } else {
      if (!group) throw new Error(`Line ${i + 1}: indented without a parent key.`);
      group[key] = yamlScalar(rest);
    }
  });
  return root as Config;
}

export type ConfigFormat = 'json' | 'yaml';

export function formatConfig(config: Config, format: ConfigFormat): string {
  return format === 'json' ? JSON.stringify(config, null, 2) : toYaml(config);
}

/** Text of the editor to a form, or why it cannot be read. */
export function parseConfigText(text: string, format: ConfigFormat): { form: FormState } | { error: string } {
  let parsed: unknown;
  try {
    parsed = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    return { error: `Not valid ${format.toUpperCase()}: ${(error as Error).message}` };
  }
  return configToForm(parsed);
}

/** Steps and tokens a run of this config will take. */
export function estimateRun(config: Config, contextLength: number, trainTokens: number): { steps: number; tokens: number; tokensPerStep: number } {
  const batch = typeof config.batchSize === 'number' ? config.batchSize : 12;
  const accum = typeof config.gradientAccumulationSteps === 'number' ? config.gradientAccumulationSteps : 1;
  const tokensPerStep = batch * accum * contextLength;
  let steps = typeof config.steps === 'number' ? config.steps : 1000;
  if (typeof config.epochs === 'number' && config.steps === undefined && tokensPerStep > 0) steps = Math.max(1, Math.ceil((config.epochs * trainTokens) / tokensPerStep));
  return { steps, tokens: steps * tokensPerStep, tokensPerStep };
}
