// One page of a dataset version's records, read as a stream and stopped after the page: never
// more than the page (plus the line being read) is held in memory, whatever the file's size.
//   processed: datasets/<id>/records.jsonl, one {"text","split"} line per record (what trains).
//     The cursor carries the byte where the next record starts, so every page reads only its own
//     bytes, however deep into the file it is.
//   uploaded: the version's source blob through its format reader with the stored reader options
//     (first versions only; a derived version has no upload of its own). Formats cannot be
//     entered mid-file (a CSV header, a GZIP stream), so a page reads from the start and stops
//     after its last record.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { decodeStreamCursor, encodeStreamCursor, type PageArgs, pageSize } from '../graphql/connection.ts';
import { ValidationError } from '../errors/domain-error.ts';
import { applyMapping, type ColumnMapping } from './column-mapping.ts';
import { readRecords, type ReadOptions } from './formats/formats.ts';
import { readLines } from './formats/lines.ts';
import type { FieldValue, ReaderHooks } from './formats/records.ts';

/** Longest string shown per value; longer ones are cut and the record is marked truncated. */
export const PREVIEW_MAX_CHARS = 2000;

export type RecordSource = 'processed' | 'uploaded';

export interface PreviewRecord {
  /** 0-based position among the records of this source. */
  index: number;
  /** Training text (cut to PREVIEW_MAX_CHARS); null for an uploaded row the mapping finds no text in. */
  text: string | null;
  /** "train" or "validation" for processed records; null for uploaded rows (split later). */
  split: string | null;
  fields: Record<string, FieldValue>;
  /** The file the record was read from, as the user knows it. */
  file: string;
  /** Where in that file: "line 12", "record 5 (byte 1234)". */
  location: string;
  /** 1-based line number where the location names one. */
  line: number | null;
  /** Some value was longer than PREVIEW_MAX_CHARS and was cut. */
  truncated: boolean;
}

export interface RecordPage {
  records: PreviewRecord[];
  cursors: string[];
  hasNextPage: boolean;
}

function cut(value: FieldValue, flag: { truncated: boolean }): FieldValue {
  if (typeof value === 'string') {
    if (value.length <= PREVIEW_MAX_CHARS) return value;
    flag.truncated = true;
    return value.slice(0, PREVIEW_MAX_CHARS);
  }
  if (Array.isArray(value)) return value.map((v) => cut(v, flag));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cut(v, flag)]));
  return value;
}

function lineOf(location: string): number | null {
  const match = /^line (\d+)/.exec(location);
  return match ? Number(match[1]) : null;
}

/** A byte hint is trusted only where a record starts: at 0 or right after a line feed. */
async function startsRecord(path: string, byte: number): Promise<boolean> {
  if (byte === 0) return true;
  const { size } = await stat(path);
  if (byte > size) return false;
  const handle = await open(path, 'r');
  try {
    const one = Buffer.alloc(1);
    await handle.read(one, 0, 1, byte - 1);
    return one[0] === 0x0a;
  } finally {
    await handle.close();
  }
}

/** A page of records.jsonl; `file` is how the file is named in locations. */
export async function readProcessedPage(path: string, page: PageArgs): Promise<RecordPage> {
  const first = pageSize(page);
  let position = 0;
  let byte = 0;
  if (page.after) {
    const cursor = decodeStreamCursor(page.after, 'processed');
    if (cursor.hint === null || !(await startsRecord(path, cursor.hint))) throw ValidationError.single('after', 'is not a cursor returned by this list');
    position = cursor.position;
    byte = cursor.hint;
  }
  const hooks: ReaderHooks = { badRows: 'skip', onBadRow: () => undefined, onEncodingError: () => undefined };
  const records: PreviewRecord[] = [];
  const cursors: string[] = [];
  let hasNextPage = false;
  const stream = createReadStream(path, { start: byte, highWaterMark: 1 << 16 });
  try {
    for await (const { text, byteOffset } of readLines(stream, hooks)) {
      if (!text) continue;
      if (records.length === first) {
        hasNextPage = true;
        break;
      }
      const stored = JSON.parse(text) as { text: string; split: string };
      const flag = { truncated: false };
      const shown = cut(stored.text, flag) as string;
      const index = position + records.length;
      // records.jsonl has one record per line, so line = index + 1.
      records.push({ index, text: shown, split: stored.split, fields: { text: shown, split: stored.split }, file: 'records.jsonl', location: `line ${index + 1}`, line: index + 1, truncated: flag.truncated });
      cursors.push(encodeStreamCursor('processed', index + 1, byte + byteOffset + Buffer.byteLength(text, 'utf8') + 1));
    }
  } finally {
    stream.destroy();
  }
  return { records, cursors, hasNextPage };
}

/** A page of the uploaded file as its reader sees it, with the training text the mapping makes of each row. */
export async function readUploadedPage(path: string, options: { read: ReadOptions; badRows: 'fail' | 'skip'; mapping: ColumnMapping | null; filename: string }, page: PageArgs): Promise<RecordPage> {
  const first = pageSize(page);
  const position = page.after ? decodeStreamCursor(page.after, 'uploaded').position : 0;
  // The version was built from these bytes with these options, so rows the build skipped are skipped again silently.
  const hooks: ReaderHooks = { badRows: options.badRows, onBadRow: () => undefined, onEncodingError: () => undefined };
  const records: PreviewRecord[] = [];
  const cursors: string[] = [];
  let hasNextPage = false;
  let index = -1;
  for await (const record of readRecords(path, options.read, hooks)) {
    index++;
    if (index < position) continue;
    if (records.length === first) {
      hasNextPage = true;
      break; // ends the generator, which closes the file
    }
    const flag = { truncated: false };
    const fields = cut(record.fields, flag) as Record<string, FieldValue>;
    const text = options.mapping ? applyMapping(options.mapping, record.fields) : null;
    records.push({ index, text: text === null ? null : (cut(text, flag) as string), split: null, fields, file: options.filename, location: record.location, line: lineOf(record.location), truncated: flag.truncated });
    cursors.push(encodeStreamCursor('uploaded', index + 1, null));
  }
  return { records, cursors, hasNextPage };
}
