// The training config as a form (one text value per hyperparameter, so every field can be checked
// inline) and as a document (JSON or YAML) — the two convert both ways, with the same checks.
// The fields, their bounds and words come from the option declarations (schema/options).
import { describeDefault, inputName, keysOn, type OptionSpec, type OptionTable } from '../../../schema/options/option-spec.ts';
import { EARLY_STOPPING_OPTIONS, LORA_OPTIONS, TRAINING_FORM_GROUPS, TRAINING_OPTIONS } from '../../../schema/options/training-options.ts';

export type FieldKind = 'int' | 'float' | 'enum' | 'string' | 'list';

/** One field of the training form, derived from the option declarations in schema/options. */
export interface FieldSpec {
  /** The input name; "lora.rank" for a field of a group. */
  key: string;
  label: string;
  kind: FieldKind;
  help: string;
  group: string;
  min?: number;
  max?: number;
  /** Exclusive lower bound (e.g. a learning rate above 0). */
  above?: number;
  /** Exclusive upper bound (e.g. beta1 below 1). */
  below?: number;
  unit?: string;
  options?: string[];
  /** Pre-filled in a new form; '' means the field starts empty (the server's default). */
  initial: string;
  /** The pattern and words of a free-text field (the device). */
  pattern?: RegExp;
  expects?: string;
}

function fieldOf(key: string, spec: OptionSpec, group: string): FieldSpec {
  // A text field cannot round-trip a boolean; no training option the API exposes is one.
  if (spec.kind === 'bool') throw new Error(`The training form has no boolean fields (${key})`);
  // The form speaks the API: GraphQL enums by their upper-case names.
  const shown = (value: string): string => (spec.kind === 'enum' && spec.graphqlEnum ? value.toUpperCase() : value);
  // Computed when left empty (the hint says how); an option without a default says in its description what empty means.
  const computed = spec.derivedDefault !== undefined || spec.apiDefault !== undefined;
  const unset = spec.default === null || computed;
  const initial = spec.formInitial ?? (unset ? '' : Array.isArray(spec.default) ? spec.default.join(', ') : shown(String(spec.default)));
  const field: FieldSpec = { key, label: spec.label, kind: spec.kind, help: computed ? `${spec.description} Empty: ${describeDefault(spec)}.` : spec.description, group: spec.group ?? group, initial };
  if (spec.unit) field.unit = spec.unit;
  if (spec.kind === 'int' || spec.kind === 'float') {
    if (spec.exclusiveMin) field.above = spec.min;
    else field.min = spec.min;
    if (spec.max !== Infinity) {
      if (spec.exclusiveMax) field.below = spec.max;
      else field.max = spec.max;
    }
  }
  if (spec.kind === 'enum') field.options = spec.values.map(shown);
  if (spec.kind === 'list') field.options = [...spec.values];
  if (spec.kind === 'string') {
    field.pattern = spec.pattern;
    field.expects = spec.expects;
  }
  return field;
}

function fieldsOf(table: OptionTable, prefix: string, group: string): FieldSpec[] {
  return keysOn(table, 'api').map((key) => fieldOf(`${prefix}${inputName(key, table[key]!)}`, table[key]!, group));
}

export const FIELDS: FieldSpec[] = [...fieldsOf(TRAINING_OPTIONS, '', 'Schedule'), ...fieldsOf(EARLY_STOPPING_OPTIONS, 'earlyStopping.', 'Early stopping'), ...fieldsOf(LORA_OPTIONS, 'lora.', 'LoRA')];

/** The form's sections, in order. */
export const GROUPS = TRAINING_FORM_GROUPS;

export interface FormState {
  values: Record<string, string>;
  earlyStopping: boolean;
  lora: boolean;
}

export function initialForm(): FormState {
  const values: Record<string, string> = {};
  for (const f of FIELDS) values[f.key] = f.initial;
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
  if (spec.kind === 'string') return spec.pattern && !spec.pattern.test(raw) ? `${spec.label} must be ${spec.expects}.` : null;
  if (spec.kind === 'list') {
    const bad = raw
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s && !spec.options!.includes(s));
    return bad.length ? `Unknown target: ${bad.join(', ')}.` : null;
  }
  const n = Number(raw);
  if (!Number.isFinite(n)) return `${spec.label} must be a number.`;
  if (spec.kind === 'int' && !Number.isInteger(n)) return `${spec.label} must be a whole number.`;
  if (spec.above !== undefined && !(n > spec.above)) return `${spec.label} must be above ${spec.above}.`;
  if (spec.min !== undefined && n < spec.min) return `${spec.label} must be at least ${spec.min}.`;
  if (spec.max !== undefined && n > spec.max) return `${spec.label} must be at most ${spec.max}.`;
  if (spec.below !== undefined && !(n < spec.below)) return `${spec.label} must be below ${spec.below}.`;
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
  if (spec.kind === 'list')
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
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
      for (const f of FIELDS.filter((s) => s.key.startsWith(`${key}.`))) form.values[f.key] = f.initial;
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
  if (/^\[.*\]$/.test(t))
    return t
      .slice(1, -1)
      .split(',')
      .map((s) => s.trim().replace(/^["']|["']$/g, ''))
      .filter(Boolean);
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
