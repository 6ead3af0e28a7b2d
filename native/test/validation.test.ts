// Argument validation in native/index.ts: TypeError/RangeError with messages naming the argument.
import { describe, expect, it } from 'vitest';
import { createModel, openModel, resizeEmbeddings, train } from '../index.ts';
import { TINY } from './helpers.ts';

const shards = ['/nonexistent/train'];

describe('train() option checks', () => {
  it('names the option and the received value', () => {
    expect(() => train({ model: TINY, trainShards: shards, batchSize: 'x' as unknown as number })).toThrow(new TypeError('Expected a positive integer for options.batchSize but received "x" of type string'));
    expect(() => train({ model: TINY, trainShards: shards, batchSize: 0 })).toThrow(new RangeError('Expected options.batchSize to be between 1 and 65536 but received 0'));
    expect(() => train({ model: TINY, trainShards: shards, learningRate: -1 })).toThrow(new RangeError('Expected options.learningRate to be in (0, 10000] but received -1'));
    expect(() => train({ model: TINY, trainShards: shards, precision: 'fp8' as never })).toThrow(new TypeError('Expected one of "fp32", "bf16", "fp16", "auto" for options.precision but received "fp8" of type string'));
    expect(() => train({ model: TINY, trainShards: [] })).toThrow(new TypeError('Expected a non-empty array of strings for options.trainShards but received array'));
    expect(() => train({ model: TINY, trainShards: shards, device: 'tpu' })).toThrow(/options\.device/);
    expect(() => train({ model: TINY, trainShards: shards, lora: { targets: ['mlp.c_xx' as never] } })).toThrow(/options\.lora\.targets\[0\]/);
    expect(() => train({ model: TINY, trainShards: shards, bogus: 1 } as never)).toThrow(new TypeError('Unknown training option "bogus"'));
    expect(() => train({ trainShards: shards } as never)).toThrow(/options\.model/);
    expect(() => train({ model: TINY, trainShards: shards, minLearningRate: 1, learningRate: 0.1 })).toThrow(/minLearningRate/);
  });

  it('validates every model field', () => {
    expect(() => train({ model: { ...TINY, nEmbd: 30, nHead: 4 }, trainShards: shards })).toThrow(new RangeError('Expected options.model.nEmbd (30) to be divisible by options.model.nHead (4)'));
    expect(() => train({ model: { ...TINY, nLayer: 1.5 }, trainShards: shards })).toThrow(/options\.model\.nLayer/);
    expect(() => train({ model: { ...TINY, dropout: 1 }, trainShards: shards })).toThrow(new RangeError('Expected options.model.dropout to be in [0, 1) but received 1'));
    expect(() => train({ model: { ...TINY, bias: 'yes' as never }, trainShards: shards })).toThrow(/options\.model\.bias/);
    expect(() => createModel({ model: { ...TINY, vocabSize: 0 }, outputDir: '/tmp/x' })).toThrow(/options\.model\.vocabSize/);
  });

  it('keeps the caller stack on native failures', async () => {
    const error = await resizeEmbeddings({ checkpoint: '/nonexistent/ckpt', vocabSize: 70, outputDir: '/tmp/egen-never' }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/resizeEmbeddings: checkpoint \/nonexistent\/ckpt does not exist/);
    expect((error as Error).stack).toContain('validation.test.ts');
    await expect(openModel({ checkpoint: '/nonexistent/ckpt' })).rejects.toThrow(/openModel: checkpoint \/nonexistent\/ckpt does not exist/);
  });
});
