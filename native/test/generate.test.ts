// Generation: KV cache equivalence, batching with left padding, sampling controls, streaming.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openModel, train, type GeneratedToken, type NativeModel } from '../index.ts';
import { makeShard, TINY, tempDir } from './helpers.ts';

const dir = tempDir('generate');
let model: NativeModel;

beforeAll(async () => {
  const shard = makeShard(dir, 'train', 8000);
  const result = await train({ model: { ...TINY, contextLength: 32 }, trainShards: [shard], batchSize: 8, maxSteps: 30, threads: 1, learningRate: 1e-2, warmupSteps: 2, checkpointDir: join(dir, 'ckpt') }).done;
  model = await openModel({ checkpoint: result.lastCheckpoint!, device: 'cpu' });
});

const prompts = [[1, 2, 3, 4, 5, 6], [7], [10, 20, 30]];

describe('NativeModel.generate', () => {
  it('gives identical tokens with and without the KV cache (greedy and sampled)', async () => {
    for (const sampling of [{ temperature: 0 }, { temperature: 0.9, topK: 20, topP: 0.9, repetitionPenalty: 1.3, seed: 7 }]) {
      const cached = await model.generate({ prompts, maxNewTokens: 12, threads: 1, ...sampling });
      const uncached = await model.generate({ prompts, maxNewTokens: 12, threads: 1, useCache: false, ...sampling });
      expect(uncached).toEqual(cached);
      expect(cached.sequences.map((s) => s.length)).toEqual([12, 12, 12]);
    }
  });

  it('batches left-padded prompts exactly like one prompt at a time', async () => {
    const batched = await model.generate({ prompts, maxNewTokens: 10, temperature: 0, threads: 1 });
    for (const [i, prompt] of prompts.entries()) {
      const single = await model.generate({ prompts: [prompt], maxNewTokens: 10, temperature: 0, threads: 1 });
      expect(single.sequences[0]).toEqual(batched.sequences[i]);
    }
  });

  it('streams tokens as produced, honours stop tokens, the context length and a seed', async () => {
    const streamed: GeneratedToken[] = [];
    const result = await model.generate({ prompts, maxNewTokens: 6, temperature: 0.8, seed: 3 }, (t) => streamed.push(t));
    for (const [p, seq] of result.sequences.entries()) {
      expect(streamed.filter((t) => t.prompt === p).map((t) => t.token)).toEqual(seq);
      expect(streamed.filter((t) => t.prompt === p).map((t) => t.index)).toEqual(seq.map((_, i) => i));
    }
    expect(await model.generate({ prompts, maxNewTokens: 6, temperature: 0.8, seed: 3 })).toEqual(result);

    const greedy = await model.generate({ prompts: [prompts[0]!], maxNewTokens: 5, temperature: 0 });
    const stop = greedy.sequences[0]![2]!;
    const stopped = await model.generate({ prompts: [prompts[0]!], maxNewTokens: 5, temperature: 0, stopTokens: [stop] });
    expect(stopped.sequences[0]).toEqual(greedy.sequences[0]!.slice(0, greedy.sequences[0]!.indexOf(stop) + 1));
    expect(stopped.finishReasons).toEqual(['stop']);

    const long = await model.generate({ prompts: [prompts[0]!], maxNewTokens: 100, temperature: 0 });
    expect(long.sequences[0]).toHaveLength(32 - 6);
    expect(long.finishReasons).toEqual(['length']);
  });

  it('cancels through an AbortSignal and validates prompts', async () => {
    // (aborted up front: a tiny model can finish all its tokens before the first one is delivered)
    const controller = new AbortController();
    controller.abort();
    const result = await model.generate({ prompts: [[1], [2, 3]], maxNewTokens: 30, signal: controller.signal });
    expect(result.finishReasons).toEqual(['cancelled', 'cancelled']);
    expect(result.sequences).toEqual([[], []]);
    expect(() => model.generate({ prompts: [[1, 65]] })).toThrow(new RangeError('Expected options.prompts[0][1] to be between 0 and 64 but received 65'));
    expect(() => model.generate({ prompts: [[]] })).toThrow(/options\.prompts\[0\] to hold at least one token/);
    expect(() => model.generate({ prompts: [[1]], topP: 0 })).toThrow(/options\.topP/);
  });
});
