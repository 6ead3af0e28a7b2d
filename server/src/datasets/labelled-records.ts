// The labelled records of a dataset version as examples for a classifier: token ids (encoded
// with the version's tokenizer, cut to a length) and label ids, where a label's id is its
// position in the label list the caller gives (a model's labels). Streamed in batches, so a
// large version never sits in memory whole.
import { createReadStream } from 'node:fs';
import type { FieldError } from '../errors/domain-error.ts';
import { createInterface } from 'node:readline';
import { DatasetError } from './datasets.errors.ts';
import type { Split } from './pipeline-record.ts';
import type { TextTokenizer } from './tokenizer.ts';

export interface LabelledBatch {
  /** Token ids of each example, at most maxTokens long and at least one token. */
  inputs: number[][];
  /** Label id of each example. */
  labels: number[];
}

export interface LabelledReadOptions {
  split: Split;
  /** Label names by id (a model's labels, in its order). */
  labels: readonly string[];
  /** Longest example kept, in tokens; longer texts keep their beginning (as transformers' default truncation). */
  maxTokens: number;
  /** Examples per batch. Defaults to 256. */
  batchSize?: number;
  /** Stop after this many examples. Defaults to all. */
  limit?: number;
}

/**
 * Streams the labelled records of one split of records.jsonl as batches. Throws when a record
 * has no label (not a labelled version) or a label outside `labels`, naming the record.
 */
export async function* labelledBatches(recordsPath: string, tokenizer: TextTokenizer, options: LabelledReadOptions): AsyncGenerator<LabelledBatch> {
  const ids = new Map(options.labels.map((name, id) => [name, id]));
  const batchSize = options.batchSize ?? 256;
  const limit = options.limit ?? Infinity;
  let texts: string[] = [];
  let labels: number[] = [];
  let taken = 0;
  const encode = async (): Promise<LabelledBatch> => {
    const encoded = await tokenizer.encodeBatch(texts);
    // An empty encoding (text of only stripped characters) still needs one position to classify at.
    const inputs = encoded.ids.map((row) => (row.length ? row.slice(0, options.maxTokens) : [tokenizer.endOfTextId]));
    const batch = { inputs, labels };
    texts = [];
    labels = [];
    return batch;
  };
  const lines = createInterface({ input: createReadStream(recordsPath, { encoding: 'utf8', highWaterMark: 1 << 20 }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const text of lines) {
      line++;
      if (!text.trim()) continue;
      const record = JSON.parse(text) as { text: string; split: Split; label?: string };
      if (record.split !== options.split) continue;
      if (record.label === undefined) throw new DatasetError('INVALID_DATASET_INPUT', `record ${line} has no label: the dataset version was built without a label field`);
      const id = ids.get(record.label);
      if (id === undefined) throw new DatasetError('INVALID_DATASET_INPUT', `record ${line} has the label "${record.label}", which is not one of ${options.labels.length} labels given`);
      texts.push(record.text);
      labels.push(id);
      taken++;
      if (texts.length >= batchSize) yield await encode();
      if (taken >= limit) break;
    }
  } finally {
    lines.close();
  }
  if (texts.length) yield await encode();
}

/** A label of a version's label set, with its split counts (the report's LabelCount). */
export interface VersionLabel {
  name: string;
  train: number;
  validation: number;
}

/**
 * Why a classifier with `modelLabels` cannot use a version with `versionLabels` (null: built
 * without a label field) for `purpose`: no labels, labels the model does not know (named, the
 * first 20), or, for training, no labelled training records. Empty when it can.
 */
export function labelSetProblems(modelLabels: readonly string[], versionLabels: readonly VersionLabel[] | null | undefined, purpose: 'training' | 'evaluation', field: string): FieldError[] {
  const verb = purpose === 'training' ? 'trains' : 'is evaluated';
  if (!versionLabels) return [{ field, message: `has no labels: a CLASSIFICATION model ${verb} on a dataset version built with a labelField` }];
  const known = new Set(modelLabels);
  const unknown = versionLabels.filter((l) => !known.has(l.name)).map((l) => l.name);
  if (unknown.length) {
    const shown = unknown.slice(0, 20).map((name) => `"${name}"`);
    const more = unknown.length > shown.length ? ` and ${unknown.length - shown.length} more` : '';
    return [{ field, message: `has ${unknown.length === 1 ? 'a label' : `${unknown.length} labels`} the model does not know: ${shown.join(', ')}${more} (the model's labels: ${modelLabels.join(', ')})` }];
  }
  if (purpose === 'training' && !versionLabels.some((l) => l.train > 0)) return [{ field, message: 'has no labelled training records' }];
  return [];
}
