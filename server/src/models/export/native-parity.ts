// The native side of every parity check, in one place: what a model's "logits" on the parity
// prompts are depends on its task.
import type { NativeModel } from '../../../../native/index.ts';

/**
 * The native model's logits on `prompts`: next-token logits (B·T·V) of a language model, class
 * logits (B·numLabels, each row read at its last token) of a classifier.
 */
export async function nativeParityLogits(model: NativeModel, prompts: number[][], threads?: number | null): Promise<Float32Array> {
  const options = { inputs: prompts, ...(threads ? { threads } : {}) };
  return model.info.model.task === 'classification' ? (await model.classify(options)).data : (await model.logits(options)).data;
}
