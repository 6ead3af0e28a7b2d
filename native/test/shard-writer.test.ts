// TokenShardWriter: the streaming writer dataset builds use (moved from server/src/datasets).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tokenShardDtype, TokenShardWriter } from '../index.ts';

const dir = mkdtempSync(join(tmpdir(), 'egen-shards-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('token shards', () => {
  it('uint16 up to a vocabulary of 65536, uint32 above', () => {
    expect(tokenShardDtype(65536)).toBe('uint16');
    expect(tokenShardDtype(65537)).toBe('uint32');
  });

  it('writes flat little-endian tokens and the JSON header, renamed into place', () => {
    const small = new TokenShardWriter(join(dir, 'a'), 1000);
    small.write([1, 2, 999]);
    small.write(Array.from({ length: 600_000 }, (_, i) => i % 1000)); // crosses the buffer size
    expect(readdirSync(dir).sort()).toEqual(['a.bin.tmp']);
    expect(small.finish()).toEqual({ format: 'egen-tokens', version: 1, dtype: 'uint16', count: 600_003, vocabSize: 1000 });
    const bytes = readFileSync(join(dir, 'a.bin'));
    expect(bytes.length).toBe(600_003 * 2);
    expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2), bytes.readUInt16LE(4), bytes.readUInt16LE(6 + 2 * 999)]).toEqual([1, 2, 999, 999]);
    expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'))).toEqual({ format: 'egen-tokens', version: 1, dtype: 'uint16', count: 600_003, vocabSize: 1000 });

    const big = new TokenShardWriter(join(dir, 'b'), 100_000);
    big.write([70_000, 1]);
    expect(big.finish().dtype).toBe('uint32');
    const wide = readFileSync(join(dir, 'b.bin'));
    expect([wide.readUInt32LE(0), wide.readUInt32LE(4)]).toEqual([70_000, 1]);
  });

  it('refuses a token id the header would not allow, and abort then leaves no file behind', () => {
    const w = new TokenShardWriter(join(dir, 'd'), 10);
    w.write([9]);
    expect(() => w.write([10])).toThrow(new RangeError('Expected every token id to be below vocabSize 10 but received 10'));
    w.abort();
    const narrow = new TokenShardWriter(join(dir, 'e'), 100_000, 'uint16');
    expect(() => narrow.write([65_536])).toThrow(new RangeError('Expected every token id to be below 65536 (dtype uint16) but received 65536'));
    narrow.abort();
    expect(readdirSync(dir).filter((f) => /^[de]\./.test(f))).toEqual([]);
  });

  it('abort leaves no file behind', () => {
    const w = new TokenShardWriter(join(dir, 'c'), 10);
    w.write([1, 2, 3]);
    w.abort();
    expect(readdirSync(dir).filter((f) => f.startsWith('c'))).toEqual([]);
  });
});
