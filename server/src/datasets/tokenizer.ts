// Byte-level BPE tokenizers in Hugging Face's tokenizer.json format: trained by the native addon,
// encoded by the `tokenizers` npm package (Hugging Face's Rust library).
import { createHash } from 'node:crypto';
import { Tokenizer } from 'tokenizers';
import { trainBpe } from '../../../native/index.ts';
import { SPECIAL_TOKENS } from './column-mapping.ts';

export const DEFAULT_VOCAB_SIZE = 4096;

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true } as const;

/** tokenizer.json text for a byte-level BPE vocabulary (special tokens first, as trained). */
export function tokenizerJson(vocab: string[], merges: Array<[string, string]>): string {
  const specials = new Set<string>(SPECIAL_TOKENS);
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: vocab
      .map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }))
      .filter((t) => specials.has(t.content)),
    normalizer: null,
    pre_tokenizer: BYTE_LEVEL,
    post_processor: { ...BYTE_LEVEL, trim_offsets: false },
    decoder: BYTE_LEVEL,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(vocab.map((token, id) => [token, id])),
      merges,
    },
  };
  return JSON.stringify(json);
}

/** Trains on UTF-8 files (each line one sequence) and returns tokenizer.json text. */
export async function trainTokenizer(files: string[], vocabSize: number): Promise<string> {
  const result = await trainBpe({ files, vocabSize, specialTokens: [...SPECIAL_TOKENS] });
  return tokenizerJson(result.vocab, result.merges);
}

/** GPT-2's byte -> character table, inverted: character -> byte. */
const CHAR_TO_BYTE: Map<string, number> = (() => {
  const map = new Map<string, number>();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    map.set(String.fromCodePoint(printable ? b : 256 + n++), b);
  }
  return map;
})();

export interface EncodedBatch {
  ids: number[][];
  /** Characters encoded (at least partly) as lone byte tokens — byte fallback — or U+FFFD (undecodable input). */
  errorChars: number;
}

/** A loaded tokenizer: batch encoding plus the error-rate bookkeeping of the validation report. */
export class TextTokenizer {
  readonly vocabSize: number;
  readonly endOfTextId: number;
  readonly sha256: string;
  private readonly tokenizer: Tokenizer;
  /** Per id: a lone byte of a multi-byte character (≥ 0x80) — the byte-level form of byte fallback. */
  private readonly byteFallback: Uint8Array;

  constructor(readonly json: string) {
    this.tokenizer = Tokenizer.fromString(json);
    this.sha256 = createHash('sha256').update(json).digest('hex');
    const vocab = this.tokenizer.getVocab(true);
    this.vocabSize = this.tokenizer.getVocabSize(true);
    const eot = vocab[SPECIAL_TOKENS[0]];
    if (eot === undefined) throw new Error(`the tokenizer has no ${SPECIAL_TOKENS[0]} token`);
    this.endOfTextId = eot;
    this.byteFallback = new Uint8Array(this.vocabSize);
    for (const [token, id] of Object.entries(vocab)) {
      const chars = [...token];
      const byte = chars.length === 1 ? CHAR_TO_BYTE.get(chars[0]!) : undefined;
      if (byte !== undefined && byte >= 0x80) this.byteFallback[id] = 1;
    }
  }

  async encodeBatch(texts: string[]): Promise<EncodedBatch> {
    const encodings = await this.tokenizer.encodeBatch(texts, { addSpecialTokens: false });
    let errorChars = 0;
    const ids = encodings.map((encoding, i) => {
      const tokenIds = encoding.getIds();
      const text = texts[i]!;
      // fast path: pure ASCII text cannot need byte fallback
      // eslint-disable-next-line no-control-regex
      if (/[^\x00-\x7f]/.test(text)) {
        const errors = new Set<number>();
        for (let k = text.indexOf('\uFFFD'); k >= 0; k = text.indexOf('\uFFFD', k + 1)) errors.add(k);
        if (tokenIds.some((id) => this.byteFallback[id])) {
          const offsets = encoding.getOffsets();
          tokenIds.forEach((id, t) => {
            if (!this.byteFallback[id]) return;
            const [start, end] = offsets[t] as [number, number];
            for (let c = start; c < end; c++) errors.add(c);
          });
        }
        errorChars += errors.size;
      }
      return tokenIds;
    });
    return { ids, errorChars };
  }

  decode(ids: number[]): Promise<string> {
    return this.tokenizer.decode(ids, false);
  }
}
