// The C++ side of option handling, reached straight through the addon (bypassing the checks in
// native/lib): unknown keys are refused with an error naming the key, and optionDefaults() reads
// the defaults of the default-constructed option structs.
import { describe, expect, it } from 'vitest';
import { createModel, optionDefaults } from '../index.ts';
import { load } from '../lib/addon.ts';
import { TINY, tempDir } from './helpers.ts';

describe('native option parsers', () => {
  const addon = load();
  const shards = ['/nonexistent/train'];

  it('refuse unknown training, model and LoRA keys, naming the key', () => {
    const onEvent = () => undefined;
    expect(() => addon.startTraining({ model: { ...TINY }, trainShards: shards, lerningRate: 1e-3 }, onEvent)).toThrow('train: Unknown training option "lerningRate"');
    expect(() => addon.startTraining({ model: { ...TINY, nEmb: 32 }, trainShards: shards }, onEvent)).toThrow('train: Unknown model option "nEmb"');
    expect(() => addon.startTraining({ model: { ...TINY }, trainShards: shards, lora: { rnak: 4 } }, onEvent)).toThrow('train: Unknown LoRA option "rnak"');
  });

  it('refuse unknown keys of createModel, resizeEmbeddings, mergeLora, inspectGradients and openModel', async () => {
    await expect(addon.createModel({ model: { ...TINY }, outputDir: '/tmp/egen-never', sed: 1 })).rejects.toThrow('createModel: Unknown createModel option "sed"');
    await expect(addon.resizeEmbeddings({ checkpoint: '/nonexistent', vocabSize: 70, outputDir: '/tmp/egen-never', extra: true })).rejects.toThrow('resizeEmbeddings: Unknown resizeEmbeddings option "extra"');
    await expect(addon.mergeLora({ checkpoint: '/nonexistent', output: '/tmp/egen-never' })).rejects.toThrow('mergeLora: Unknown mergeLora option "output"');
    await expect(addon.inspectGradients({ checkpoint: '/nonexistent', inputs: [[1]], targets: [[1]], outputPath: '/tmp/x', thread: 1 })).rejects.toThrow('inspectGradients: Unknown inspectGradients option "thread"');
    await expect(addon.openModel({ checkpoint: '/nonexistent', devices: 'cpu' })).rejects.toThrow('openModel: Unknown openModel option "devices"');
  });

  it('refuse unknown generation and scoring keys on an opened model', async () => {
    const dir = tempDir('native-options');
    const { path: checkpoint } = await createModel({ model: TINY, outputDir: `${dir}/model`, seed: 1 });
    const served = await addon.openModel({ checkpoint, device: 'cpu' });
    try {
      const job = served.generate({ prompts: [[1, 2]], maxNewTokens: 2, topk: 5 }, () => undefined);
      await expect(job.done).rejects.toThrow('generate: Unknown generation option "topk"');
      await expect(served.score({ inputs: [[1]], targets: [[2]], target: [[2]] })).rejects.toThrow('score: Unknown score option "target"');
    } finally {
      served.dispose();
    }
  });

  it('refuse unknown BPE options', () => {
    const args = { files: ['/nonexistent'], vocabSize: 300, specialTokens: [], minFrequency: 0, threads: 1, charClasses: new Uint8Array(0) };
    expect(() => addon.trainBpe({ ...args, minFreq: 2 } as never)).toThrow('trainBpe: Unknown BPE option "minFreq"');
  });
});

describe('optionDefaults()', () => {
  it('returns the C++ defaults under the JavaScript option names', () => {
    const defaults = optionDefaults();
    expect(Object.keys(defaults).sort()).toEqual(['lora', 'model', 'training']);
    for (const value of [...Object.values(defaults.training), ...Object.values(defaults.model)]) {
      expect(['number', 'string', 'boolean']).toContain(typeof value);
    }
    expect(defaults.training).toMatchObject({ batchSize: 12, learningRate: 6e-4, lrDecay: 'cosine', sampling: 'random', precision: 'fp32', keepLast: 3 });
    expect(defaults.model).toEqual({ vocabSize: 50304, contextLength: 1024, nLayer: 12, nHead: 12, nEmbd: 768, dropout: 0, bias: true, task: 'causal-lm', numLabels: 0 });
    expect(defaults.lora).toEqual({ rank: 8, alpha: 16, dropout: 0, targets: ['attn.c_attn'] });
  });
});
