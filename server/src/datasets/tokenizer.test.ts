// The tokenizer layer: native training arguments, the tokenizer.json it writes, and the
// tokenization error rate of the validation report.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from 'tokenizers';
import { afterAll, describe, expect, it } from 'vitest';
import { trainBpe } from '../../../native/index.ts';
import { SPECIAL_TOKENS } from './column-mapping.ts';
import { TextTokenizer, trainTokenizer } from './tokenizer.ts';

const dir = mkdtempSync(join(tmpdir(), 'egen-tokenizer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trainBpe (native)', () => {
  it('validates its arguments in TypeScript with messages that name them', async () => {
    expect(() => trainBpe({ files: [], vocabSize: 300 })).toThrow('Expected a non-empty array of file paths for options.files');
    expect(() => trainBpe({ files: ['x'], vocabSize: 100 })).toThrow('Expected an integer between 256 and 1000000 for options.vocabSize but received 100 of type number');
    expect(() => trainBpe({ files: ['x'], vocabSize: 300, specialTokens: [''] })).toThrow('Expected a non-empty string for options.specialTokens[0]');
    expect(() => trainBpe({ files: ['x'], vocabSize: 300, minFrequency: -1 })).toThrow('options.minFrequency');
  });

  it('a missing file rejects with the operation and the path, keeping the caller stack', async () => {
    const error = await trainBpe({ files: [join(dir, 'missing.txt')], vocabSize: 300 }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/^trainBpe: cannot open .*missing\.txt/);
    expect((error as Error).stack).toContain('tokenizer.test.ts');
  });

  it('stops early when no pair is left, with special tokens first and the 256 bytes next', async () => {
    const corpus = join(dir, 'tiny.txt');
    writeFileSync(corpus, 'ab ab ab\n');
    const result = await trainBpe({ files: [corpus], vocabSize: 1000, specialTokens: [...SPECIAL_TOKENS] });
    expect(result.vocab.slice(0, 4)).toEqual([...SPECIAL_TOKENS]);
    expect(result.vocab.length).toBe(4 + 256 + result.merges.length);
    expect(result.merges).toEqual([
      ['a', 'b'],
      ['Ġ', 'ab'],
    ]);
  });
});

describe('tokenization error rate', () => {
  it('counts characters encoded as lone byte tokens (byte fallback) or U+FFFD, not ones the vocabulary covers', async () => {
    const corpus = join(dir, 'ascii.txt');
    writeFileSync(corpus, 'the cat sat on the mat with naïve café owners\n'.repeat(50));
    const tokenizer = new TextTokenizer(await trainTokenizer([corpus], 400));
    expect((await tokenizer.encodeBatch(['the cat sat'])).errorChars).toBe(0);
    expect((await tokenizer.encodeBatch(['naïve café'])).errorChars).toBe(0); // learned in merged tokens
    expect((await tokenizer.encodeBatch(['東京'])).errorChars).toBe(2); // each is three lone byte tokens
    expect((await tokenizer.encodeBatch(['bad \uFFFD'])).errorChars).toBe(1); // undecodable input
    const ids = (await tokenizer.encodeBatch(['東京 the cat'])).ids[0]!;
    expect(await tokenizer.decode(ids)).toBe('東京 the cat');
  });
});

describe('pre-token encoding', () => {
  it('gives exactly the ids of encoding whole texts with the tokenizers package', async () => {
    const shakespeare = readFileSync(join(import.meta.dirname, '../../../datasets/tinyshakespeare.txt'), 'utf8');
    const corpus = join(dir, 'mixed.txt');
    writeFileSync(corpus, shakespeare.slice(0, 200_000) + '\nnaïve café Größe 東京 Числа 12345 🙂 مرحبا\n'.repeat(20));
    const json = await trainTokenizer([corpus], 1200);
    const texts = [
      ...shakespeare.slice(0, 300_000).split('\n\n'),
      "I'm sure they'll say it's fine, we've done what we'd planned. 'sup ''quoted'' !'s",
      'Größe, Maße — naïve café. 東京は日本の首都です。 Числа 12345 и 6789.',
      'Emoji 🙂🙂 and 👩‍💻; tabs\tand  double  spaces   \n\n  \r\n trailing   ',
      '<context>What is 2+2?<response>4<|endoftext|><pad>x<contex>',
      'zero\u200bwidth, bom\ufeffinside, next\u0085line, nbsp\u00a0here, ideographic\u3000space',
      '',
      '   ',
      'x'.repeat(100_000),
      'bad \uFFFD bytes',
    ];
    const ours = await new TextTokenizer(json).encodeBatch(texts);
    const reference = await Tokenizer.fromString(json).encodeBatch(texts, { addSpecialTokens: false });
    texts.forEach((text, i) => expect(ours.ids[i], JSON.stringify(text.slice(0, 80))).toEqual(reference[i]!.getIds()));
  });

  it('a tokenizer.json with a normalizer is encoded whole, the same way', async () => {
    const corpus = join(dir, 'small.txt');
    writeFileSync(corpus, 'Hello World hello world\n'.repeat(20));
    const json = JSON.parse(await trainTokenizer([corpus], 300)) as Record<string, unknown>;
    json.normalizer = { type: 'Lowercase' };
    const text = JSON.stringify(json);
    const ours = await new TextTokenizer(text).encodeBatch(['HELLO World']);
    expect(ours.ids[0]).toEqual((await Tokenizer.fromString(text).encode('HELLO World', null, { addSpecialTokens: false })).getIds());
  });
});
