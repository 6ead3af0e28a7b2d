// Classification metrics from label ids: accuracy, per-label precision/recall/F1/support, macro-F1
// and the confusion matrix. Pure: no I/O, no model; the evaluation service feeds it predictions.
//
// Conventions follow scikit-learn's classification_report with zero_division=0: a label never
// predicted has precision 0, a label absent from the references has recall 0, and F1 is 0 when
// precision + recall is 0. Macro-F1 averages over the labels that occur in the references or the
// predictions (scikit-learn's default label set), so labels of the model that the evaluated data
// never mentions neither help nor hurt, while a label predicted but never true counts as F1 0.

export interface LabelScores {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Examples whose true label this is. */
  support: number;
  /** Examples predicted as this label. */
  predicted: number;
}

export interface ClassificationScores {
  /** Share of examples predicted exactly. */
  accuracy: number;
  /** Mean F1 over the labels that occur in the references or the predictions. */
  macroF1: number;
  /** One entry per label, in the order of `labels`. */
  perLabel: LabelScores[];
  /** confusion[t][p]: examples with true label t predicted as p (indices into `labels`). */
  confusion: number[][];
  examples: number;
}

/**
 * Scores predictions against references, both label indices into `labels`. Throws when the two
 * lists differ in length or an index is out of range (a bug in the caller, not bad data).
 */
export function classificationScores(labels: readonly string[], references: readonly number[], predictions: readonly number[]): ClassificationScores {
  const n = labels.length;
  if (references.length !== predictions.length) throw new RangeError(`${references.length} references but ${predictions.length} predictions`);
  const confusion = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let correct = 0;
  references.forEach((truth, i) => {
    const predicted = predictions[i]!;
    for (const [what, id] of [
      ['reference', truth],
      ['prediction', predicted],
    ] as const) {
      if (!Number.isInteger(id) || id < 0 || id >= n) throw new RangeError(`${what} ${i} is label index ${id}, outside 0..${n - 1}`);
    }
    confusion[truth]![predicted]!++;
    if (truth === predicted) correct++;
  });
  const perLabel = labels.map((label, k): LabelScores => {
    const tp = confusion[k]![k]!;
    const support = confusion[k]!.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[k]!, 0);
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support, predicted };
  });
  const counted = perLabel.filter((s) => s.support > 0 || s.predicted > 0);
  return {
    accuracy: references.length === 0 ? 0 : correct / references.length,
    macroF1: counted.length === 0 ? 0 : counted.reduce((a, s) => a + s.f1, 0) / counted.length,
    perLabel,
    confusion,
    examples: references.length,
  };
}

/** The index of the largest logit of each row of a [rows, classes] row-major matrix (the first on ties). */
export function argmaxRows(logits: ArrayLike<number>, rows: number, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c]! > logits[r * classes + best]!) best = c;
    out.push(best);
  }
  return out;
}
