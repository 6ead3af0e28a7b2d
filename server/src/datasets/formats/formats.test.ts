// Every format reader, including the nasty cases; each failure names its location.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { DatasetFormatError } from '../datasets.errors.ts';
import { type DatasetFormat, readRecords, type ReadOptions } from './formats.ts';
import type { ReaderHooks, SourceRecord } from './records.ts';
import { crc32c, encodeExample, frameRecord } from './tfrecord.ts';
import { detectDelimiter } from './csv-reader.ts';

const dir = mkdtempSync(join(tmpdir(), 'egen-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function file(content: string | Buffer): string {
  const path = join(dir, `f${n++}`);
  writeFileSync(path, content);
  return path;
}

interface Collected {
  records: SourceRecord[];
  bad: Array<{ location: string; reason: string }>;
  encoding: string[];
}

async function read(content: string | Buffer, format: DatasetFormat, options: Partial<ReadOptions> = {}, badRows: 'fail' | 'skip' = 'fail'): Promise<Collected> {
  const out: Collected = { records: [], bad: [], encoding: [] };
  const hooks: ReaderHooks = { badRows, onBadRow: (location, reason) => out.bad.push({ location, reason }), onEncodingError: (l) => out.encoding.push(l) };
  for await (const r of readRecords(file(content), { format, ...options }, hooks)) out.records.push(r);
  return out;
}

async function failure(content: string | Buffer, format: DatasetFormat, options: Partial<ReadOptions> = {}): Promise<DatasetFormatError> {
  try {
    await read(content, format, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetFormatError);
    return error as DatasetFormatError;
  }
  throw new Error('expected a DatasetFormatError');
}

const texts = (c: Collected): unknown[] => c.records.map((r) => r.fields.text);

describe('every format', () => {
  it.each(['text', 'csv', 'jsonl', 'tfrecord'] as const)('an empty %s file is an error at byte 0', async (format) => {
    const error = await failure('', format);
    expect(error.message).toBe('byte 0: the file is empty');
    expect(error.location).toBe('byte 0');
  });
});

describe('plain text', () => {
  it('splits documents at blank lines, with their first line as location', async () => {
    const c = await read('one\ntwo\n\n\nthree\n   \nfour', 'text');
    expect(texts(c)).toEqual(['one\ntwo', 'three', 'four']);
    expect(c.records.map((r) => r.location)).toEqual(['line 1', 'line 5', 'line 7']);
  });

  it('reads the whole file as one document when asked', async () => {
    expect(texts(await read('a\n\nb\n', 'text', { textDocuments: 'file' }))).toEqual(['a\n\nb']);
  });

  it('handles mixed line endings (\\n, \\r\\n, lone \\r) and a BOM', async () => {
    const c = await read('\uFEFFa\r\nb\rc\n\r\nd\r\n', 'text');
    expect(texts(c)).toEqual(['a\nb\nc', 'd']);
  });

  it('a 10 MB line is one record', async () => {
    const long = 'x'.repeat(10 * 1024 * 1024);
    const c = await read(`short\n\n${long}\n\nend\n`, 'text');
    expect(c.records.map((r) => (r.fields.text as string).length)).toEqual([5, long.length, 3]);
  });

  it('invalid UTF-8 fails with line and byte', async () => {
    const error = await failure(Buffer.concat([Buffer.from('ok\nbad '), Buffer.from([0xc3, 0x28]), Buffer.from(' here\n')]), 'text');
    expect(error.location).toBe('line 2, byte 7');
    expect(error.message).toContain('invalid UTF-8');
  });

  it('invalid UTF-8 is replaced and counted when bad rows are skipped', async () => {
    const c = await read(Buffer.concat([Buffer.from('bad '), Buffer.from([0xff]), Buffer.from('\n')]), 'text', {}, 'skip');
    expect(texts(c)).toEqual(['bad \uFFFD']);
    expect(c.encoding).toEqual(['line 1, byte 4']);
  });

  it('a multi-byte character split across read chunks stays whole', async () => {
    const text = 'é'.repeat(1 << 20); // 2 MB: crosses the 1 MB read size mid-character
    expect(texts(await read(text, 'text'))).toEqual([text]);
  });
});

describe('JSONL', () => {
  it('reads objects and skips blank lines', async () => {
    const c = await read('{"text":"a"}\n\n{"text":"b","n":1}\r\n', 'jsonl');
    expect(c.records.map((r) => r.fields)).toEqual([{ text: 'a' }, { text: 'b', n: 1 }]);
    expect(c.records.map((r) => r.location)).toEqual(['line 1', 'line 3']);
  });

  it('a line that is not an object fails with its line', async () => {
    const error = await failure('{"text":"a"}\n"just a string"\n', 'jsonl');
    expect(error.message).toBe('line 2: expected a JSON object, got a string');
  });

  it('invalid JSON fails with its line', async () => {
    expect((await failure('{"text":"a"}\n{"text": \n', 'jsonl')).location).toBe('line 2');
  });

  it('bad lines are listed when skipped', async () => {
    const c = await read('[1]\n{"text":"ok"}\nnope\n', 'jsonl', {}, 'skip');
    expect(c.records).toHaveLength(1);
    expect(c.bad.map((b) => b.location)).toEqual(['line 1', 'line 3']);
  });

  it('a 10 MB line is one record', async () => {
    const long = 'y'.repeat(10 * 1024 * 1024);
    expect((await read(`${JSON.stringify({ text: long })}\n`, 'jsonl')).records[0]!.fields.text).toBe(long);
  });
});

describe('CSV', () => {
  it('reads quoted fields with embedded newlines, delimiters and quotes; BOM; header', async () => {
    const c = await read('\uFEFFtext,label\n"line one\nline two, still",a\n"say ""hi""",b\n', 'csv');
    expect(c.records.map((r) => r.fields)).toEqual([
      { text: 'line one\nline two, still', label: 'a' },
      { text: 'say "hi"', label: 'b' },
    ]);
  });

  it('detects semicolon and tab delimiters', async () => {
    expect(detectDelimiter('a;b;c\n1;2;3')).toBe(';');
    expect(detectDelimiter('a\tb\n1\t2')).toBe('\t');
    expect(detectDelimiter('"x;y",b\n')).toBe(',');
    expect((await read('text;label\nhello, world;x\n', 'csv')).records[0]!.fields).toEqual({ text: 'hello, world', label: 'x' });
    expect((await read('text\tlabel\nhi\ty\n', 'csv')).records[0]!.fields).toEqual({ text: 'hi', label: 'y' });
  });

  it('mixed line endings', async () => {
    const c = await read('text,label\r\na,1\nb,2\r\n', 'csv');
    expect(texts(c)).toEqual(['a', 'b']);
  });

  it('an unclosed quote fails with a line', async () => {
    const error = await failure('text,label\n"open,1\n', 'csv');
    expect(error.location).toMatch(/^line \d+$/);
    expect(error.message).toMatch(/quote/i);
  });

  it('a row with the wrong number of fields fails with its line, or is listed when skipped', async () => {
    expect((await failure('a,b\n1,2\n1,2,3\n', 'csv')).location).toBe('line 3');
    const c = await read('a,b\n1,2\n1,2,3\n4,5\n', 'csv', {}, 'skip');
    expect(c.records).toHaveLength(2);
    expect(c.bad[0]!.location).toBe('line 3');
  });

  it('invalid UTF-8 fails with line and byte', async () => {
    const error = await failure(Buffer.concat([Buffer.from('text\nok\nbad'), Buffer.from([0xe2, 0x82]), Buffer.from('\n')]), 'csv');
    expect(error.location).toBe('line 3, byte 11');
  });

  it('without a header, columns are numbered', async () => {
    expect((await read('x,y\n', 'csv', { csvHeader: false })).records[0]!.fields).toEqual({ column_1: 'x', column_2: 'y' });
  });
});

describe('TFRecord', () => {
  const records = [frameRecord(encodeExample({ text: 'first', label: 3 })), frameRecord(encodeExample({ text: 'second', scores: [0.5, 0.25] }, new Set(['scores'])))];
  const valid = Buffer.concat(records);

  it('CRC32C matches the published check value', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('decodes tf.train.Example features: bytes_list, int64_list, float_list', async () => {
    const c = await read(valid, 'tfrecord');
    expect(c.records.map((r) => r.fields)).toEqual([
      { text: 'first', label: 3 },
      { text: 'second', scores: [0.5, 0.25] },
    ]);
    expect(c.records[1]!.location).toBe(`record 2 (byte ${records[0]!.length})`);
  });

  it('reads GZIP-compressed files (detected or declared)', async () => {
    expect(texts(await read(gzipSync(valid), 'tfrecord'))).toEqual(['first', 'second']);
    expect(texts(await read(gzipSync(valid), 'tfrecord', { compression: 'gzip' }))).toEqual(['first', 'second']);
  });

  it('a file declared GZIP that is not GZIP is an error at byte 0', async () => {
    const error = await failure(valid, 'tfrecord', { compression: 'gzip' });
    expect(error.location).toBe('byte 0');
    expect(error.message).toContain('GZIP');
  });

  it('a corrupt GZIP stream is an error', async () => {
    const gz = gzipSync(valid);
    gz.fill(0x55, 20, 40);
    expect((await failure(gz, 'tfrecord')).message).toMatch(/GZIP|CRC|truncated/);
  });

  it('a truncated record fails with its index and offset', async () => {
    const error = await failure(valid.subarray(0, valid.length - 3), 'tfrecord');
    expect(error.location).toBe(`record 2 (byte ${records[0]!.length})`);
    expect(error.message).toContain('truncated');
    expect((await failure(valid.subarray(0, records[0]!.length + 5), 'tfrecord')).message).toContain('truncated record header');
  });

  it('a length CRC mismatch and a data CRC mismatch are both caught', async () => {
    const badLength = Buffer.from(valid);
    badLength[8] = badLength[8]! ^ 0xff;
    expect((await failure(badLength, 'tfrecord')).message).toBe('record 1 (byte 0): length CRC mismatch (corrupt file)');
    const badData = Buffer.from(valid);
    badData[14] = badData[14]! ^ 0x01;
    expect((await failure(badData, 'tfrecord')).message).toBe('record 1 (byte 0): data CRC mismatch (corrupt record)');
  });

  it('data that is not a tf.train.Example is an error', async () => {
    expect((await failure(frameRecord(Buffer.from([0xff, 0xff, 0xff])), 'tfrecord')).message).toContain('not a tf.train.Example');
  });
});
