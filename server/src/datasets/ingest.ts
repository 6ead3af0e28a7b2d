// Builds everything a dataset version derives, into a work folder: records.jsonl (the records
// after mapping and pipeline, with their split, and their label when the mapping has a label
// field), tokenizer.json, token shards per split, and report.json (with the label set of a
// labelled version). The caller renames the folder into place or removes it; nothing is left
// half-made.
//
// A labelled version writes no example shards: label ids are positions in a model's label list,
// which differs between the models trained on one version, so the training run writes example
// shards for its model (labelled-records.ts) from records.jsonl and this tokenizer.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, rmSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { applyLabel, applyMapping, type ColumnMapping, CONTEXT_TOKEN, MAX_DISTINCT_LABELS, mappedFields, type MappingInput, resolveMapping, RESPONSE_TOKEN } from './column-mapping.ts';
import { DatasetError, DatasetFormatError } from './datasets.errors.ts';
import { readRecords, type ReadOptions } from './formats/formats.ts';
import { readLines } from './formats/lines.ts';
import type { BadRowPolicy, ReaderHooks } from './formats/records.ts';
import { type Pipeline, type PipelineRecord, runPipeline, type Split } from './pipeline.ts';
import type { LoadedPlugin } from './plugins.ts';
import { type TokenShardHeader, TokenShardWriter } from '../../../native/index.ts';
import { DEFAULT_VOCAB_SIZE, TextTokenizer, trainTokenizer } from './tokenizer.ts';
import { ReportBuilder, type ValidationReport } from './validation-report.ts';

export type VersionSource = { kind: 'file'; path: string; read: ReadOptions; mapping: MappingInput } | { kind: 'parent'; recordsPath: string };

export interface BuildOptions {
  workDir: string;
  source: VersionSource;
  pipeline: Pipeline;
  plugins: readonly LoadedPlugin[];
  badRows: BadRowPolicy;
  /** Train a tokenizer of this size, or reuse the given tokenizer.json text. */
  tokenizer: { vocabSize: number } | { json: string };
  /** Texts per encodeBatch call. Defaults to 4096. */
  batchSize?: number;
}

export interface ShardInfo {
  split: Split;
  name: string;
  header: TokenShardHeader;
}

export interface BuiltVersion {
  report: ValidationReport;
  mapping: ColumnMapping | null;
  recordsSha256: string;
  recordCount: number;
  vocabSize: number;
  tokenizerSha256: string;
  shards: ShardInfo[];
}

export const RECORDS_FILE = 'records.jsonl';
export const TOKENIZER_FILE = 'tokenizer.json';
export const REPORT_FILE = 'report.json';

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(line)) await once(stream, 'drain');
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** Training text for the tokenizer trainer: instruction markers become line breaks. */
function corpusText(text: string): string {
  return text.split(CONTEXT_TOKEN).join('').split(RESPONSE_TOKEN).join('\n');
}

export async function buildVersion(options: BuildOptions): Promise<BuiltVersion> {
  const { workDir } = options;
  mkdirSync(workDir, { recursive: true });
  let report = new ReportBuilder();
  const hooks: ReaderHooks = {
    badRows: options.badRows,
    onBadRow: (location, reason) => report.badRow(location, reason),
    onEncodingError: (location) => report.encodingError(location),
  };
  let mapping: ColumnMapping | null = null;
  // Whether records carry labels: from the label field, or from the parent's records.
  let labelled = false;

  // 1) source records -> mapping -> pipeline -> records.jsonl (+ the train corpus)
  async function* sourceRecords(): AsyncGenerator<PipelineRecord> {
    if (options.source.kind === 'parent') {
      report = new ReportBuilder(['text']);
      let first = true;
      for await (const { text, line } of readLines(createReadStream(options.source.recordsPath, { highWaterMark: 1 << 20 }), hooks)) {
        if (!text) continue;
        const record = JSON.parse(text) as { text: string; label?: string };
        if (first && record.label !== undefined) {
          labelled = true;
          report = new ReportBuilder(['text', 'label']);
          report.labelled();
        }
        first = false;
        report.fields(labelled ? { text: record.text, label: record.label } : { text: record.text });
        report.usableRows++;
        report.duplicate(createHash('sha1').update(record.text).digest('base64'));
        yield { text: record.text, location: `record ${line}`, ...(labelled ? { label: record.label } : {}) };
      }
      return;
    }
    const source = options.source;
    for await (const record of readRecords(source.path, source.read, hooks)) {
      if (!mapping) {
        mapping = resolveMapping(source.mapping, record.fields);
        const previous = report;
        report = new ReportBuilder(mapping.labelField ? [...mappedFields(mapping), mapping.labelField] : mappedFields(mapping));
        labelled = Boolean(mapping.labelField);
        if (labelled) report.labelled();
        for (const bad of previous.badRows) report.badRow(bad.location, bad.reason);
        report.badRowCount = previous.badRowCount;
        report.encodingErrors = previous.encodingErrors;
        report.encodingErrorLocations.push(...previous.encodingErrorLocations);
      }
      report.fields(record.fields);
      const text = applyMapping(mapping, record.fields);
      if (text === null) continue;
      let label: string | undefined;
      if (mapping.labelField) {
        const found = applyLabel(mapping.labelField, record.fields);
        if ('problem' in found) {
          if (options.badRows === 'fail') throw new DatasetFormatError(found.problem, record.location);
          report.badRow(record.location, found.problem);
          continue;
        }
        label = found.label;
      }
      report.usableRows++;
      report.duplicate(createHash('sha1').update(text).digest('base64'));
      yield { text, location: record.location, ...(label !== undefined ? { label } : {}) };
    }
  }

  const recordsPath = join(workDir, RECORDS_FILE);
  const corpusPath = join(workDir, 'corpus.txt');
  const records = createWriteStream(recordsPath);
  const recordsHash = createHash('sha256');
  let recordCount = 0;
  // A known tokenizer encodes during the first pass; a trained one needs the corpus first.
  const known = 'json' in options.tokenizer ? new TextTokenizer(options.tokenizer.json) : null;
  const corpus = known ? null : createWriteStream(corpusPath);
  let sink: EncodeSink | null = known ? new EncodeSink(known, workDir, report, options.batchSize) : null;
  try {
    for await (const record of runPipeline(sourceRecords(), options.pipeline, options.plugins)) {
      const split: Split = record.split ?? 'train';
      if (labelled) {
        if (typeof record.label !== 'string' || !record.label) throw new DatasetError('PIPELINE_ERROR', `${record.location}: the record lost its label in the pipeline (a plugin must keep "label")`, record.location);
        report.label(record.label, split, MAX_DISTINCT_LABELS, record.location);
      }
      const line = JSON.stringify(labelled ? { text: record.text, split, label: record.label } : { text: record.text, split }) + '\n';
      recordsHash.update(line);
      await writeLine(records, line);
      recordCount++;
      if (split === 'train') report.trainRecords++;
      else report.validationRecords++;
      if (corpus && split === 'train') await writeLine(corpus, corpusText(record.text) + '\n');
      if (sink) {
        sink.report = report;
        await sink.add(record.text, split);
      }
    }
    if (report.rows === 0) throw new DatasetFormatError('no records found', 'end of file');
    if (recordCount === 0) {
      throw new DatasetError('INVALID_DATASET_FILE', `none of the ${report.rows} records has training text${mapping ? ` in ${mappedFields(mapping).join(', ')}` : ''} after the pipeline`);
    }
  } catch (error) {
    sink?.abort();
    throw error;
  } finally {
    await closeStream(records);
    if (corpus) await closeStream(corpus);
  }

  // 2) tokenizer: trained on the train split (then a second pass encodes), or the known one
  let tokenizer: TextTokenizer;
  if (known) {
    tokenizer = known;
  } else {
    const vocabSize = 'vocabSize' in options.tokenizer ? options.tokenizer.vocabSize : DEFAULT_VOCAB_SIZE;
    tokenizer = new TextTokenizer(await trainTokenizer([report.trainRecords > 0 ? corpusPath : recordsPath], vocabSize || DEFAULT_VOCAB_SIZE));
    rmSync(corpusPath, { force: true });
    sink = new EncodeSink(tokenizer, workDir, report, options.batchSize);
    try {
      for await (const { text } of readLines(createReadStream(recordsPath, { highWaterMark: 1 << 20 }), hooks)) {
        if (!text) continue;
        const record = JSON.parse(text) as { text: string; split: Split };
        await sink.add(record.text, record.split);
      }
    } catch (error) {
      sink.abort();
      throw error;
    }
  }
  writeFileSync(join(workDir, TOKENIZER_FILE), tokenizer.json);
  const shards = await sink!.finish();

  const built = report.build();
  writeFileSync(join(workDir, REPORT_FILE), JSON.stringify(built, null, 2) + '\n');
  return {
    report: built,
    mapping,
    recordsSha256: recordsHash.digest('hex'),
    recordCount,
    vocabSize: tokenizer.vocabSize,
    tokenizerSha256: tokenizer.sha256,
    shards,
  };
}

/** Texts per encodeBatch call, characters per call, and calls encoding at once. */
const ENCODE_BATCH_TEXTS = 4096;
const ENCODE_BATCH_CHARS = 4 * 1024 * 1024;
const ENCODE_BATCHES_IN_FLIGHT = 4;

/**
 * Encodes records in batches (the Rust encoder runs each batch on its own threads, while
 * JavaScript reads the next one) and appends them, each followed by <|endoftext|>, to the shard
 * of its split. Shard order equals record order.
 */
class EncodeSink {
  private readonly writers: Record<Split, TokenShardWriter>;
  private readonly eot: number[];
  private readonly batchSize: number;
  private texts: string[] = [];
  private splits: Split[] = [];
  private chars = 0;
  /** Batches being encoded, oldest first; each writes its tokens after the one before it. */
  private inFlight: Array<Promise<void>> = [];

  constructor(
    private readonly tokenizer: TextTokenizer,
    workDir: string,
    public report: ReportBuilder,
    batchSize = ENCODE_BATCH_TEXTS,
  ) {
    this.batchSize = batchSize;
    this.eot = [tokenizer.endOfTextId];
    this.writers = {
      train: new TokenShardWriter(join(workDir, 'train-00000'), tokenizer.vocabSize),
      validation: new TokenShardWriter(join(workDir, 'validation-00000'), tokenizer.vocabSize),
    };
  }

  async add(text: string, split: Split): Promise<void> {
    this.texts.push(text);
    this.splits.push(split);
    this.chars += text.length;
    if (this.texts.length >= this.batchSize || this.chars >= ENCODE_BATCH_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    const current = this.encode(this.texts, this.splits, this.inFlight.at(-1) ?? null);
    current.catch(() => undefined); // awaited later; this only silences an early rejection
    this.texts = [];
    this.splits = [];
    this.chars = 0;
    this.inFlight.push(current);
    // bounded memory: wait for the oldest batch once enough are encoding
    if (this.inFlight.length >= ENCODE_BATCHES_IN_FLIGHT) await this.inFlight.shift();
  }

  private encode(texts: string[], splits: Split[], previous: Promise<void> | null): Promise<void> {
    const encoded = this.tokenizer.encodeBatch(texts);
    return (async () => {
      const result = await encoded;
      await previous;
      const report = this.report;
      report.tokenizationErrorChars += result.errorChars;
      result.ids.forEach((ids, i) => {
        const writer = this.writers[splits[i]!];
        writer.write(ids);
        writer.write(this.eot);
        report.tokens.add(ids.length + 1);
        report.chars.add(texts[i]!.length);
      });
    })();
  }

  async finish(): Promise<ShardInfo[]> {
    try {
      if (this.texts.length) await this.flush();
      for (const batch of this.inFlight) await batch;
      this.inFlight = [];
      return (['train', 'validation'] as const).map((split) => ({ split, name: `${split}-00000`, header: this.writers[split].finish() }));
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  abort(): void {
    this.writers.train.abort();
    this.writers.validation.abort();
  }
}

/** Removes a work folder after a failure. */
export function discardWork(workDir: string): void {
  rmSync(workDir, { recursive: true, force: true });
}
