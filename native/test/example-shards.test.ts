// Labelled example shards: the writer's format and checks, and the trainer's refusal of bad ones.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExampleShardWriter, train, type ExampleShardHeader, type ModelConfig } from '../index.ts';
import { makeShard, tempDir, TINY } from './helpers.ts';

const dir = tempDir('example-shards');
const CLASSIFIER: ModelConfig = { ...TINY, task: 'classification', numLabels: 3 };
const base = { model: CLASSIFIER, maxSteps: 1, batchSize: 2, threads: 1 };

function writeExamples(name: string, examples: Array<[number[], number]>, numLabels = 3, vocabSize = 65): string {
  const path = join(dir, name);
  const writer = new ExampleShardWriter(path, { vocabSize, numLabels });
  for (const [tokens, label] of examples) writer.add(tokens, label);
  writer.finish();
  return path;
}

describe('ExampleShardWriter', () => {
  it('writes the tokens, one (length, label) record per example and the header, whole examples of any length', () => {
    const writer = new ExampleShardWriter(join(dir, 'a'), { vocabSize: 300, numLabels: 4 });
    writer.add([1, 2, 258], 3);
    writer.add(new Uint16Array([7]), 0);
    writer.add(
      Array.from({ length: 40 }, (_, i) => i),
      2,
    ); // longer than any test model's context: kept whole
    expect(writer.examples).toBe(3);
    const header = writer.finish();
    expect(header).toEqual({ format: 'egen-examples', version: 1, dtype: 'uint16', examples: 3, tokens: 44, vocabSize: 300, numLabels: 4 } satisfies ExampleShardHeader);
    const bin = readFileSync(join(dir, 'a.bin'));
    expect(bin.length).toBe(88);
    expect([...bin.subarray(0, 8)]).toEqual([1, 0, 2, 0, 2, 1, 7, 0]);
    const idx = readFileSync(join(dir, 'a.idx'));
    expect([0, 1, 2, 3, 4, 5].map((i) => idx.readUInt32LE(i * 4))).toEqual([3, 3, 1, 0, 40, 2]);
    expect(JSON.parse(readFileSync(join(dir, 'a.json'), 'utf8'))).toEqual(header);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const wide = new ExampleShardWriter(join(dir, 'b.idx'), { vocabSize: 70001, numLabels: 2 });
    wide.add([70000], 1);
    expect(wide.finish().dtype).toBe('uint32');
    expect(readFileSync(join(dir, 'b.bin')).readUInt32LE(0)).toBe(70000);
  });

  it('refuses bad examples with messages naming them, writing nothing of them', () => {
    const writer = new ExampleShardWriter(join(dir, 'c'), { vocabSize: 10, numLabels: 2 });
    writer.add([1, 2], 1);
    expect(() => writer.add([3], 2)).toThrow(new RangeError('Expected the label of example 1 to be an integer from 0 to 1 (numLabels 2) but received 2'));
    expect(() => writer.add([3], -1)).toThrow(/label of example 1/);
    expect(() => writer.add([3], 0.5)).toThrow(/label of example 1/);
    expect(() => writer.add([], 0)).toThrow(new RangeError('Expected example 1 to hold at least one token but it is empty'));
    expect(() => writer.add([3, 10], 0)).toThrow(new RangeError('Expected token 1 of example 1 to be an id below vocabSize 10 but received 10'));
    expect(() => writer.add('abc' as unknown as number[], 0)).toThrow(TypeError);
    writer.add([4], 0); // still usable: the refused examples left nothing behind
    expect(writer.finish()).toMatchObject({ examples: 2, tokens: 3 });
    expect([...readFileSync(join(dir, 'c.bin'))]).toEqual([1, 0, 2, 0, 4, 0]);
  });

  it('refuses bad options, an empty shard, and abort leaves no file', () => {
    expect(() => new ExampleShardWriter(join(dir, 'd'), { vocabSize: 10, numLabels: 1 })).toThrow(/options\.numLabels/);
    expect(() => new ExampleShardWriter(join(dir, 'd'), { vocabSize: 0, numLabels: 2 })).toThrow(/options\.vocabSize/);
    expect(() => new ExampleShardWriter(join(dir, 'd'), { vocabSize: 10, numLabels: 2, labels: 3 } as never)).toThrow('Unknown example shard option "options.labels"');
    const empty = new ExampleShardWriter(join(dir, 'e'), { vocabSize: 10, numLabels: 2 });
    expect(() => empty.finish()).toThrow('Expected at least one example in the shard but none was added');
    const aborted = new ExampleShardWriter(join(dir, 'f'), { vocabSize: 10, numLabels: 2 });
    aborted.add([1], 0);
    aborted.abort();
    expect(readdirSync(dir).filter((f) => f.startsWith('e.') || f.startsWith('f.'))).toEqual([]);
  });
});

describe('train() with bad example shards', () => {
  const good = writeExamples('good', [
    [[1, 2, 3], 0],
    [[4, 5], 1],
    [[6], 2],
  ]);

  it('trains a classifier on example shards, not on token shards', async () => {
    const result = await train({ ...base, trainShards: [good] }).done;
    expect(result).toMatchObject({ status: 'COMPLETED', step: 1, valAccuracy: null });
    const tokens = makeShard(dir, 'tokens', 500);
    await expect(train({ ...base, trainShards: [tokens] }).done).rejects.toThrow(/train example shard header .*tokens\.json: format is not "egen-examples" \(this is a token shard; a classification model trains on labelled example shards\)/);
    await expect(train({ ...base, model: TINY, trainShards: [good] }).done).rejects.toThrow(/train shard header .*good\.json/);
  });

  it('rejects a shard of another label count, out-of-range labels, empty examples and inconsistent sizes, naming the file', async () => {
    const two = writeExamples('two', [[[1], 0]], 2);
    await expect(train({ ...base, trainShards: [two] }).done).rejects.toThrow(/train example shard .*two\.json has numLabels 2 but the model has 3/);
    const wide = writeExamples('wide', [[[100], 0]], 3, 200);
    await expect(train({ ...base, trainShards: [wide] }).done).rejects.toThrow(/wide\.json has vocabSize 200 but the model's vocabulary has 65 tokens/);

    const patched = (name: string, patch: (idx: Buffer) => void): string => {
      const path = writeExamples(name, [
        [[1, 2], 0],
        [[3], 1],
      ]);
      const idx = readFileSync(`${path}.idx`);
      patch(idx);
      writeFileSync(`${path}.idx`, idx);
      return path;
    };
    const badLabel = patched('badlabel', (idx) => idx.writeUInt32LE(7, 12));
    await expect(train({ ...base, trainShards: [badLabel] }).done).rejects.toThrow(/badlabel\.idx: example 1 has label 7 but numLabels is 3/);
    const emptyExample = patched('emptyexample', (idx) => idx.writeUInt32LE(0, 8));
    await expect(train({ ...base, trainShards: [emptyExample] }).done).rejects.toThrow(/emptyexample\.idx: example 1 is empty/);
    const badLength = patched('badlength', (idx) => idx.writeUInt32LE(5, 0));
    await expect(train({ ...base, trainShards: [badLength] }).done).rejects.toThrow(/badlength\.idx: the examples' lengths add up to more than the header's 3 tokens/);
    const header = JSON.parse(readFileSync(`${good}.json`, 'utf8')) as ExampleShardHeader;
    const liar = writeExamples('liar', [[[1, 2, 3], 0]]);
    writeFileSync(`${liar}.json`, JSON.stringify({ ...header, examples: 1, tokens: 4 }));
    await expect(train({ ...base, trainShards: [liar] }).done).rejects.toThrow(/liar\.bin holds 6 bytes but its header says 4 tokens of 2 bytes/);
    await expect(train({ ...base, trainShards: [join(dir, 'missing')] }).done).rejects.toThrow(/train example shard file .*missing\.json does not exist/);
    expect(existsSync(join(dir, 'missing.bin'))).toBe(false);
  });
});
