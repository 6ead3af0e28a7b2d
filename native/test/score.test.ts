// NativeModel.score against PyTorch (one forward pass without gradients), and dispose: the
// native model is freed, in-flight calls keep it alive, later calls throw.
import { describe, expect, it } from 'vitest';
import { createModel, openModel } from '../index.ts';
import { load } from '../lib/addon.ts';
import { runReference, syntheticTokens, tempDir } from './helpers.ts';

const MODEL = { vocabSize: 65, contextLength: 16, nLayer: 2, nHead: 4, nEmbd: 32 };

interface ReferenceScore {
  loss: number;
  logProbs: number[];
  correct: number;
  tokens: number;
}

describe('NativeModel.score', () => {
  it('matches PyTorch: mean loss, every target log-probability, argmax hits (fp32)', async () => {
    const dir = tempDir('score');
    const { path: checkpoint } = await createModel({ model: MODEL, outputDir: `${dir}/init`, seed: 42 });
    const tokens = syntheticTokens(4000, MODEL.vocabSize);
    const T = MODEL.contextLength;
    const inputs = [0, 1, 2].map((k) => Array.from(tokens.subarray(k * T, k * T + T)));
    const targets = [0, 1, 2].map((k) => Array.from(tokens.subarray(k * T + 1, k * T + T + 1)));
    const model = await openModel({ checkpoint, device: 'cpu' });
    try {
      const scored = await model.score({ inputs, targets, threads: 1 });
      const ref = runReference<ReferenceScore>('score_reference.py', { checkpoint, inputs, targets, threads: 1 });
      expect(scored.logProbs).toBeInstanceOf(Float32Array);
      expect(scored.tokens).toBe(3 * T);
      expect(scored.logProbs).toHaveLength(ref.logProbs.length);
      const maxLogProbDiff = Math.max(...ref.logProbs.map((v, i) => Math.abs(v - scored.logProbs[i]!)));
      console.log(`max |Δ| loss ${Math.abs(scored.loss - ref.loss).toExponential(2)}, log-probs ${maxLogProbDiff.toExponential(2)}`);
      expect(Math.abs(scored.loss - ref.loss)).toBeLessThanOrEqual(1e-5);
      expect(maxLogProbDiff).toBeLessThanOrEqual(1e-5);
      expect(scored.correct).toBe(ref.correct);
      // the loss is the mean negative log-probability of the targets
      const mean = -scored.logProbs.reduce((sum, v) => sum + v, 0) / scored.tokens;
      expect(Math.abs(mean - scored.loss)).toBeLessThanOrEqual(1e-5);
    } finally {
      model.dispose();
    }
  });

  it('logits: (B, T, V) float32 whose log-softmax at the targets is what score reports', async () => {
    const dir = tempDir('logits');
    const { path: checkpoint } = await createModel({ model: MODEL, outputDir: `${dir}/init`, seed: 7 });
    const inputs = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ];
    const targets = [
      [2, 3, 4, 5],
      [6, 7, 8, 9],
    ];
    const model = await openModel({ checkpoint, device: 'cpu' });
    try {
      const logits = await model.logits({ inputs, threads: 1 });
      expect(logits.shape).toEqual([2, 4, MODEL.vocabSize]);
      expect(logits.data).toBeInstanceOf(Float32Array);
      const scored = await model.score({ inputs, targets, threads: 1 });
      const V = MODEL.vocabSize;
      for (let p = 0; p < 8; p++) {
        const row = logits.data.subarray(p * V, (p + 1) * V);
        const max = Math.max(...row);
        const logSum = max + Math.log(row.reduce((sum, v) => sum + Math.exp(v - max), 0));
        expect(Math.abs(row[targets[Math.floor(p / 4)]![p % 4]!]! - logSum - scored.logProbs[p]!)).toBeLessThanOrEqual(1e-5);
      }
      expect(() => model.logits({ inputs: [[1, 2], [3]] })).toThrow('Expected options.inputs[1] to hold 2 tokens, as options.inputs[0], but it holds 1');
    } finally {
      model.dispose();
    }
  });

  it('checks its arguments before crossing into C++', async () => {
    const dir = tempDir('score-args');
    const { path: checkpoint } = await createModel({ model: MODEL, outputDir: `${dir}/init`, seed: 1 });
    const model = await openModel({ checkpoint, device: 'cpu' });
    try {
      expect(() => model.score({ inputs: [[1, 2]], targets: [[2, 3, 4]] })).toThrow('Expected options.targets to have the shape of options.inputs (1 rows of 2 tokens)');
      expect(() => model.score({ inputs: [[1, 65]], targets: [[2, 3]] })).toThrow(/options\.inputs\[0\]/);
      expect(() => model.score({ inputs: [Array(17).fill(1)], targets: [Array(17).fill(1)] })).toThrow('Expected options.inputs[0] to hold 1 to 16 tokens (the context length) but it holds 17');
    } finally {
      model.dispose();
    }
  });
});

describe('NativeModel.dispose', () => {
  it('frees the native model; calls in flight finish first; later calls throw; twice is a no-op', async () => {
    const dir = tempDir('dispose');
    const { path: checkpoint } = await createModel({ model: MODEL, outputDir: `${dir}/init`, seed: 3 });
    const addon = load();
    const before = addon.openModelCount();
    const model = await openModel({ checkpoint, device: 'cpu' });
    expect(addon.openModelCount()).toBe(before + 1);

    // Started before dispose: both finish on the model they hold.
    const generation = model.generate({ prompts: [[1, 2, 3]], maxNewTokens: 8, temperature: 0 });
    const scoring = model.score({ inputs: [[1, 2, 3]], targets: [[2, 3, 4]] });
    model.dispose();
    expect((await generation).sequences[0]).toHaveLength(8);
    expect((await scoring).tokens).toBe(3);
    expect(addon.openModelCount()).toBe(before);

    expect(() => model.generate({ prompts: [[1]] })).toThrow('The model was disposed');
    expect(() => model.score({ inputs: [[1]], targets: [[2]] })).toThrow('The model was disposed');
    expect(() => model.dispose()).not.toThrow();
  });

  it('is re-checked in C++: the native handle refuses calls once disposed', async () => {
    const dir = tempDir('dispose-native');
    const { path: checkpoint } = await createModel({ model: MODEL, outputDir: `${dir}/init`, seed: 4 });
    const served = await load().openModel({ checkpoint, device: 'cpu' });
    served.dispose();
    served.dispose();
    expect(() => served.score({ inputs: [[1]], targets: [[2]] })).toThrow('The model was disposed');
    expect(() => served.generate({ prompts: [[1]] }, () => undefined)).toThrow('The model was disposed');
  });
});
