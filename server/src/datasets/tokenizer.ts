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
    added_tokens: vocab.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })).filter((t) => specials.has(t.content)),
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

/** GPT-2's pre-tokenization pattern, as the ByteLevel pre-tokenizer applies it. */
const GPT2_PRETOKEN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
/** Characters whose white-space class differs between JavaScript and Oniguruma: such texts are encoded whole. */
const PIECE_UNSAFE = /[\u0085\u180e\u200b\ufeff]/;
/** Bound on remembered pre-tokens (the cache starts over when full). */
const MAX_CACHED_PIECES = 1_000_000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The special tokens of a tokenizer.json whose encoding is exactly "split at special tokens,
 * GPT-2 byte-level pre-tokens, BPE each", or null when it does more (normalizers, other
 * pre-tokenizers, dropout, non-special added tokens...).
 */
function isPlainByteLevelBpe(json: string): string[] | null {
  const parsed = JSON.parse(json) as {
    normalizer?: unknown;
    pre_tokenizer?: { type?: string; add_prefix_space?: boolean; use_regex?: boolean } | null;
    model?: { type?: string; dropout?: number | null; continuing_subword_prefix?: string | null; end_of_word_suffix?: string | null; byte_fallback?: boolean };
    added_tokens?: Array<{ content: string; special?: boolean; lstrip?: boolean; rstrip?: boolean; single_word?: boolean; normalized?: boolean }>;
  };
  const pre = parsed.pre_tokenizer;
  const model = parsed.model;
  if (parsed.normalizer != null || !pre || pre.type !== 'ByteLevel' || pre.add_prefix_space || pre.use_regex === false) return null;
  if (!model || model.type !== 'BPE' || model.dropout || model.continuing_subword_prefix || model.end_of_word_suffix || model.byte_fallback) return null;
  const added = parsed.added_tokens ?? [];
  if (!added.every((t) => t.special && !t.lstrip && !t.rstrip && !t.single_word && !t.normalized && t.content.length > 0)) return null;
  // longest first, like the tokenizer's leftmost-longest match
  return added.map((t) => t.content).sort((a, b) => b.length - a.length);
}

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
  /** Encoded pre-tokens; null when this tokenizer is not a plain byte-level BPE. */
  private readonly pieces: Map<string, { ids: number[]; errors: number }> | null;
  private readonly specialPattern: RegExp | null;

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
    const plain = isPlainByteLevelBpe(json);
    this.pieces = plain ? new Map() : null;
    this.specialPattern = plain && plain.length ? new RegExp(`(${plain.map(escapeRegExp).join('|')})`) : null;
  }

  /**
   * Encodes texts without special-token post-processing. When this tokenizer is a plain
   * byte-level BPE (as trainTokenizer writes), texts are first cut at special tokens and into
   * GPT-2 pre-tokens here, and each distinct pre-token is encoded once by the `tokenizers`
   * package and remembered: BPE never merges across pre-tokens, so the ids are the same as
   * encoding whole texts (the tests check it), at a fraction of the work for natural text.
   */
  async encodeBatch(texts: string[]): Promise<EncodedBatch> {
    if (!this.pieces) return this.encodeWhole(texts);
    const cache = this.pieces;
    const whole: number[] = []; // indices of texts the piece path does not handle
    const missing = new Set<string>();
    const split: Array<string[] | null> = texts.map((text, i) => {
      if (PIECE_UNSAFE.test(text)) {
        whole.push(i);
        return null;
      }
      const pieces = this.splitPieces(text);
      for (const piece of pieces) if (!cache.has(piece)) missing.add(piece);
      return pieces;
    });
    if (missing.size) {
      const list = [...missing];
      const encoded = await this.encodeWhole(list, /*perText=*/ true);
      if (cache.size + list.length > MAX_CACHED_PIECES) cache.clear();
      list.forEach((piece, k) => cache.set(piece, { ids: encoded.ids[k]!, errors: encoded.perText![k]! }));
    }
    let errorChars = 0;
    const ids: number[][] = split.map((pieces) => {
      const out: number[] = [];
      if (!pieces) return out;
      for (const piece of pieces) {
        const entry = cache.get(piece)!;
        errorChars += entry.errors;
        for (const id of entry.ids) out.push(id);
      }
      return out;
    });
    if (whole.length) {
      const encoded = await this.encodeWhole(whole.map((i) => texts[i]!));
      whole.forEach((i, k) => (ids[i] = encoded.ids[k]!));
      errorChars += encoded.errorChars;
    }
    return { ids, errorChars };
  }

  /** Special tokens become pieces of their own; the text between them is cut into GPT-2 pre-tokens. */
  private splitPieces(text: string): string[] {
    const pieces: string[] = [];
    const segments = this.specialPattern ? text.split(this.specialPattern) : [text];
    segments.forEach((segment, k) => {
      if (k % 2 === 1) pieces.push(segment);
      else if (segment) for (const match of segment.matchAll(GPT2_PRETOKEN)) pieces.push(match[0]);
    });
    return pieces;
  }

  /** Encodes whole texts with the `tokenizers` package, counting byte-fallback characters. */
  private async encodeWhole(texts: string[], perText = false): Promise<EncodedBatch & { perText?: number[] }> {
    const encodings = await this.tokenizer.encodeBatch(texts, { addSpecialTokens: false });
    let errorChars = 0;
    const counts: number[] = [];
    const ids = encodings.map((encoding, i) => {
      const tokenIds = encoding.getIds();
      const text = texts[i]!;
      let count = 0;
      // pure ASCII text cannot need byte fallback
      // eslint-disable-next-line no-control-regex -- the ASCII range starts at U+0000 on purpose
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
        count = errors.size;
      }
      errorChars += count;
      if (perText) counts.push(count);
      return tokenIds;
    });
    return { ids, errorChars, ...(perText ? { perText: counts } : {}) };
  }

  decode(ids: number[]): Promise<string> {
    return this.tokenizer.decode(ids, false);
  }
}
