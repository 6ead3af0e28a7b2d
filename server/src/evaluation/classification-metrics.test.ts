import { describe, expect, it } from 'vitest';
import { argmaxRows, classificationScores } from './classification-metrics.ts';

describe('classificationScores', () => {
  it('computes accuracy, per-label scores, macro-F1 and the confusion matrix (checked by hand)', () => {
    // true:      a a a b b c
    // predicted: a a b b c c
    const s = classificationScores(['a', 'b', 'c'], [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]);
    expect(s.accuracy).toBeCloseTo(4 / 6, 12);
    expect(s.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ]);
    const [a, b, c] = s.perLabel;
    expect(a).toMatchObject({ label: 'a', precision: 1, recall: 2 / 3, support: 3, predicted: 2 });
    expect(a!.f1).toBeCloseTo(0.8, 12);
    expect(b).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(c!.precision).toBeCloseTo(0.5, 12);
    expect(c!.recall).toBe(1);
    expect(c!.f1).toBeCloseTo(2 / 3, 12);
    expect(s.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
    expect(s.examples).toBe(6);
  });

  it('gives a label that is never predicted precision 0 (not NaN) and counts it in macro-F1', () => {
    const s = classificationScores(['yes', 'no'], [0, 1, 1], [0, 0, 0]);
    expect(s.perLabel[1]).toMatchObject({ label: 'no', precision: 0, recall: 0, f1: 0, support: 2, predicted: 0 });
    expect(s.perLabel[0]!.precision).toBeCloseTo(1 / 3, 12);
    expect(s.macroF1).toBeCloseTo(0.25, 12); // (0.5 + 0) / 2
  });

  it('gives a label absent from the references recall 0; predicted anyway, it counts as F1 0', () => {
    const s = classificationScores(['a', 'b', 'c'], [0, 0, 1], [0, 2, 1]);
    expect(s.perLabel[2]).toMatchObject({ label: 'c', precision: 0, recall: 0, f1: 0, support: 0, predicted: 1 });
    expect(s.macroF1).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
  });

  it('leaves labels that neither the references nor the predictions mention out of macro-F1', () => {
    const s = classificationScores(['a', 'b', 'unused'], [0, 1], [0, 1]);
    expect(s.perLabel[2]).toMatchObject({ support: 0, predicted: 0, f1: 0 });
    expect(s.macroF1).toBe(1);
    expect(s.accuracy).toBe(1);
  });

  it('scores no examples as zeros', () => {
    const s = classificationScores(['a', 'b'], [], []);
    expect(s).toMatchObject({ accuracy: 0, macroF1: 0, examples: 0 });
    expect(s.confusion).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('refuses mismatched lengths and out-of-range indices, naming which', () => {
    expect(() => classificationScores(['a', 'b'], [0, 1], [0])).toThrow('2 references but 1 predictions');
    expect(() => classificationScores(['a', 'b'], [0, 2], [0, 1])).toThrow('reference 1 is label index 2, outside 0..1');
    expect(() => classificationScores(['a', 'b'], [0, 1], [0, -1])).toThrow('prediction 1 is label index -1');
  });
});

describe('argmaxRows', () => {
  it('picks the largest logit per row, the first on ties', () => {
    expect(argmaxRows(new Float32Array([0.1, 2, -1, 3, 3, 0, -5, -4, -6]), 3, 3)).toEqual([1, 0, 1]);
  });
});
