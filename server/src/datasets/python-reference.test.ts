// Checks against independent Python implementations: TFRecord files written by the `tfrecord`
// package, the BPE trainer against Hugging Face's BpeTrainer, and our tokenizer.json loaded by
// Python `tokenizers` and `transformers`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainBpe } from '../../../native/index.ts';
import { SPECIAL_TOKENS } from './column-mapping.ts';
import { readRecords } from './formats/formats.ts';
import type { ReaderHooks, SourceRecord } from './formats/records.ts';
import { encodeExample, frameRecord } from './formats/tfrecord.ts';
import { pythonWithReferencePackages, runPython } from './testing/python.ts';
import { TextTokenizer, tokenizerJson } from './tokenizer.ts';

const SHAKESPEARE = join(import.meta.dirname, '../../../datasets/tinyshakespeare.txt');
const dir = mkdtempSync(join(tmpdir(), 'egen-pyref-'));
const hooks: ReaderHooks = { badRows: 'fail', onBadRow: () => undefined, onEncodingError: () => undefined };

beforeAll(() => {
  pythonWithReferencePackages();
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function readAll(path: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of readRecords(path, { format: 'tfrecord' }, hooks)) out.push(r);
  return out;
}

describe('TFRecord against the Python tfrecord package', () => {
  const WRITE = `
import sys, gzip, shutil
from tfrecord.writer import TFRecordWriter
path = sys.argv[1]
w = TFRecordWriter(path)
w.write({"text": ("héllo wörld ✓".encode("utf-8"), "byte"), "label": (7, "int"), "score": (0.5, "float")})
w.write({"text": (b"second line\\nwith newline", "byte"), "ids": ([1, 2, 3], "int"), "weights": ([0.25, 1.5], "float")})
w.write({"text": (b"x" * 100000, "byte"), "label": (-3, "int")})
w.close()
with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
    shutil.copyfileobj(src, dst)
`;

  it('reads files written by Python (plain and GZIP), decoding every feature kind', async () => {
    const path = join(dir, 'py.tfrecord');
    runPython(WRITE, [path]);
    for (const file of [path, `${path}.gz`]) {
      const records = await readAll(file);
      expect(records.map((r) => r.fields)).toEqual([
        { text: 'héllo wörld ✓', label: 7, score: 0.5 },
        { text: 'second line\nwith newline', ids: [1, 2, 3], weights: [0.25, 1.5] },
        { text: 'x'.repeat(100000), label: -3 },
      ]);
    }
  });

  it('Python reads files we write, with both CRCs checked', () => {
    const path = join(dir, 'ours.tfrecord');
    writeFileSync(path, Buffer.concat([frameRecord(encodeExample({ text: 'ünïcode', n: 42 })), frameRecord(encodeExample({ text: 'two', f: [1.5] }, new Set(['f'])))]));
    const out = runPython(
      `
import sys, json, struct, crc32c
from tfrecord import example_pb2
def mask(c): return (((c >> 15) | (c << 17)) + 0xa282ead8) & 0xffffffff
data = open(sys.argv[1], "rb").read(); i = 0; out = []
while i < len(data):
    n, = struct.unpack("<Q", data[i:i+8])
    assert struct.unpack("<I", data[i+8:i+12])[0] == mask(crc32c.crc32c(data[i:i+8]))
    body = data[i+12:i+12+n]
    assert struct.unpack("<I", data[i+12+n:i+16+n])[0] == mask(crc32c.crc32c(body))
    ex = example_pb2.Example(); ex.ParseFromString(body)
    f = ex.features.feature
    out.append({k: (f[k].bytes_list.value[0].decode() if f[k].HasField("bytes_list") else list(f[k].int64_list.value) or list(f[k].float_list.value)) for k in sorted(f)})
    i += 16 + n
print(json.dumps(out))
`,
      [path],
    );
    expect(JSON.parse(out)).toEqual([
      { text: 'ünïcode', n: [42] },
      { text: 'two', f: [1.5] },
    ]);
  });
});

describe('byte-level BPE trainer against Hugging Face BpeTrainer', () => {
  const TRAIN = `
import sys, json
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
path, vocab = sys.argv[1], int(sys.argv[2])
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=json.loads(sys.argv[3]), initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
tok.train([path], trainer)
model = json.loads(tok.to_str())["model"]
merges = [m if isinstance(m, list) else m.split(" ") for m in model["merges"]]
vocab = sorted(model["vocab"].items(), key=lambda kv: kv[1])
print(json.dumps({"merges": merges, "vocab": [k for k, _ in vocab]}))
`;

  async function compare(corpus: string, vocabSize: number): Promise<void> {
    const ours = await trainBpe({ files: [corpus], vocabSize, specialTokens: [...SPECIAL_TOKENS] });
    const theirs = JSON.parse(runPython(TRAIN, [corpus, String(vocabSize), JSON.stringify(SPECIAL_TOKENS)])) as { merges: Array<[string, string]>; vocab: string[] };
    const firstDifference = ours.merges.findIndex((m, i) => theirs.merges[i]?.[0] !== m[0] || theirs.merges[i]?.[1] !== m[1]);
    expect({ firstDifference, count: ours.merges.length }).toEqual({ firstDifference: -1, count: theirs.merges.length });
    expect(ours.vocab).toEqual(theirs.vocab);
  }

  it('gives the same merges and vocabulary on tiny Shakespeare (vocabulary 2048)', async () => {
    await compare(SHAKESPEARE, 2048);
  });

  it('gives the same merges on multilingual text with digits, contractions, emoji and odd white space', async () => {
    const lines = [
      "I'm sure they'll say it's fine, we've done what we'd planned.",
      'Größe, Maße und Übermaß — naïve café façade.',
      '東京は日本の首都です。大阪も大きな都市です。',
      'Числа 12345 и 6789, года 2024–2025.',
      'Emoji 🙂🙂 and 👩‍💻 mixed with tabs\tand  double  spaces   here.',
      '    indented code(x) { return x*2; }  ',
      'مرحبا بالعالم 123',
      '',
    ];
    const corpus = join(dir, 'multilingual.txt');
    writeFileSync(corpus, Array.from({ length: 40 }, (_, i) => lines.map((l) => `${l} ${i % 7}`).join('\n')).join('\n') + '\n');
    await compare(corpus, 600);
  });
});

describe('tokenizer.json in Python tokenizers and transformers', () => {
  it('loads in both and encodes exactly as the npm encoder does', async () => {
    const trained = await trainBpe({ files: [SHAKESPEARE], vocabSize: 1000, specialTokens: [...SPECIAL_TOKENS] });
    const json = tokenizerJson(trained.vocab, trained.merges);
    const path = join(dir, 'tokenizer.json');
    writeFileSync(path, json);
    const samples = ['First Citizen:\nBefore we proceed any further, hear me speak.', '<context>What is 2+2?<response>4', 'naïve 東京 🙂', '   spaces\t\ttabs\n\n'];
    const ours = await new TextTokenizer(json).encodeBatch(samples);
    const out = JSON.parse(
      runPython(
        `
import sys, json
from tokenizers import Tokenizer
from transformers import PreTrainedTokenizerFast
samples = json.loads(sys.stdin.read())
tok = Tokenizer.from_file(sys.argv[1])
fast = PreTrainedTokenizerFast(tokenizer_file=sys.argv[1], eos_token="<|endoftext|>", pad_token="<pad>", additional_special_tokens=["<context>", "<response>"])
print(json.dumps({
  "tokenizers": [tok.encode(s, add_special_tokens=False).ids for s in samples],
  "transformers": [fast(s, add_special_tokens=False)["input_ids"] for s in samples],
  "decoded": [fast.decode(fast(s, add_special_tokens=False)["input_ids"]) for s in samples],
  "eos": fast.eos_token_id, "vocab": fast.vocab_size,
}))
`,
        [path],
        JSON.stringify(samples),
      ),
    ) as { tokenizers: number[][]; transformers: number[][]; decoded: string[]; eos: number; vocab: number };
    expect(out.tokenizers).toEqual(ours.ids);
    expect(out.transformers).toEqual(ours.ids);
    expect(out.decoded).toEqual(samples);
    expect(out.eos).toBe(0);
    expect(ours.ids[1]!.slice(0, 1)).toEqual([2]); // <context> is one special token
    expect(JSON.parse(readFileSync(path, 'utf8')).added_tokens.map((t: { content: string }) => t.content)).toEqual([...SPECIAL_TOKENS]);
  });
});
