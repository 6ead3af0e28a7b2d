// CSV (RFC 4180) through csv-parse: quoted fields with delimiters and newlines, BOM, a header
// row; the delimiter is detected among comma, semicolon and tab when not given.
import { Transform, type TransformCallback } from 'node:stream';
import { parse, type CsvError } from 'csv-parse';
import { DatasetFormatError } from '../datasets.errors.ts';
import type { ReaderHooks, SourceRecord } from './records.ts';
import { firstInvalidUtf8, incompleteUtf8Tail } from './utf8.ts';

export const CSV_DELIMITERS = [',', ';', '\t'] as const;

/** Picks the candidate seen most often outside quotes on the first line. Defaults to comma. */
export function detectDelimiter(head: string): string {
  const counts = new Map<string, number>(CSV_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of head.replace(/^\uFEFF/, '')) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === '\n' || ch === '\r')) break;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Validates UTF-8 on the way through, naming the line and byte of a bad sequence. */
class Utf8Check extends Transform {
  private carry = Buffer.alloc(0);
  private line = 1;
  private offset = 0;

  constructor(private readonly hooks: ReaderHooks) {
    super({ readableObjectMode: false });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const bytes = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const tail = incompleteUtf8Tail(bytes);
    const body = bytes.subarray(0, bytes.length - tail);
    this.carry = Buffer.from(bytes.subarray(bytes.length - tail));
    this.check(body, done);
  }

  override _flush(done: TransformCallback): void {
    this.check(this.carry, done);
  }

  private check(body: Buffer, done: TransformCallback): void {
    const bad = firstInvalidUtf8(body);
    if (bad >= 0) {
      let line = this.line;
      for (let i = body.indexOf(0x0a); i >= 0 && i < bad; i = body.indexOf(0x0a, i + 1)) line++;
      const location = `line ${line}, byte ${this.offset + bad}`;
      if (this.hooks.badRows === 'fail') return done(new DatasetFormatError('invalid UTF-8 (the file must be UTF-8 encoded)', location));
      this.hooks.onEncodingError(location);
    }
    for (let i = body.indexOf(0x0a); i >= 0; i = body.indexOf(0x0a, i + 1)) this.line++;
    this.offset += body.length;
    done(null, Buffer.from(body.toString('utf8'), 'utf8'));
  }
}

export async function* readCsv(source: AsyncIterable<Buffer>, hooks: ReaderHooks, options: { delimiter?: string; header?: boolean }): AsyncGenerator<SourceRecord> {
  const iterator = source[Symbol.asyncIterator]();
  const firstChunk = await iterator.next();
  if (firstChunk.done) return;
  const delimiter = options.delimiter ?? detectDelimiter(firstChunk.value.subarray(0, 65536).toString('utf8'));
  const header = options.header ?? true;
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => iterator };
  const check = new Utf8Check(hooks);
  const parser = parse({
    delimiter,
    bom: true,
    columns: header ? (names: string[]) => names.map((n, i) => n.trim() || `column_${i + 1}`) : false,
    info: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_quotes: false,
    skip_records_with_error: hooks.badRows === 'skip',
  });
  parser.on('skip', (error: CsvError & { lines?: number }) => hooks.onBadRow(`line ${error.lines ?? '?'}`, error.message));
  (async () => {
    try {
      for await (const chunk of concat(firstChunk.value, rest)) {
        if (!check.write(chunk)) await new Promise((resolve) => check.once('drain', resolve));
      }
      check.end();
    } catch (error) {
      check.destroy(error as Error);
    }
  })();
  check.on('error', (error) => parser.destroy(error));
  check.pipe(parser);
  try {
    for await (const row of parser as AsyncIterable<{ record: string[] | Record<string, string>; info: { lines: number } }>) {
      const fields = Array.isArray(row.record) ? Object.fromEntries(row.record.map((v, i) => [`column_${i + 1}`, v])) : row.record;
      yield { fields, location: `line ${row.info.lines}` };
    }
  } catch (error) {
    if (error instanceof DatasetFormatError) throw error;
    const csvError = error as CsvError & { lines?: number };
    if (csvError.code) throw new DatasetFormatError(csvError.message.replace(/^Invalid [^:]*: /, ''), `line ${csvError.lines ?? '?'}`);
    throw error;
  }
}

async function* concat(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield head;
  yield* rest;
}
