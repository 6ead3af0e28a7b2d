// npm run bench:train — tokens/s of the EGen native trainer against an idiomatic PyTorch eager
// loop (scripts/bench/bench_train.py) on the same model, tokens and threads, alternating runs.
//
//   tsx scripts/bench-train.ts [--config tiny|gpt2|all] [--rounds N] [--steps N] [--threads N]
//
// Both sides time each optimizer step (batch assembly, forward, backward, clipping, AdamW, the
// loss read-back) after untimed warmup steps. Two figures per side: tokens/s at the median step
// and at the fastest step (the less noisy one on a shared machine). PyTorch runs twice: with
// AdamW's defaults (on the CPU that is the per-tensor for-loop) and with fused=True.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, train, writeTokenShard, type ModelConfig, type StepReport } from '../native/index.ts';
import { referencePython, PROJECT_ROOT } from './libtorch.ts';

interface BenchConfig {
  name: string;
  model: ModelConfig;
  batchSize: number;
  steps: number;
  warmupSteps: number;
}

const CONFIGS: BenchConfig[] = [
  { name: 'tiny', model: { vocabSize: 65, contextLength: 64, nLayer: 4, nHead: 4, nEmbd: 128 }, batchSize: 12, steps: 40, warmupSteps: 5 },
  { name: 'gpt2', model: { vocabSize: 50257, contextLength: 64, nLayer: 12, nHead: 12, nEmbd: 768 }, batchSize: 4, steps: 6, warmupSteps: 2 },
];

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
  median: number;
  best: number;
}

function timing(tokensPerStep: number, stepTimesMs: number[]): Timing {
  return { median: tokensPerStep / (median(stepTimesMs) / 1000), best: tokensPerStep / (Math.min(...stepTimesMs) / 1000) };
}

async function nativeRun(config: BenchConfig, checkpoint: string, shard: string, threads: number): Promise<Timing> {
  const steps: StepReport[] = [];
  const result = await train(
    {
      initFrom: checkpoint, trainShards: [shard], batchSize: config.batchSize, maxSteps: config.warmupSteps + config.steps,
      threads, learningRate: 6e-4, warmupSteps: 10, gradClip: 1.0, weightDecay: 0.1,
    },
    { onProgress: (e) => e.type === 'step' && steps.push(e) },
  ).done;
  if (result.status !== 'COMPLETED') throw new Error(`native run ended ${result.status}: ${result.reason}`);
  return timing(config.batchSize * config.model.contextLength, steps.slice(config.warmupSteps).map((s) => s.stepTimeMs));
}

function pythonRun(config: BenchConfig, checkpoint: string, shard: string, threads: number, fused: boolean): Timing {
  const job = { checkpoint, shard, steps: config.steps, warmupSteps: config.warmupSteps, batchSize: config.batchSize, threads, fused };
  const r = spawnSync(referencePython(), [join(PROJECT_ROOT, 'scripts', 'bench', 'bench_train.py'), JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`bench_train.py failed:\n${r.stderr}`);
  const { stepTimesMs } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { stepTimesMs: number[] };
  return timing(config.batchSize * config.model.contextLength, stepTimesMs);
}

async function main(): Promise<void> {
  const which = arg('config', 'all');
  const rounds = Number(arg('rounds', '2'));
  const threads = Number(arg('threads', String(cpus().length)));
  const dir = mkdtempSync(join(tmpdir(), 'egen-bench-'));
  try {
    for (const config of CONFIGS.filter((c) => which === 'all' || c.name === which)) {
      if (process.argv.includes('--steps')) config.steps = Number(arg('steps', String(config.steps)));
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
      console.log(`\n${config.name}: ${(parameters! / 1e6).toFixed(2)}M parameters, batch ${config.batchSize} × context ${config.model.contextLength}, ${threads} threads, ${config.steps} timed steps after ${config.warmupSteps} warmup, ${rounds} rounds`);
      const results = { native: [] as Timing[], torch: [] as Timing[], torchFused: [] as Timing[] };
      const show = (t: Timing) => `${t.median.toFixed(0)} (best ${t.best.toFixed(0)})`;
      for (let round = 0; round < rounds; round++) {
        results.native.push(await nativeRun(config, checkpoint, shard, threads));
        results.torch.push(pythonRun(config, checkpoint, shard, threads, false));
        results.torchFused.push(pythonRun(config, checkpoint, shard, threads, true));
        console.log(`  round ${round + 1} tok/s: EGen ${show(results.native.at(-1)!)}, PyTorch eager ${show(results.torch.at(-1)!)}, PyTorch eager + fused AdamW ${show(results.torchFused.at(-1)!)}`);
      }
      const summary = (list: Timing[]): Timing => ({ median: median(list.map((t) => t.median)), best: Math.max(...list.map((t) => t.best)) });
      const n = summary(results.native), t = summary(results.torch), f = summary(results.torchFused);
      console.log(`  ${config.name} tok/s (median of rounds; best step overall):`);
      console.log(`    EGen native                  ${show(n)}`);
      console.log(`    PyTorch eager                ${show(t)}   ratio ${(n.median / t.median).toFixed(2)}× (best ${(n.best / t.best).toFixed(2)}×)`);
      console.log(`    PyTorch eager + fused AdamW  ${show(f)}   ratio ${(n.median / f.median).toFixed(2)}× (best ${(n.best / f.best).toFixed(2)}×)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
