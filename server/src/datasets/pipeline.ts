// Declared preprocessing pipelines: an ordered list of JSON steps applied record by record.
// Everything random is seeded, so the same input and pipeline give the same output bytes.
import { createHash } from 'node:crypto';
import { DatasetError } from './datasets.errors.ts';
import type { PipelineRecord } from './pipeline-record.ts';
import type { LoadedPlugin } from './plugins.ts';

export type { PipelineRecord, Split } from './pipeline-record.ts';

export type PipelineStep =
  | { type: 'normalize'; form: 'NFC' | 'NFKC' }
  | { type: 'lowercase' }
  | { type: 'collapseWhitespace' }
  | { type: 'stripControl' }
  | { type: 'lengthFilter'; minChars?: number; maxChars?: number }
  | { type: 'dedupe' }
  | { type: 'regexDrop'; pattern: string; flags?: string }
  | { type: 'regexReplace'; pattern: string; replacement: string; flags?: string }
  | { type: 'augment'; seed: number; wordDeletion?: number; wordSwap?: number; charNoise?: number; keepOriginal?: boolean }
  | { type: 'split'; validationFraction: number; seed: number }
  | { type: 'plugin'; name: string; options?: Record<string, unknown> };

export interface Pipeline {
  steps: PipelineStep[];
}

/** Applied when a pipeline has no split step (and to every first version). */
export const DEFAULT_SPLIT: Extract<PipelineStep, { type: 'split' }> = { type: 'split', validationFraction: 0.1, seed: 0 };

const STEP_TYPES = ['normalize', 'lowercase', 'collapseWhitespace', 'stripControl', 'lengthFilter', 'dedupe', 'regexDrop', 'regexReplace', 'augment', 'split', 'plugin'];

function invalid(index: number, message: string): never {
  throw new DatasetError('INVALID_DATASET_INPUT', `pipeline step ${index + 1}: ${message}`);
}

function probability(index: number, name: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'number' || !(value >= 0 && value <= 1))) invalid(index, `${name} must be a number between 0 and 1`);
}

/** Checks a pipeline declaration (already JSON-parsed) and returns it typed. */
export function parsePipeline(value: unknown, plugins: readonly LoadedPlugin[]): Pipeline {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { steps?: unknown }).steps)) {
    throw new DatasetError('INVALID_DATASET_INPUT', 'a pipeline is an object { "steps": [ ... ] }');
  }
  const steps = (value as { steps: unknown[] }).steps;
  steps.forEach((raw, i) => {
    if (typeof raw !== 'object' || raw === null) invalid(i, 'each step is an object with a "type"');
    const step = raw as Record<string, unknown>;
    if (typeof step.type !== 'string' || !STEP_TYPES.includes(step.type)) invalid(i, `unknown type ${JSON.stringify(step.type)}; expected one of ${STEP_TYPES.join(', ')}`);
    switch (step.type) {
      case 'normalize':
        if (step.form !== 'NFC' && step.form !== 'NFKC') invalid(i, 'form must be "NFC" or "NFKC"');
        break;
      case 'lengthFilter':
        for (const key of ['minChars', 'maxChars']) {
          if (step[key] !== undefined && !(Number.isSafeInteger(step[key]) && (step[key] as number) >= 0)) invalid(i, `${key} must be a non-negative integer`);
        }
        break;
      case 'regexDrop':
      case 'regexReplace':
        if (typeof step.pattern !== 'string') invalid(i, 'pattern must be a string');
        if (step.type === 'regexReplace' && typeof step.replacement !== 'string') invalid(i, 'replacement must be a string');
        try {
          new RegExp(step.pattern as string, (step.flags as string | undefined) ?? '');
        } catch (error) {
          invalid(i, `invalid regular expression: ${(error as Error).message}`);
        }
        break;
      case 'augment':
        if (!Number.isSafeInteger(step.seed)) invalid(i, 'seed must be an integer');
        probability(i, 'wordDeletion', step.wordDeletion);
        probability(i, 'wordSwap', step.wordSwap);
        probability(i, 'charNoise', step.charNoise);
        break;
      case 'split':
        if (!Number.isSafeInteger(step.seed)) invalid(i, 'seed must be an integer');
        if (typeof step.validationFraction !== 'number' || !(step.validationFraction >= 0 && step.validationFraction < 1)) invalid(i, 'validationFraction must be a number in [0, 1)');
        break;
      case 'plugin':
        if (typeof step.name !== 'string' || !plugins.some((p) => p.name === step.name)) {
          invalid(i, `no plugin named ${JSON.stringify(step.name)}; installed: ${plugins.map((p) => p.name).join(', ') || 'none'}`);
        }
        if (step.options !== undefined && (typeof step.options !== 'object' || step.options === null)) invalid(i, 'options must be an object');
        break;
      default:
        break;
    }
  });
  return { steps: steps as PipelineStep[] };
}

/** Canonical JSON: keys sorted, so equal pipelines hash equally. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The pipeline's identity: its steps plus the source of each plugin it uses. */
export function pipelineHash(pipeline: Pipeline, plugins: readonly LoadedPlugin[]): string {
  const used = pipeline.steps.filter((s): s is Extract<PipelineStep, { type: 'plugin' }> => s.type === 'plugin').map((s) => s.name);
  const sources = Object.fromEntries(plugins.filter((p) => used.includes(p.name)).map((p) => [p.name, p.sourceSha256]));
  return createHash('sha256')
    .update(canonicalJson({ steps: pipeline.steps, plugins: sources }))
    .digest('hex');
}

/** mulberry32: small, fast, seeded; [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// eslint-disable-next-line no-control-regex -- control characters are what this step removes
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const NOISE_ALPHABET = 'abcdefghijklmnopqrstuvwxyz';

function augment(text: string, step: Extract<PipelineStep, { type: 'augment' }>, random: () => number): string {
  let words = text.split(/(\s+)/).filter((w) => w !== '');
  const isSpace = (w: string): boolean => /^\s+$/.test(w);
  if (step.wordDeletion) {
    const kept = words.filter((w) => isSpace(w) || random() >= step.wordDeletion!);
    words = kept.some((w) => !isSpace(w)) ? kept : words;
  }
  if (step.wordSwap) {
    const positions = words.map((w, i) => (isSpace(w) ? -1 : i)).filter((i) => i >= 0);
    for (let k = 0; k + 1 < positions.length; k++) {
      if (random() < step.wordSwap) {
        const a = positions[k]!;
        const b = positions[k + 1]!;
        [words[a], words[b]] = [words[b]!, words[a]!];
        k++;
      }
    }
  }
  let out = words.join('');
  if (step.charNoise) {
    const chars = [...out];
    for (let i = 0; i < chars.length; i++) {
      if (/\s/.test(chars[i]!) || random() >= step.charNoise) continue;
      const op = Math.floor(random() * 3);
      const letter = NOISE_ALPHABET[Math.floor(random() * NOISE_ALPHABET.length)]!;
      if (op === 0)
        chars[i] = letter; // substitute
      else if (op === 1)
        chars[i] = chars[i]! + letter; // insert
      else chars[i] = ''; // delete
    }
    out = chars.join('');
  }
  return out;
}

type StepFn = (record: PipelineRecord) => Promise<PipelineRecord[]> | PipelineRecord[];

function compileStep(step: PipelineStep, plugins: readonly LoadedPlugin[]): StepFn {
  switch (step.type) {
    case 'normalize':
      return (r) => [{ ...r, text: r.text.normalize(step.form) }];
    case 'lowercase':
      return (r) => [{ ...r, text: r.text.toLowerCase() }];
    case 'collapseWhitespace':
      return (r) => [
        {
          ...r,
          text: r.text
            .replace(/[ \t\f\v\u00a0\u2000-\u200a\u3000]+/g, ' ')
            .replace(/ *\r?\n[\s]*\n */g, '\n\n')
            .replace(/ *\n */g, '\n')
            .trim(),
        },
      ];
    case 'stripControl':
      return (r) => [{ ...r, text: r.text.replace(CONTROL, '') }];
    case 'lengthFilter':
      return (r) => {
        const n = r.text.length;
        return (step.minChars !== undefined && n < step.minChars) || (step.maxChars !== undefined && n > step.maxChars) ? [] : [r];
      };
    case 'dedupe': {
      const seen = new Set<string>();
      return (r) => {
        const key = createHash('sha1').update(r.text).digest('base64');
        if (seen.has(key)) return [];
        seen.add(key);
        return [r];
      };
    }
    case 'regexDrop': {
      const re = new RegExp(step.pattern, (step.flags ?? '').replace('g', ''));
      return (r) => (re.test(r.text) ? [] : [r]);
    }
    case 'regexReplace': {
      const re = new RegExp(step.pattern, step.flags ?? 'g');
      return (r) => [{ ...r, text: r.text.replace(re, step.replacement) }];
    }
    case 'augment': {
      const random = seededRandom(step.seed);
      return (r) => {
        const changed = { ...r, text: augment(r.text, step, random) };
        return step.keepOriginal ? [r, changed] : [changed];
      };
    }
    case 'split': {
      const random = seededRandom(step.seed);
      return (r) => [{ ...r, split: random() < step.validationFraction ? 'validation' : 'train' }];
    }
    case 'plugin': {
      const plugin = plugins.find((p) => p.name === step.name)!;
      return (r) => plugin.run(r, step.options ?? {});
    }
    default: {
      const unreachable: never = step;
      throw new Error(`unknown step ${JSON.stringify(unreachable)}`);
    }
  }
}

/**
 * Runs records through the steps in order; a record may become several or none. A pipeline
 * without a split step ends with DEFAULT_SPLIT.
 */
export async function* runPipeline(records: AsyncIterable<PipelineRecord>, pipeline: Pipeline, plugins: readonly LoadedPlugin[]): AsyncGenerator<PipelineRecord> {
  const steps = pipeline.steps.some((s) => s.type === 'split') ? pipeline.steps : [...pipeline.steps, DEFAULT_SPLIT];
  const compiled = steps.map((s) => compileStep(s, plugins));
  for await (const record of records) {
    let current: PipelineRecord[] = [record];
    for (const fn of compiled) {
      const next: PipelineRecord[] = [];
      for (const r of current) {
        const out = fn(r);
        next.push(...(Array.isArray(out) ? out : await out));
      }
      current = next;
      if (current.length === 0) break;
    }
    yield* current;
  }
}
