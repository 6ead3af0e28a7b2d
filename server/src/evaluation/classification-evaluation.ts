// A classifier's predictions on labelled examples, scored: the one place evaluation calls the
// native classify (a forward pass per batch, off the JavaScript thread).
import type { NativeModel } from '../../../native/index.ts';
import type { LabelledBatch } from '../datasets/datasets.service.ts';
import { argmaxRows, classificationScores, type ClassificationScores } from './classification-metrics.ts';

/** Classifies every example of `batches` with `model` and scores the argmax against the labels (ids into `labels`). */
export async function evaluateClassifier(model: NativeModel, batches: AsyncIterable<LabelledBatch>, labels: readonly string[], threads: number | null): Promise<ClassificationScores> {
  const references: number[] = [];
  const predictions: number[] = [];
  for await (const batch of batches) {
    const logits = await model.classify({ inputs: batch.inputs, ...(threads ? { threads } : {}) });
    const [rows, classes] = logits.shape as [number, number];
    if (rows !== batch.inputs.length || classes !== labels.length) throw new Error(`the model returned logits of shape [${logits.shape.join(', ')}] for ${batch.inputs.length} examples of ${labels.length} labels`);
    references.push(...batch.labels);
    predictions.push(...argmaxRows(logits.data, rows, classes));
  }
  return classificationScores(labels, references, predictions);
}
