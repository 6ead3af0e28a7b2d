// The pieces of the export contract every writer shares: the parity prompts, the difference
// measure, and the refusal of classifiers by the language-model formats.
import { describe, expect, it } from 'vitest';
import { type ExportedModel, maxAbsDifference, parityPrompts } from './export-format.ts';
import { onnxFormatWriter } from './onnx-format.ts';
import { pytorchFormat } from './pytorch-format.ts';
import { torchscriptFormat } from './torchscript-format.ts';

const MODEL: ExportedModel = { vocabSize: 65, contextLength: 16, nLayer: 2, nHead: 4, nEmbd: 32, dropout: 0, bias: true };
const OPTIONS = { dtype: 'fp32', lora: 'merged', onnxOpset: 17, onnxWithPast: true } as const;

describe('export contract', () => {
  it('parity prompts are fixed, fit the context and stay inside the vocabulary', () => {
    const prompts = parityPrompts(MODEL);
    expect(prompts).toEqual(parityPrompts(MODEL));
    expect(prompts.map((row) => row.length)).toEqual([16, 16, 16]);
    expect(prompts.flat().every((t) => Number.isInteger(t) && t >= 0 && t < 65)).toBe(true);
    expect(new Set(prompts.flat()).size).toBeGreaterThan(20);
  });

  it('maxAbsDifference reports NaN as infinitely far and refuses different lengths', () => {
    expect(maxAbsDifference(new Float32Array([1, 2]), new Float32Array([1.5, 1]))).toBe(1);
    expect(maxAbsDifference(new Float32Array([1, 2]), new Float32Array([1, NaN]))).toBe(Infinity);
    expect(() => maxAbsDifference(new Float32Array(2), new Float32Array(3))).toThrow('the artifact returned 3 logits where the native model returned 2');
  });

  it('PyTorch, TorchScript and ONNX refuse a classifier, pointing at the Hugging Face export', () => {
    const classifier: ExportedModel = { ...MODEL, task: 'classification', numLabels: 3 };
    for (const writer of [pytorchFormat, torchscriptFormat, onnxFormatWriter]) {
      expect(writer.refuse(MODEL, OPTIONS)).toBeNull();
      expect(writer.refuse(classifier, OPTIONS)).toMatch(/export a classifier as Hugging Face \(GPT2ForSequenceClassification\)$/);
    }
  });
});
