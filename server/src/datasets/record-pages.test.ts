// Pages of records are read as streams: a page starts at its cursor's byte and stops after its
// last record. Bytes before and after the page that are not records prove neither is read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeStreamCursor } from '../graphql/connection.ts';
import { PREVIEW_MAX_CHARS, readProcessedPage, readUploadedPage } from './record-pages.ts';

const dir = mkdtempSync(join(tmpdir(), 'egen-record-pages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (i: number): string => JSON.stringify({ text: `record ${i} é`, split: i % 5 ? 'train' : 'validation' }) + '\n';

describe('record pages', () => {
  it('a processed page starts at the cursor byte and stops after the page', async () => {
    const garbage = 'not json at all\n'.repeat(1000);
    const records = Array.from({ length: 10 }, (_, i) => line(1000 + i)).join('');
    const path = join(dir, 'records.jsonl');
    // Unparsable lines before and after the ten records: reading either would throw.
    writeFileSync(path, garbage + records + garbage);
    const after = encodeStreamCursor('processed', 1000, Buffer.byteLength(garbage));
    const page = await readProcessedPage(path, { first: 5, after });
    expect(page.records.map((r) => [r.index, r.line, r.text])).toEqual(Array.from({ length: 5 }, (_, i) => [1000 + i, 1001 + i, `record ${1000 + i} é`]));
    expect(page.hasNextPage).toBe(true);
    const next = await readProcessedPage(path, { first: 5, after: page.cursors.at(-1)! });
    expect(next.records.map((r) => r.index)).toEqual([1005, 1006, 1007, 1008, 1009]);
    expect(next.records[0]!.text).toBe('record 1005 é'); // the byte hint counts UTF-8 bytes, not characters
  });

  it('cuts long values for the preview and says so', async () => {
    const path = join(dir, 'long.jsonl');
    writeFileSync(path, JSON.stringify({ text: 'x'.repeat(PREVIEW_MAX_CHARS + 10), split: 'train' }) + '\n' + line(1));
    const page = await readProcessedPage(path, { first: 10 });
    expect(page.records.map((r) => [r.text?.length, r.truncated])).toEqual([
      [PREVIEW_MAX_CHARS, true],
      ['record 1 é'.length, false],
    ]);
    expect(page.hasNextPage).toBe(false);
  });

  it('an uploaded page stops reading after the page', async () => {
    const path = join(dir, 'rows.jsonl');
    writeFileSync(path, Array.from({ length: 6 }, (_, i) => JSON.stringify({ prompt: `q${i}`, answer: `a${i}` })).join('\n') + '\n[1, 2, 3]\n');
    const options = { read: { format: 'jsonl' as const }, badRows: 'fail' as const, mapping: { kind: 'instruction' as const, promptField: 'prompt', responseField: 'answer' }, filename: 'rows.jsonl' };
    const first = await readUploadedPage(path, options, { first: 3 });
    expect(first.records.map((r) => [r.index, r.location, r.text])).toEqual([
      [0, 'line 1', '<context>q0<response>a0'],
      [1, 'line 2', '<context>q1<response>a1'],
      [2, 'line 3', '<context>q2<response>a2'],
    ]);
    // The page ends before the bad line 7, so it is never parsed; reading on to it fails with its location.
    const second = await readUploadedPage(path, options, { first: 2, after: first.cursors.at(-1)! });
    expect(second.records.map((r) => r.index)).toEqual([3, 4]);
    expect(second.hasNextPage).toBe(true);
    await expect(readUploadedPage(path, options, { first: 5, after: second.cursors.at(-1)! })).rejects.toThrow('line 7: expected a JSON object, got an array');
  });
});
