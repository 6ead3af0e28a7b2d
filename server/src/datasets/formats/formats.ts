// One entry to every format reader: a file path in, records with locations out.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DatasetFormatError } from '../datasets.errors.ts';
import { readCsv } from './csv-reader.ts';
import { readJsonl } from './jsonl-reader.ts';
import type { DatasetFormat, ReaderHooks, ReaderOptions, SourceRecord } from './records.ts';
import { readText } from './text-reader.ts';
import { type Compression, readTfRecord } from './tfrecord.ts';

export { DATASET_FORMATS, type DatasetFormat } from './records.ts';

/** The format a file name suggests, or null. */
export function formatFromFilename(filename: string): DatasetFormat | null {
  const name = filename.toLowerCase().replace(/\.gz$/, '');
  if (/\.(txt|text|md)$/.test(name)) return 'text';
  if (/\.(csv|tsv)$/.test(name)) return 'csv';
  if (/\.(jsonl|ndjson)$/.test(name)) return 'jsonl';
  if (/\.(tfrecord|tfrecords|tfr)$/.test(name)) return 'tfrecord';
  return null;
}

export interface ReadOptions extends ReaderOptions {
  /** tfrecord: GZIP detection. Defaults to auto. */
  compression?: Compression;
}

/** Streams records of a file; throws DatasetFormatError (with location) for unreadable input. */
export async function* readRecords(path: string, options: ReadOptions, hooks: ReaderHooks): AsyncGenerator<SourceRecord> {
  const { size } = await stat(path);
  if (size === 0) throw new DatasetFormatError('the file is empty', 'byte 0');
  const source = createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer> & { destroy(): void };
  try {
    switch (options.format) {
      case 'text':
        yield* readText(source, hooks, options.textDocuments ?? 'paragraphs');
        break;
      case 'jsonl':
        yield* readJsonl(source, hooks);
        break;
      case 'csv':
        yield* readCsv(source, hooks, { ...(options.csvDelimiter ? { delimiter: options.csvDelimiter } : {}), header: options.csvHeader ?? true });
        break;
      case 'tfrecord':
        yield* readTfRecord(source, hooks, options.compression ?? 'auto');
        break;
      default: {
        const unreachable: never = options.format;
        throw new Error(`unknown format ${String(unreachable)}`);
      }
    }
  } finally {
    source.destroy();
  }
}
