// The tokenizer trainer: byte-level BPE in C++, given V8's Unicode classes so that its
// pre-tokenization matches GPT-2's regular expression.
import { load, type NativeTrainBpeArgs } from './addon.ts';
import { expected } from './checks.ts';
import { crossing } from './crossing.ts';
import type { TrainBpeResult } from './types.ts';

/** Options of {@link trainBpe}. */
export interface TrainBpeOptions {
  /** UTF-8 text files; each line (with its line ending) is one training sequence. */
  files: string[];
  /** Final vocabulary size: special tokens + 256 byte symbols + merges. */
  vocabSize: number;
  /** Tokens given the first ids, in order. Defaults to none. */
  specialTokens?: string[];
  /** Pairs seen fewer times are never merged. Defaults to 0. */
  minFrequency?: number;
  /** Counting threads. Defaults to 0 (all cores). */
  threads?: number;
}

let charClasses: Uint8Array | null = null;

/** Unicode classes of every code point (1 letter, 2 number, 4 white space), from V8's tables. */
function unicodeCharClasses(): Uint8Array {
  if (charClasses) return charClasses;
  const table = new Uint8Array(0x110000);
  const letter = /\p{L}/u;
  const number = /\p{N}/u;
  const space = /\s/u;
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    table[cp] = (letter.test(ch) ? 1 : 0) | (number.test(ch) ? 2 : 0) | (space.test(ch) ? 4 : 0);
  }
  charClasses = table;
  return table;
}

/**
 * Trains a byte-level BPE vocabulary the way Hugging Face tokenizers' BpeTrainer does (GPT-2
 * pre-tokenization, byte alphabet, highest-count merges), in C++ off the JavaScript thread.
 */
export function trainBpe(options: TrainBpeOptions): Promise<TrainBpeResult> {
  if (typeof options !== 'object' || options === null) expected('an options object', 'options', options);
  if (!Array.isArray(options.files) || options.files.length === 0) expected('a non-empty array of file paths', 'options.files', options.files);
  options.files.forEach((file, i) => {
    if (typeof file !== 'string' || file === '') expected('a file path', `options.files[${i}]`, file);
  });
  const specialTokens = options.specialTokens ?? [];
  if (!Array.isArray(specialTokens)) expected('an array of strings', 'options.specialTokens', specialTokens);
  specialTokens.forEach((token, i) => {
    if (typeof token !== 'string' || token === '') expected('a non-empty string', `options.specialTokens[${i}]`, token);
  });
  const minimum = specialTokens.length + 256;
  if (!Number.isSafeInteger(options.vocabSize) || options.vocabSize < minimum || options.vocabSize > 1_000_000) {
    expected(`an integer between ${minimum} and 1000000`, 'options.vocabSize', options.vocabSize);
  }
  const minFrequency = options.minFrequency ?? 0;
  if (!Number.isSafeInteger(minFrequency) || minFrequency < 0) expected('a non-negative integer', 'options.minFrequency', minFrequency);
  const threads = options.threads ?? 0;
  if (!Number.isSafeInteger(threads) || threads < 0 || threads > 256) expected('an integer between 0 and 256', 'options.threads', threads);
  const native = load();
  const args: NativeTrainBpeArgs = { files: [...options.files], vocabSize: options.vocabSize, specialTokens: [...specialTokens], minFrequency, threads, charClasses: unicodeCharClasses() };
  return crossing(trainBpe, () => native.trainBpe(args));
}
