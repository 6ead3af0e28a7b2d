// npm run bench:train — tokens/s of the EGen native trainer against an idiomatic PyTorch eager
// loop (scripts/bench/bench_train.py) on the same model, tokens and threads, alternating runs.
//
//   tsx scripts/bench-train.ts [--config tiny|gpt2|gpt2-cuda|all] [--rounds N] [--steps N] [--threads N] [--batch N]
//
// tiny and gpt2 are the CPU targets; gpt2-cuda (GPT-2 124M, bf16, context 1024) runs where CUDA
// is available ("all" includes it then) and reports MFU against an H100's 989 TFLOP/s dense
// bf16 (override with --peak-flops), with nanoGPT's FLOPs per token: 6N + 12·L·H·Q·T.
//
// Both sides time each optimizer step (batch assembly, forward, backward, clipping, AdamW, the
// loss read-back) after untimed warmup steps. Two figures per side: tokens/s at the median step
// and at the fastest step, and tokens per CPU-second × threads (the steadiest on a shared
// machine, where wall time mostly measures the neighbours). PyTorch runs twice: with
// AdamW's defaults (on the CPU that is the per-tensor for-loop) and with fused=True.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, train, version, writeTokenShard, type ModelConfig, type Precision, type StepReport } from '../native/index.ts';
import { referencePython, PROJECT_ROOT } from './libtorch.ts';

interface BenchConfig {
  name: string;
  model: ModelConfig;
  batchSize: number;
  steps: number;
  warmupSteps: number;
  device: 'cpu' | 'cuda';
  precision: Precision;
}

const CONFIGS: BenchConfig[] = [
  { name: 'tiny', model: { vocabSize: 65, contextLength: 64, nLayer: 4, nHead: 4, nEmbd: 128 }, batchSize: 12, steps: 40, warmupSteps: 10, device: 'cpu', precision: 'fp32' },
  { name: 'gpt2', model: { vocabSize: 50257, contextLength: 64, nLayer: 12, nHead: 12, nEmbd: 768 }, batchSize: 4, steps: 6, warmupSteps: 2, device: 'cpu', precision: 'fp32' },
  { name: 'gpt2-cuda', model: { vocabSize: 50257, contextLength: 1024, nLayer: 12, nHead: 12, nEmbd: 768 }, batchSize: 16, steps: 20, warmupSteps: 5, device: 'cuda', precision: 'bf16' },
];

/** H100 SXM dense bf16 peak, the reference the issue sets for MFU. */
const H100_BF16_PEAK_FLOPS = 989e12;

/** nanoGPT's FLOPs per token (PaLM appendix B): 6N over the non-position parameters (the tied head once) plus attention. */
function flopsPerToken(m: ModelConfig): number {
  const d = m.nEmbd,
    L = m.nLayer;
  const n = L * (12 * d * d + 13 * d) + 2 * d + m.vocabSize * d;
  return 6 * n + 12 * L * m.nHead * (d / m.nHead) * m.contextLength;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Timing {
  /** tokens/s at the median step (wall clock) */
  median: number;
  /** tokens/s at the fastest step (wall clock) */
  best: number;
  /** tokens per CPU-second of the process, times the thread count: what the step's work allows on `threads` idle cores */
  cpu: number;
}

function timing(tokensPerStep: number, stepTimesMs: number[], cpuTimesMs: number[], threads: number): Timing {
  return {
    median: tokensPerStep / (median(stepTimesMs) / 1000),
    best: tokensPerStep / (Math.min(...stepTimesMs) / 1000),
    cpu: tokensPerStep / (median(cpuTimesMs) / 1000 / threads),
  };
}

async function nativeRun(config: BenchConfig, checkpoint: string, shard: string, threads: number): Promise<Timing> {
  const steps: StepReport[] = [];
  const result = await train(
    {
      initFrom: checkpoint,
      trainShards: [shard],
      batchSize: config.batchSize,
      maxSteps: config.warmupSteps + config.steps,
      threads,
      learningRate: 6e-4,
      warmupSteps: 10,
      gradClip: 1.0,
      weightDecay: 0.1,
      device: config.device,
      precision: config.precision,
    },
    { onProgress: (e) => e.type === 'step' && steps.push(e) },
  ).done;
  if (result.status !== 'COMPLETED') throw new Error(`native run ended ${result.status}: ${result.reason}`);
  const timed = steps.slice(config.warmupSteps);
  return timing(
    config.batchSize * config.model.contextLength,
    timed.map((s) => s.stepTimeMs),
    timed.map((s) => s.cpuTimeMs),
    threads,
  );
}

function pythonRun(config: BenchConfig, checkpoint: string, shard: string, threads: number, fused: boolean): Timing {
  const job = { checkpoint, shard, steps: config.steps, warmupSteps: config.warmupSteps, batchSize: config.batchSize, threads, fused, device: config.device, precision: config.precision };
  const r = spawnSync(referencePython(), [join(PROJECT_ROOT, 'scripts', 'bench', 'bench_train.py'), JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bench_train.py failed:\n${r.stderr}`);
  const { stepTimesMs, cpuTimesMs } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { stepTimesMs: number[]; cpuTimesMs: number[] };
  return timing(config.batchSize * config.model.contextLength, stepTimesMs, cpuTimesMs, threads);
}

/** Median ms per step of the step's matrix products alone (scripts/bench/bench_train.py gemm_floor). */
function gemmFloor(config: BenchConfig, threads: number): number {
  const job = { gemmFloor: true, model: config.model, batchSize: config.batchSize, threads };
  const r = spawnSync(referencePython(), [join(PROJECT_ROOT, 'scripts', 'bench', 'bench_train.py'), JSON.stringify(job)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bench_train.py gemm floor failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { gemmMs: number }).gemmMs;
}

async function main(): Promise<void> {
  const which = arg('config', 'all');
  const rounds = Number(arg('rounds', '2'));
  const threads = Number(arg('threads', String(cpus().length)));
  const peakFlops = Number(arg('peak-flops', String(H100_BF16_PEAK_FLOPS)));
  const cuda = version().cudaAvailable;
  const selected = CONFIGS.filter((c) => (which === 'all' ? c.device === 'cpu' || cuda : c.name === which));
  if (selected.length === 0) throw new Error(`--config ${which}: expected tiny, gpt2, gpt2-cuda or all`);
  if (selected.some((c) => c.device === 'cuda') && !cuda) throw new Error('--config gpt2-cuda needs CUDA, which this libtorch build or machine does not have');
  const dir = mkdtempSync(join(tmpdir(), 'egen-bench-'));
  try {
    for (const config of selected) {
      if (process.argv.includes('--steps')) config.steps = Number(arg('steps', String(config.steps)));
      if (process.argv.includes('--batch')) config.batchSize = Number(arg('batch', String(config.batchSize)));
      const { path: checkpoint, parameters } = await createModel({ model: config.model, outputDir: join(dir, `${config.name}-init`), seed: 1 });
      const count = 1_000_000;
      const tokens = new Uint16Array(count);
      let state = 12345;
      for (let i = 0; i < count; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        tokens[i] = state % config.model.vocabSize;
      }
      const shard = join(dir, `${config.name}-tokens`);
      writeTokenShard(shard, tokens, config.model.vocabSize);
      const where = config.device === 'cuda' ? `${config.device}, ${config.precision}` : `${threads} threads, ${config.precision}`;
      console.log(`\n${config.name}: ${(parameters! / 1e6).toFixed(2)}M parameters, batch ${config.batchSize} × context ${config.model.contextLength}, ${where}, ${config.steps} timed steps after ${config.warmupSteps} warmup, ${rounds} rounds`);
      const results = { native: [] as Timing[], torch: [] as Timing[], torchFused: [] as Timing[] };
      // On CUDA the CPU time says nothing about the GPU's work: show MFU instead.
      const show = (t: Timing) =>
        config.device === 'cuda'
          ? `${t.median.toFixed(0)} (best ${t.best.toFixed(0)}; MFU ${((100 * t.median * flopsPerToken(config.model)) / peakFlops).toFixed(1)}% of ${(peakFlops / 1e12).toFixed(0)} TFLOP/s)`
          : `${t.median.toFixed(0)} (best ${t.best.toFixed(0)}, by CPU time ${t.cpu.toFixed(0)})`;
      for (let round = 0; round < rounds; round++) {
        results.native.push(await nativeRun(config, checkpoint, shard, threads));
        results.torch.push(pythonRun(config, checkpoint, shard, threads, false));
        results.torchFused.push(pythonRun(config, checkpoint, shard, threads, true));
        console.log(`  round ${round + 1} tok/s: EGen ${show(results.native.at(-1)!)}, PyTorch eager ${show(results.torch.at(-1)!)}, PyTorch eager + fused AdamW ${show(results.torchFused.at(-1)!)}`);
      }
      const summary = (list: Timing[]): Timing => ({ median: median(list.map((t) => t.median)), best: Math.max(...list.map((t) => t.best)), cpu: median(list.map((t) => t.cpu)) });
      const ratio = (a: Timing, b: Timing) => `ratio ${(a.median / b.median).toFixed(2)}× (best ${(a.best / b.best).toFixed(2)}×${config.device === 'cuda' ? '' : `, by CPU time ${(a.cpu / b.cpu).toFixed(2)}×`})`;
      const n = summary(results.native),
        t = summary(results.torch),
        f = summary(results.torchFused);
      console.log(`  ${config.name} tok/s (median of rounds; best step overall${config.device === 'cuda' ? '' : '; by CPU time = tokens per CPU-second × threads, median of rounds'}):`);
      console.log(`    EGen native                  ${show(n)}`);
      console.log(`    PyTorch eager                ${show(t)}   EGen ${ratio(n, t)}`);
      console.log(`    PyTorch eager + fused AdamW  ${show(f)}   EGen ${ratio(n, f)}`);
      if (config.device === 'cpu') {
        // How much room there is: the step's matrix products alone, measured here and now.
        const floor = gemmFloor(config, threads);
        const ceiling = (config.batchSize * config.model.contextLength) / (floor / 1000);
        console.log(`    matrix products alone: ${floor.toFixed(1)} ms/step → no trainer exceeds ${ceiling.toFixed(0)} tok/s here = ${(ceiling / t.median).toFixed(2)}× PyTorch eager`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
