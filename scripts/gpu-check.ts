// The CUDA paths of the native core, checked on a machine with a GPU (CI machines have none, so
// the test suite cannot): device selection, bf16 and fp16 training (fp16 with dynamic loss
// scaling), exact resume on the GPU, generation with and without the KV cache. Prints one line
// per check and exits non-zero when one fails. The GPU throughput figure is `npm run bench:train
// -- --config gpt2-cuda`; scripts/gpu/run.sh runs both on a bare GPU host.
//
//   tsx scripts/gpu-check.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createModel, openModel, train, version, writeTokenShard, type ModelConfig, type StepReport, type TrainOptions, type TrainingResult } from '../native/index.ts';
import { syntheticTokens } from '../native/test/synthetic-tokens.ts';

const SMALL: ModelConfig = { vocabSize: 96, contextLength: 64, nLayer: 2, nHead: 4, nEmbd: 64 };

let failures = 0;
function check(name: string, ok: boolean, detail: string): void {
  if (!ok) failures += 1;
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}: ${detail}`);
}

async function run(options: TrainOptions): Promise<{ result: TrainingResult; steps: StepReport[] }> {
  const steps: StepReport[] = [];
  const result = await train(options, { onProgress: (e) => e.type === 'step' && steps.push(e) }).done;
  return { result, steps };
}

function maxRelativeDifference(a: number[], b: number[]): number {
  let worst = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(a[i]!), 1e-12));
  return a.length === b.length ? worst : Infinity;
}

async function main(): Promise<void> {
  const info = version();
  console.log(`libtorch ${info.libtorch}, CUDA ${info.cudaVersion ?? 'none'}, devices: ${info.devices.map((d) => `${d.type}:${d.index} ${d.name}`).join(', ')}`);
  if (!info.cudaAvailable) {
    console.log('CUDA is not available here: nothing to check');
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'egen-gpu-'));
  try {
    const tokens = syntheticTokens(200_000, SMALL.vocabSize, 7);
    const shard = join(dir, 'tokens');
    writeTokenShard(shard, tokens, SMALL.vocabSize);
    const { path: init } = await createModel({ model: SMALL, outputDir: join(dir, 'init'), seed: 3 });
    const base: TrainOptions = { initFrom: init, trainShards: [shard], batchSize: 8, learningRate: 3e-3, warmupSteps: 5, seed: 11, device: 'cuda' };

    // 1) Device selection: a missing device is a clear error, not a crash.
    const missing = await train({ ...base, maxSteps: 1, device: 'cuda:7' }).done.then(
      () => null,
      (e: Error) => e.message,
    );
    check('missing device', missing !== null && /cuda:7/.test(missing), missing ?? 'no error');

    // 2) bf16 and fp16 train on the GPU and learn; fp16 reports its loss scale.
    for (const precision of ['bf16', 'fp16'] as const) {
      const { result, steps } = await run({ ...base, maxSteps: 60, precision });
      const first = steps[0]!.loss,
        last = steps.at(-1)!.loss;
      const scale = precision === 'fp16' ? `, loss scale ${steps.at(-1)!.lossScale}, ${steps.filter((s) => s.skipped).length} skipped` : '';
      check(
        `${precision} training`,
        result.status === 'COMPLETED' && result.device.startsWith('cuda') && last < first * 0.8 && (precision !== 'fp16' || typeof steps.at(-1)!.lossScale === 'number'),
        `${result.status} on ${result.device}, loss ${first.toFixed(4)} → ${last.toFixed(4)}${scale}`,
      );
    }

    // 3) Resume on the GPU: stop at step 10, resume to 20; losses as the uninterrupted run. With
    // the fused attention kernels two uninterrupted runs already differ (atomic accumulation in
    // their backward): shown for information; `deterministic` runs must match within 1e-6.
    for (const precision of ['fp32', 'bf16', 'fp16'] as const) {
      const fast = [await run({ ...base, maxSteps: 20, precision }), await run({ ...base, maxSteps: 20, precision })];
      const noise = maxRelativeDifference(
        fast[0]!.steps.map((s) => s.loss),
        fast[1]!.steps.map((s) => s.loss),
      );
      const options = { ...base, precision, deterministic: true };
      const whole = await run({ ...options, maxSteps: 20, checkpointDir: join(dir, `whole-${precision}`), checkpointEvery: 10, keepLast: 5 });
      const resumed = await run({ ...options, initFrom: undefined, resumeFrom: join(dir, `whole-${precision}`, 'step-00000010'), maxSteps: 20 });
      const diff = maxRelativeDifference(
        whole.steps.slice(10).map((s) => s.loss),
        resumed.steps.map((s) => s.loss),
      );
      check(
        `${precision} resume`,
        resumed.result.status === 'COMPLETED' && diff <= 1e-6,
        `deterministic: steps 11-20 max relative loss difference ${diff.toExponential(2)} (bound 1e-6); fused kernels, two uninterrupted runs: ${noise.toExponential(2)}`,
      );
    }

    // 4) Generation on the GPU: the KV cache changes nothing; batched prompts work.
    const trained = await run({ ...base, maxSteps: 40, checkpointDir: join(dir, 'gen') });
    const model = await openModel({ checkpoint: trained.result.lastCheckpoint!, device: 'cuda' });
    try {
      const prompts = [
        [1, 2, 3, 4],
        [5, 6],
      ];
      const cached = await model.generate({ prompts, maxNewTokens: 40, temperature: 0 });
      const uncached = await model.generate({ prompts, maxNewTokens: 40, temperature: 0, useCache: false });
      check(
        'generation cache',
        JSON.stringify(cached.sequences) === JSON.stringify(uncached.sequences) && cached.sequences.every((s) => s.length === 40),
        `on ${model.info.device}: ${cached.sequences.map((s) => s.length).join('+')} tokens, identical with and without the KV cache`,
      );
      const sampled = await model.generate({ prompts, maxNewTokens: 20, temperature: 0.8, topK: 20, topP: 0.9, seed: 5 });
      const again = await model.generate({ prompts, maxNewTokens: 20, temperature: 0.8, topK: 20, topP: 0.9, seed: 5 });
      check('seeded sampling', JSON.stringify(sampled.sequences) === JSON.stringify(again.sequences), 'same seed, same tokens');
    } finally {
      model.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(failures === 0 ? 'all GPU checks passed' : `${failures} GPU check(s) failed`);
  process.exit(failures === 0 ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
