// Token shards: the shared on-disk format, and the trainer's refusal of bad shards.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { train, writeTokenShard, type TokenShardHeader } from '../index.ts';
import { makeShard, TINY, tempDir } from './helpers.ts';

const dir = tempDir('shards');
const base = { model: TINY, maxSteps: 1, batchSize: 2, threads: 1 };

describe('writeTokenShard', () => {
  it('writes flat little-endian tokens and the JSON header', () => {
    const header = writeTokenShard(join(dir, 'a'), new Uint16Array([1, 2, 258]), 300);
    expect(header).toEqual({ format: 'egen-tokens', version: 1, dtype: 'uint16', count: 3, vocabSize: 300 });
    expect([...readFileSync(join(dir, 'a.bin'))]).toEqual([1, 0, 2, 0, 2, 1]);
    expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'))).toEqual(header);
    const wide = writeTokenShard(join(dir, 'b.bin'), new Uint32Array([70000]), 70001);
    expect(wide.dtype).toBe('uint32');
    expect(readFileSync(join(dir, 'b.bin')).readUInt32LE(0)).toBe(70000);
  });

  it('rejects bad arguments with messages naming them', () => {
    expect(() => writeTokenShard(join(dir, 'c'), [1, 2] as unknown as Uint16Array, 10)).toThrow(new TypeError('Expected Uint16Array or Uint32Array for tokens but received array'));
    expect(() => writeTokenShard(join(dir, 'c'), new Uint16Array([12]), 10)).toThrow(RangeError);
    expect(() => writeTokenShard(join(dir, 'c'), new Uint16Array([1]), 0)).toThrow('vocabSize');
  });
});

describe('train() with bad shards', () => {
  it('rejects a missing shard, naming the file', async () => {
    await expect(train({ ...base, trainShards: [join(dir, 'nope')] }).done).rejects.toThrow(/train shard header .*nope\.json does not exist/);
  });

  it('rejects a header whose count does not match the file size', async () => {
    const shard = makeShard(dir, 'liar', 500);
    const header = JSON.parse(readFileSync(`${shard}.json`, 'utf8')) as TokenShardHeader;
    writeFileSync(`${shard}.json`, JSON.stringify({ ...header, count: 501 }));
    await expect(train({ ...base, trainShards: [shard] }).done).rejects.toThrow(/liar\.bin holds 1000 bytes but its header says 501 tokens/);
  });

  it('rejects data whose largest token id does not fit the model vocabulary', async () => {
    const shard = makeShard(dir, 'big-vocab', 500, 100);
    await expect(train({ ...base, trainShards: [shard] }).done).rejects.toThrow(/big-vocab\.json has vocabSize 100 but the model's vocabulary has 65 tokens/);
    // a header that lies about its vocabulary is caught by the scan
    writeFileSync(`${shard}.json`, JSON.stringify({ format: 'egen-tokens', version: 1, dtype: 'uint16', count: 500, vocabSize: 65 }));
    await expect(train({ ...base, trainShards: [shard] }).done).rejects.toThrow(/big-vocab\.bin contains token id 9\d but the model's vocabulary has 65 tokens/);
  });

  it('rejects a malformed header and a shard too short for one window', async () => {
    const shard = makeShard(dir, 'broken', 500);
    writeFileSync(`${shard}.json`, '{"format": "egen-tokens", ');
    await expect(train({ ...base, trainShards: [shard] }).done).rejects.toThrow(/broken\.json is not valid JSON/);
    const short = makeShard(dir, 'short', 10);
    await expect(train({ ...base, trainShards: [short], validationShards: [short] }).done).rejects.toThrow(/train shards hold 10 tokens; each needs at least contextLength \+ 1 = 17/);
  });
});
