// npm run bench:ingest — ingestion throughput against Hugging Face's Python tokenizers.
//
// 1) BPE training, 4,096-token vocabulary, on ~100 MB of text (tiny Shakespeare repeated):
//    the native trainer vs Python tokenizers' BpeTrainer on the same file.
// 2) Ingest + normalize (NFC) + tokenize into shards with that tokenizer (EGen's whole path:
//    streaming reader, pipeline, records.jsonl, encoding with the `tokenizers` npm package —
//    each distinct pre-token once, in parallel batches — and shard files) vs Python tokenizers'
//    encode_batch on the same documents with the same tokenizer.json. The token counts printed
//    for both sides must agree.
// Prints MB/s, the ratio (EGen / Python; target ≥ 1.0×) and peak RSS of both processes.
//
// Options: --mb N (default 100), --keep (keep the temp folder).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildVersion } from '../server/src/datasets/ingest.ts';
import { trainTokenizer } from '../server/src/datasets/tokenizer.ts';
import { PROJECT_ROOT } from '../server/src/paths.ts';
import { pythonWithReferencePackages } from '../server/src/datasets/testing/python.ts';

const args = process.argv.slice(2);
const mbIndex = args.indexOf('--mb');
const targetMb = mbIndex >= 0 ? Number(args[mbIndex + 1]) : 100;
const VOCAB = 4096;

const dir = mkdtempSync(join(tmpdir(), 'egen-bench-'));
const corpus = join(dir, 'corpus.txt');
const shakespeare = readFileSync(join(PROJECT_ROOT, 'datasets', 'tinyshakespeare.txt'));
const fd = openSync(corpus, 'w');
let written = 0;
while (written < targetMb * 1e6) {
  writeSync(fd, shakespeare);
  writeSync(fd, '\n\n');
  written += shakespeare.length + 2;
}
closeSync(fd);
const bytes = statSync(corpus).size;
const mb = bytes / 1e6;
console.log(`corpus: ${mb.toFixed(1)} MB (tiny Shakespeare x ${Math.round(bytes / shakespeare.length)}), ${process.env.CI ? 'CI' : 'local'}, ${(await import('node:os')).cpus().length} CPUs`);

let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

const python = pythonWithReferencePackages();
function runPython(script: string): Record<string, number> {
  const withRss = `${script}\nimport resource\nprint(json.dumps({"peakRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))\n`;
  const result = spawnSync(python, ['-c', withRss, corpus, join(dir, 'tokenizer.json'), String(VOCAB)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`python failed:\n${result.stderr}`);
  const lines = result.stdout.trim().split('\n');
  return { ...(JSON.parse(lines.at(-2)!) as Record<string, number>), ...(JSON.parse(lines.at(-1)!) as Record<string, number>) };
}

// 1) training
let t = performance.now();
const json = await trainTokenizer([corpus], VOCAB);
const oursTrainS = (performance.now() - t) / 1000;
writeFileSync(join(dir, 'tokenizer.json'), json);
const pyTrain = runPython(`
import sys, json, time
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
tok = Tokenizer(models.BPE())
tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
tr = trainers.BpeTrainer(vocab_size=int(sys.argv[3]), special_tokens=["<|endoftext|>", "<pad>", "<context>", "<response>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
t = time.perf_counter(); tok.train([sys.argv[1]], tr); s = time.perf_counter() - t
ours = json.load(open(sys.argv[2]))["model"]["merges"]
theirs = json.loads(tok.to_str())["model"]["merges"]
print(json.dumps({"seconds": s, "sameMerges": int([list(m) for m in ours] == [list(m) if isinstance(m, list) else m.split(" ") for m in theirs])}))
`);

// 2) ingest + normalize + tokenize into shards
t = performance.now();
const built = await buildVersion({
  workDir: join(dir, 'version'),
  source: { kind: 'file', path: corpus, read: { format: 'text' }, mapping: {} },
  pipeline: { steps: [{ type: 'normalize', form: 'NFC' }] },
  plugins: [],
  badRows: 'fail',
  tokenizer: { json },
});
const oursIngestS = (performance.now() - t) / 1000;
clearInterval(sampler);
const tokens = built.shards.reduce((a, s) => a + s.header.count, 0);
const pyEncode = runPython(`
import sys, json, time
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[2])
t0 = time.perf_counter()
import re
docs = [d for d in re.split(r"\\n[ \\t\\f\\v]*\\n(?:[ \\t\\f\\v]*\\n)*", open(sys.argv[1], encoding="utf-8").read()) if d.strip()]
t1 = time.perf_counter()
encs = tok.encode_batch(docs, add_special_tokens=False)
t2 = time.perf_counter()
print(json.dumps({"encodeSeconds": t2 - t1, "readSeconds": t1 - t0, "tokens": sum(len(e.ids) for e in encs) + len(docs)}))
`);

const oursMbS = mb / oursIngestS;
const pyMbS = mb / pyEncode.encodeSeconds!;
const line = (label: string, value: string): void => console.log(`${label.padEnd(44)} ${value}`);
console.log('\nBPE training, vocabulary 4096');
line('  EGen native trainer', `${oursTrainS.toFixed(2)} s`);
line('  Python tokenizers BpeTrainer', `${pyTrain.seconds!.toFixed(2)} s (same merges: ${pyTrain.sameMerges ? 'yes' : 'NO'})`);
line('  ratio (Python time / EGen time, target >= 1.0x)', `${(pyTrain.seconds! / oursTrainS).toFixed(2)}x`);
console.log('\nIngest + normalize + tokenize into shards');
line('  EGen (read, NFC, records.jsonl, encode, shards)', `${oursMbS.toFixed(2)} MB/s (${oursIngestS.toFixed(1)} s, ${tokens} tokens)`);
line('  Python tokenizers encode_batch (encode only)', `${pyMbS.toFixed(2)} MB/s (${pyEncode.encodeSeconds!.toFixed(1)} s, ${pyEncode.tokens} tokens)`);
line('  ratio (EGen / Python, target >= 1.0x)', `${(oursMbS / pyMbS).toFixed(2)}x`);
console.log('\nPeak RSS');
line('  EGen process (trainer + ingest)', `${(peakRss / 1024 / 1024).toFixed(0)} MB`);
line('  Python training process', `${pyTrain.peakRssMb!.toFixed(0)} MB`);
line('  Python encoding process', `${pyEncode.peakRssMb!.toFixed(0)} MB`);

if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
else console.log(`kept ${dir}`);
