// Text metrics over predictions and references: corpus BLEU exactly as sacreBLEU computes it by
// default (13a tokenization, exponential smoothing, 4-grams, no lowercasing), exact match and
// token F1 as the SQuAD evaluation script defines them, and accuracy / macro F1 for labels.

// ---- BLEU (sacrebleu.metrics.BLEU defaults) ----

const RE_13A: Array<[RegExp, string]> = [
  // tokenize punctuation and symbols (sacrebleu's TokenizerRegexp)
  [/([{-~[-` -&(-+:-@/])/g, ' $1 '],
  // tokenize period and comma unless preceded by a digit
  [/([^0-9])([.,])/g, '$1 $2 '],
  // tokenize period and comma unless followed by a digit
  [/([.,])([^0-9])/g, ' $1 $2'],
  // tokenize dash when preceded by a digit
  [/([0-9])(-)/g, '$1 $2 '],
];

/** Python's str.split() with no argument: runs of Unicode white space, no empty strings. */
function pySplit(text: string): string[] {
  // U+001C–U+001F are white space to Python (file, group, record and unit separators).
  // eslint-disable-next-line no-control-regex -- these separators are white space to Python's str.split
  return text.split(/[\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/).filter((t) => t.length > 0);
}

/** sacreBLEU's "13a" tokenizer (mteval-v13a), as a list of tokens. */
export function tokenize13a(line: string): string[] {
  let text = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (text.includes('&')) text = text.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  text = ` ${text} `;
  for (const [pattern, replacement] of RE_13A) text = text.replace(pattern, replacement);
  return pySplit(text);
}

function ngramCounts(tokens: string[], maxOrder: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let n = 1; n <= maxOrder; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      // the order prefix keeps n-grams of different n apart
      const key = `${n}\u0000${tokens.slice(i, i + n).join('\u0000')}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  return counts;
}

export interface BleuScore {
  /** 0 to 100. */
  score: number;
  /** n-gram precisions, 0 to 100. */
  precisions: number[];
  brevityPenalty: number;
  sysLen: number;
  refLen: number;
}

/**
 * Corpus BLEU of hypotheses against one or more reference streams (references[k][i] is the k-th
 * reference of hypothesis i), as sacrebleu.corpus_bleu(hypotheses, references) with defaults.
 */
export function corpusBleu(hypotheses: string[], references: string[][], maxOrder = 4): BleuScore {
  for (const stream of references) if (stream.length !== hypotheses.length) throw new RangeError('every reference stream must have one reference per hypothesis');
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  hypotheses.forEach((hypothesis, i) => {
    const hyp = tokenize13a(hypothesis.trimEnd());
    const refNgrams = new Map<string, number>();
    const refLens: number[] = [];
    for (const stream of references) {
      const ref = tokenize13a(stream[i]!.trimEnd());
      refLens.push(ref.length);
      for (const [gram, count] of ngramCounts(ref, maxOrder)) refNgrams.set(gram, Math.max(refNgrams.get(gram) ?? 0, count));
    }
    // closest reference length, the shorter one on ties
    let closest = -1;
    let closestDiff = -1;
    for (const len of refLens) {
      const diff = Math.abs(hyp.length - len);
      if (closestDiff === -1 || diff < closestDiff || (diff === closestDiff && len < closest)) {
        closestDiff = diff;
        closest = len;
      }
    }
    sysLen += hyp.length;
    refLen += closest;
    for (const [gram, count] of ngramCounts(hyp, maxOrder)) {
      const n = Number(gram.slice(0, gram.indexOf('\u0000'))) - 1;
      total[n]! += count;
      correct[n]! += Math.min(count, refNgrams.get(gram) ?? 0);
    }
  });
  const brevityPenalty = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const precisions = new Array<number>(maxOrder).fill(0);
  if (!correct.some((c) => c > 0)) return { score: 0, precisions, brevityPenalty, sysLen, refLen };
  let smooth = 1;
  for (let n = 0; n < maxOrder; n++) {
    if (total[n] === 0) break;
    if (correct[n] === 0) {
      // "exp" smoothing (NIST, mteval-v13a)
      smooth *= 2;
      precisions[n] = 100 / (smooth * total[n]!);
    } else precisions[n] = (100 * correct[n]!) / total[n]!;
  }
  const logSum = precisions.reduce((sum, p) => sum + (p === 0 ? -9999999999 : Math.log(p)), 0);
  return { score: brevityPenalty * Math.exp(logSum / maxOrder), precisions, brevityPenalty, sysLen, refLen };
}

// ---- SQuAD-style exact match and token F1 ----

/** Lower case, no punctuation, no articles (a, an, the), single spaces: SQuAD's normalize_answer. */
export function normalizeAnswer(text: string): string {
  const lower = text.toLowerCase();
  const noPunct = [...lower].filter((c) => !/^[!-/:-@[-`{-~]$/.test(c)).join('');
  const noArticles = noPunct.replace(/\b(a|an|the)\b/g, ' ');
  return pySplit(noArticles).join(' ');
}

export function exactMatch(predictions: string[], references: string[]): number {
  if (predictions.length === 0) return 0;
  return predictions.filter((p, i) => normalizeAnswer(p) === normalizeAnswer(references[i]!)).length / predictions.length;
}

function f1Single(prediction: string, reference: string): number {
  const pred = pySplit(normalizeAnswer(prediction));
  const ref = pySplit(normalizeAnswer(reference));
  if (pred.length === 0 || ref.length === 0) return pred.length === ref.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of ref) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of pred) {
    const left = counts.get(t) ?? 0;
    if (left > 0) {
      same++;
      counts.set(t, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / pred.length;
  const recall = same / ref.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Mean token-level F1 (SQuAD). */
export function tokenF1(predictions: string[], references: string[]): number {
  if (predictions.length === 0) return 0;
  return predictions.reduce((sum, p, i) => sum + f1Single(p, references[i]!), 0) / predictions.length;
}

// ---- labels ----

/** Accuracy and macro-averaged F1 over the labels of the references (normalized comparison). */
export function labelScores(predictions: string[], references: string[]): { accuracy: number; macroF1: number } {
  const pred = predictions.map(normalizeAnswer);
  const ref = references.map(normalizeAnswer);
  if (ref.length === 0) return { accuracy: 0, macroF1: 0 };
  const labels = [...new Set(ref)];
  const accuracy = pred.filter((p, i) => p === ref[i]).length / ref.length;
  const f1s = labels.map((label) => {
    const tp = pred.filter((p, i) => p === label && ref[i] === label).length;
    const fp = pred.filter((p, i) => p === label && ref[i] !== label).length;
    const fn = pred.filter((p, i) => p !== label && ref[i] === label).length;
    return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  });
  return { accuracy, macroF1: f1s.reduce((a, b) => a + b, 0) / labels.length };
}
