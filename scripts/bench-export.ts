// npm run bench:export — GPT-2 124M (random initialization) exported to every format EGen
// writes: seconds to write, seconds for the parity check, peak resident memory, size on disk and
// the parity figure (max |Δ logit| against the native model on the parity prompts, with the
// format's tolerance); then ONNX inference through onnxruntime-node against EGen's native forward
// on the same batch (median ms and their ratio).
//
// Each format runs in a child process of its own, so that its peak RSS is its own.
// Options: --dtype fp32|fp16|bf16 (default fp32), --formats A,B (default all), --threads N.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createModel, openModel } from '../native/index.ts';
import { EXPORT_OPTIONS, type ExportOptions } from '../schema/options/export-options.ts';
import { type ExportFormat, type ExportedModel, maxAbsDifference, PARITY_TOLERANCE, parityPrompts } from '../server/src/models/export/export-format.ts';
import { FORMAT_WRITERS } from '../server/src/models/export/format-writers.ts';
import { benchmarkOnnxInference } from '../server/src/models/export/onnx/onnx-benchmark.ts';

const GPT2_124M: ExportedModel = { vocabSize: 50257, contextLength: 1024, nLayer: 12, nHead: 12, nEmbd: 768, dropout: 0, bias: true };
const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(0)} MB`;

interface FormatFigures {
  format: string;
  writeSeconds: number;
  paritySeconds: number;
  peakRssBytes: number;
  bytes: number;
  maxAbsDifference: number;
  tolerance: number;
  runtime: string;
  /** The longest the event loop waited during write and parity: how long a server running the export would not answer. */
  maxLoopStallMs: number;
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).reduce((sum, name) => {
    const stat = statSync(join(dir, name));
    return stat.isFile() ? sum + stat.size : sum;
  }, 0);
}

/** One format, in this (child) process: write, then parity as the export job does it. */
async function exportOne(format: ExportFormat, checkpointDir: string, outputDir: string, dtype: ExportOptions['dtype']): Promise<FormatFigures> {
  const writer = FORMAT_WRITERS[format];
  if (!writer) throw new Error(`no writer for ${format}`);
  const defaults = Object.fromEntries(Object.entries(EXPORT_OPTIONS).map(([key, spec]) => [key, spec.default])) as ExportOptions;
  const options: ExportOptions = { ...defaults, dtype };
  const refusal = writer.refuse(GPT2_124M, options);
  if (refusal) throw new Error(`${format} refuses: ${refusal}`);
  mkdirSync(outputDir, { recursive: true });
  const ctx = { checkpointDir, adapterCheckpointDir: null, outputDir, model: GPT2_124M, tokenizerJson: null, specialTokens: [], options, signal: new AbortController().signal, progress: () => undefined };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const writeStart = performance.now();
  await writer.write(ctx);
  const writeSeconds = (performance.now() - writeStart) / 1000;
  const prompts = parityPrompts(GPT2_124M);
  const parityStart = performance.now();
  const model = await openModel({ checkpoint: checkpointDir, device: 'cpu' });
  let reference: Float32Array;
  try {
    reference = (await model.logits({ inputs: prompts })).data;
  } finally {
    model.dispose();
  }
  const exported = await writer.parityLogits(ctx, prompts);
  const paritySeconds = (performance.now() - parityStart) / 1000;
  loop.disable();
  return {
    format,
    writeSeconds,
    paritySeconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    bytes: folderBytes(outputDir),
    maxAbsDifference: maxAbsDifference(reference, exported),
    tolerance: PARITY_TOLERANCE[dtype],
    runtime: writer.parityRuntime,
    maxLoopStallMs: loop.max / 1e6,
  };
}

if (option('--child')) {
  const figures = await exportOne(option('--child') as ExportFormat, option('--checkpoint')!, option('--out')!, option('--dtype') as ExportOptions['dtype']);
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  process.exit(0);
}

const dtype = (option('--dtype') ?? 'fp32') as ExportOptions['dtype'];
const formats = (option('--formats')?.split(',') ?? Object.keys(FORMAT_WRITERS)) as ExportFormat[];
const threads = Number(option('--threads') ?? availableParallelism());
const work = mkdtempSync(join(tmpdir(), 'egen-bench-export-'));
try {
  console.log(`GPT-2 124M (random init), ${dtype}, ${threads} threads; formats: ${formats.join(', ')}`);
  const { path: checkpointDir, parameters } = await createModel({ model: GPT2_124M, outputDir: join(work, 'checkpoint'), seed: 1 });
  console.log(`checkpoint: ${((parameters ?? 0) / 1e6).toFixed(1)} M parameters, ${mb(folderBytes(checkpointDir))}\n`);
  const rows: FormatFigures[] = [];
  for (const format of formats) {
    const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', format, '--checkpoint', checkpointDir, '--out', join(work, format), '--dtype', dtype], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, OMP_NUM_THREADS: String(threads) },
    });
    if (child.status !== 0) throw new Error(`${format}: the export failed (exit ${child.status})`);
    rows.push(JSON.parse(child.stdout.trim().split('\n').at(-1)!) as FormatFigures);
  }
  console.log('format        write s  parity s  loop stall  peak RSS   on disk   max |Δ logit|  tolerance  parity runtime');
  for (const r of rows) {
    console.log(
      `${r.format.padEnd(12)}  ${r.writeSeconds.toFixed(1).padStart(7)}  ${r.paritySeconds.toFixed(1).padStart(8)}  ${`${r.maxLoopStallMs.toFixed(0)} ms`.padStart(10)}  ${mb(r.peakRssBytes).padStart(8)}  ${mb(r.bytes).padStart(8)}  ${r.maxAbsDifference.toExponential(2).padStart(13)}  ${r.tolerance.toExponential(0).padStart(9)}  ${r.runtime}`,
    );
  }
  if (formats.includes('ONNX' as ExportFormat)) {
    const onnx = await benchmarkOnnxInference({ checkpointDir, onnxPath: join(work, 'ONNX', 'model.onnx'), threads });
    console.log(`\nforward pass, batch ${onnx.batchSize} × ${onnx.sequenceLength} tokens, ${onnx.threads} threads, median of ${onnx.runs}:`);
    console.log(`  onnxruntime-node ${onnx.onnxMs.toFixed(0)} ms   EGen native ${onnx.nativeMs.toFixed(0)} ms   ratio onnx/native ${onnx.ratio.toFixed(2)}×   max |Δ logit| ${onnx.maxAbsDifference.toExponential(2)}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
