// Text metrics: BLEU must match the Python sacrebleu package (corpus_bleu, default 13a
// tokenization) to 0.01 on a test set; exact match, token F1 and label scores on known cases.
import { describe, expect, it } from 'vitest';
import { runPython } from '../datasets/testing/python.ts';
import { corpusBleu, exactMatch, labelScores, normalizeAnswer, tokenF1, tokenize13a } from './text-metrics.ts';

/** A test set that exercises 13a: punctuation, numbers with . , and -, entities, quotes, unicode, empty lines. */
const HYPOTHESES = [
  'The cat sat on the mat.',
  'It costs $3,000.50 - or 3.5k, roughly!',
  'He said: "no way" &amp; left (quickly).',
  'Numbers like 1-2 and 10,000 should stay together.',
  'ROMEO: But soft, what light through yonder window breaks?',
  'Ünïcödé wörds — and em-dashes… work too',
  '',
  'a b c d e f g',
  'short',
  'The quick brown fox jumps over the lazy dog',
  'Tabs\tand  double  spaces   ',
  '<skipped> tokens are removed; semicolons; too',
];
const REFERENCES = [
  ['The cat is sitting on the mat.', 'A cat sat on the mat.'],
  ['It costs $3,000.50, or about 3.5k!', 'The price is $3,000.50 - roughly 3.5k.'],
  ['He said "no way" & left quickly.', 'He said: "no way" and left (fast).'],
  ['Numbers like 1-2 and 10,000 stay together.', 'Numbers such as 1 - 2 and 10,000 should stay together.'],
  ['ROMEO: But, soft! what light through yonder window breaks?', 'But soft, what light through yonder window breaks?'],
  ['Unicode words — and em-dashes… work too', 'Ünïcödé words and em-dashes work too'],
  ['empty hypothesis', 'nothing here'],
  ['a b c d e f g', 'a b c d x f g'],
  ['a much longer reference sentence', 'short one'],
  ['The quick brown fox jumped over the lazy dog', 'A fast brown fox jumps over a lazy dog'],
  ['Tabs and double spaces', 'tabs and spaces'],
  ['tokens are removed; semicolons; too', 'tokens removed; semicolons too'],
];

const SACREBLEU = `
import json, sys
from sacrebleu.metrics import BLEU
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
job = json.loads(sys.stdin.read())
tok = Tokenizer13a()
out = {'tokens': [tok(h.rstrip()).split() for h in job['hyps']], 'scores': []}
for refs in job['sets']:
    s = BLEU().corpus_score(job['hyps'], refs)
    out['scores'].append({'score': s.score, 'precisions': s.precisions, 'bp': s.bp, 'sys_len': s.sys_len, 'ref_len': s.ref_len})
print(json.dumps(out))
`;

describe('corpus BLEU', () => {
  it('matches sacrebleu (default 13a tokenization) to 0.01, with one and two reference streams', () => {
    const streams = [REFERENCES.map((r) => r[0]!), REFERENCES.map((r) => r[1]!)];
    const sets = [[streams[0]!], [streams[1]!], streams, [HYPOTHESES.map((h, i) => (i % 3 === 0 ? h : streams[0]![i]!))]];
    const expected = JSON.parse(runPython(SACREBLEU, [], JSON.stringify({ hyps: HYPOTHESES, sets }))) as {
      tokens: string[][];
      scores: Array<{ score: number; precisions: number[]; bp: number; sys_len: number; ref_len: number }>;
    };
    expect(HYPOTHESES.map((h) => tokenize13a(h.trimEnd()))).toEqual(expected.tokens);
    sets.forEach((refs, k) => {
      const ours = corpusBleu(HYPOTHESES, refs);
      const theirs = expected.scores[k]!;
      expect(Math.abs(ours.score - theirs.score)).toBeLessThan(0.01);
      expect(ours.sysLen).toBe(theirs.sys_len);
      expect(ours.refLen).toBe(theirs.ref_len);
      ours.precisions.forEach((p, n) => expect(Math.abs(p - theirs.precisions[n]!)).toBeLessThan(0.01));
    });
  });

  it('is 100 for identical text and 0 without any match', () => {
    expect(corpusBleu(['the same sentence here'], [['the same sentence here']]).score).toBeCloseTo(100, 10);
    expect(corpusBleu(['abc'], [['xyz']]).score).toBe(0);
  });
});

describe('SQuAD-style and label metrics', () => {
  it('normalizes answers as the SQuAD script does', () => {
    expect(normalizeAnswer('The  Eiffel-Tower, in Paris!')).toBe('eiffeltower in paris');
  });

  it('exact match and token F1', () => {
    expect(exactMatch(['The Paris', 'London'], ['paris', 'Berlin'])).toBe(0.5);
    expect(tokenF1(['the big red apple'], ['a red apple'])).toBeCloseTo((2 * (2 / 3) * 1) / (2 / 3 + 1), 10);
    expect(tokenF1([''], [''])).toBe(1);
  });

  it('accuracy and macro F1 of labels', () => {
    const scores = labelScores(['positive', 'negative', 'positive', 'positive'], ['positive', 'negative', 'negative', 'positive']);
    expect(scores.accuracy).toBe(0.75);
    // positive: tp 2, fp 1, fn 0 → 0.8; negative: tp 1, fp 0, fn 1 → 2/3
    expect(scores.macroF1).toBeCloseTo((0.8 + 2 / 3) / 2, 10);
  });
});
