// train(): the loop on its own thread, controls, failure modes, checkpoints and exact resume.
import { readdirSync, readFileSync, writeFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createModel, train, version, type StepReport, type TrainingEvent, type TrainOptions } from '../index.ts';
import { makeShard, TINY, tempDir } from './helpers.ts';

const dir = tempDir('train');
const trainShard = makeShard(dir, 'train', 20000);
const valShard = makeShard(dir, 'val', 3000, 65, 2);
const base: TrainOptions = { model: TINY, trainShards: [trainShard], batchSize: 4, threads: 1, learningRate: 3e-3, warmupSteps: 2 };

function collect(options: TrainOptions, hook?: (r: StepReport) => boolean | void) {
  const events: TrainingEvent[] = [];
  const handle = train(options, { onProgress: (e) => events.push(e), onStep: hook });
  return { handle, events, steps: () => events.filter((e): e is StepReport => e.type === 'step') };
}

describe('train()', () => {
  it('reports every step with all metrics while the event loop keeps running', async () => {
    version(); // load the addon (and libtorch) first: dlopen itself takes a while
    let ticks = 0;
    let last = performance.now();
    let longestGap = 0;
    const timer = setInterval(() => {
      ticks++;
      longestGap = Math.max(longestGap, performance.now() - last);
      last = performance.now();
    }, 5);
    const started = performance.now();
    const { handle, events, steps } = collect({ ...base, model: { ...TINY, nEmbd: 64 }, maxSteps: 120, validationShards: [valShard], evalEvery: 40, evalBatches: 2 });
    const result = await handle.done;
    const elapsed = performance.now() - started;
    clearInterval(timer);
    expect(result.status).toBe('COMPLETED');
    expect(result.step).toBe(120);
    expect(events[0]).toMatchObject({ type: 'start', step: 0, maxSteps: 120, device: 'cpu', precision: 'fp32', threads: 1 });
    expect(steps().map((s) => s.step)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
    for (const s of steps()) {
      expect(Number.isFinite(s.loss) && s.lr > 0 && s.gradNorm > 0 && s.tokensPerSecond > 0 && s.stepTimeMs > 0 && s.mfu > 0 && s.memoryBytes > 0).toBe(true);
    }
    expect(steps().at(-1)!.loss).toBeLessThan(steps()[0]!.loss);
    const evals = events.filter((e) => e.type === 'eval');
    expect(evals.map((e) => e.step)).toEqual([40, 80, 120]);
    expect(evals[2]).toMatchObject({ perplexity: Math.exp((evals[2] as { valLoss: number }).valLoss) });
    // the timer fired throughout: the loop was never blocked for long
    console.log(`training took ${elapsed.toFixed(0)} ms; the 5 ms timer fired ${ticks} times, longest gap ${longestGap.toFixed(0)} ms`);
    expect(ticks).toBeGreaterThan(20);
    expect(longestGap).toBeLessThan(elapsed / 3); // a blocked loop would show one gap as long as the run
  });

  it('pauses at a step boundary, resumes, and cancel() returns the last state', async () => {
    const events: TrainingEvent[] = [];
    let pausedAt = -1;
    // The callbacks run on later event-loop turns, after `handle` is assigned.
    const handle = train(
      { ...base, maxSteps: 1_000_000 },
      {
        onProgress: (e) => {
          events.push(e);
          if (e.type === 'step' && e.step === 3) handle.pause();
          if (e.type === 'status' && e.status === 'PAUSED') pausedAt = e.step;
        },
      },
    );
    while (pausedAt < 0) await new Promise((r) => setTimeout(r, 5));
    expect(handle.status).toBe('PAUSED');
    const countWhilePaused = events.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(events.length).toBe(countWhilePaused); // nothing happens while paused
    // the pause lands at the first step boundary after the request (steps run ahead of delivery)
    const lastStep = events.filter((e): e is StepReport => e.type === 'step').at(-1)!.step;
    expect(pausedAt).toBeGreaterThanOrEqual(3);
    expect(lastStep).toBe(pausedAt);
    handle.resume();
    while (!events.some((e) => e.type === 'step' && e.step >= pausedAt + 2)) await new Promise((r) => setTimeout(r, 2));
    const result = await handle.cancel();
    expect(result.status).toBe('CANCELLED');
    expect(handle.status).toBe('CANCELLED');
    const steps = events.filter((e): e is StepReport => e.type === 'step');
    expect(result.step).toBe(steps.at(-1)!.step);
    expect(result.loss).toBe(steps.at(-1)!.loss);
    expect(events.some((e) => e.type === 'status' && e.status === 'IN_PROGRESS')).toBe(true);
  });

  it('accumulates gradients over micro-batches like one large batch', async () => {
    const opts: TrainOptions = { ...base, sampling: 'sequential', maxSteps: 3 };
    // One run at a time: runs in one process share libtorch's global generator (model init).
    const whole = collect({ ...opts, batchSize: 4 });
    await whole.handle.done;
    const split = collect({ ...opts, batchSize: 2, gradientAccumulationSteps: 2 });
    await split.handle.done;
    whole.steps().forEach((s, i) => {
      expect(Math.abs(s.loss - split.steps()[i]!.loss)).toBeLessThan(1e-5);
      expect(Math.abs(s.gradNorm - split.steps()[i]!.gradNorm) / s.gradNorm).toBeLessThan(1e-4);
    });
  });

  it('trains the same model in deterministic mode (attention in plain operations) as with the fused kernel', async () => {
    // On CUDA this mode makes resume exact (scripts/gpu-check.ts); here it must not change the model.
    const opts: TrainOptions = { ...base, sampling: 'sequential', maxSteps: 5, model: { ...TINY, contextLength: 16 } };
    const fused = collect(opts);
    await fused.handle.done;
    const plain = collect({ ...opts, deterministic: true });
    expect((await plain.handle.done).status).toBe('COMPLETED');
    expect(plain.steps()).toHaveLength(5);
    plain.steps().forEach((s, i) => expect(Math.abs(s.loss - fused.steps()[i]!.loss)).toBeLessThan(1e-5));
    await expect(Promise.resolve().then(() => train({ ...base, deterministic: 'yes' as unknown as boolean }))).rejects.toThrow(/options\.deterministic/);
  });

  it('runs bf16 autocast on the CPU and refuses fp16 there', async () => {
    const { handle, events, steps } = collect({ ...base, maxSteps: 3, precision: 'bf16' });
    const result = await handle.done;
    expect(result.precision).toBe('bf16');
    expect(events[0]).toMatchObject({ precision: 'bf16' });
    expect(steps().every((s) => Number.isFinite(s.loss))).toBe(true);
    await expect(train({ ...base, maxSteps: 1, precision: 'fp16' }).done).rejects.toThrow('train: precision "fp16" needs a CUDA device (dynamic loss scaling); use "bf16" or "fp32" on the CPU');
    await expect(train({ ...base, maxSteps: 1, device: 'cuda' }).done).rejects.toThrow(/device "cuda" was requested but CUDA is not available/);
  });

  it('follows the learning-rate schedule: warmup, then cosine, linear or constant decay to the floor', async () => {
    const lrs = async (lrDecay: 'cosine' | 'linear' | 'constant') => {
      const { handle, steps } = collect({ ...base, maxSteps: 8, learningRate: 1e-3, minLearningRate: 1e-4, warmupSteps: 2, lrDecaySteps: 6, lrDecay });
      await handle.done;
      return steps().map((s) => s.lr);
    };
    const warmup = [1e-3 / 3, (2 * 1e-3) / 3];
    const close = (actual: number[], expected: number[]) => actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    close(await lrs('linear'), [...warmup, 1e-3, 1e-4 + 0.75 * 9e-4, 1e-4 + 0.5 * 9e-4, 1e-4 + 0.25 * 9e-4, 1e-4, 1e-4]);
    close(await lrs('cosine'), [...warmup, 1e-3, 1e-4 + 0.5 * (1 + Math.cos(Math.PI / 4)) * 9e-4, 1e-4 + 0.5 * 9e-4, 1e-4 + 0.5 * (1 + Math.cos((3 * Math.PI) / 4)) * 9e-4, 1e-4, 1e-4]);
    close(await lrs('constant'), [...warmup, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3]);
  });

  it('stops with a clear reason when the loss is NaN, after reporting the step', async () => {
    const { path } = await createModel({ model: TINY, outputDir: join(dir, 'nan-model') });
    // Poison the embeddings, then fix the checksum so the checkpoint still verifies.
    const file = join(path, 'model.safetensors');
    const bytes = readFileSync(file);
    const n = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString()) as Record<string, { data_offsets: [number, number] }>;
    const [begin] = header['transformer.wte.weight']!.data_offsets;
    for (let i = 0; i < 65 * 32; i++) bytes.writeFloatLE(Number.NaN, 8 + n + begin + i * 4);
    writeFileSync(file, bytes);
    const manifest = JSON.parse(readFileSync(join(path, 'checkpoint.json'), 'utf8'));
    manifest.files['model.safetensors'].crc32 = crc32(bytes);
    writeFileSync(join(path, 'checkpoint.json'), JSON.stringify(manifest));
    const { handle, steps } = collect({ ...base, model: undefined, initFrom: path, maxSteps: 5 });
    const result = await handle.done;
    expect(result.status).toBe('FAILED');
    expect(result.reason).toBe('loss is NaN at step 1');
    expect(steps()).toHaveLength(1);
    expect(steps()[0]!.loss).toBeNaN();
  });

  it('skips the update of a step whose gradient norm exceeds skipGradNormAbove, leaving the weights as they were', async () => {
    const { path } = await createModel({ model: TINY, outputDir: join(dir, 'skip-model'), seed: 3 });
    const options = { ...base, model: undefined, initFrom: path, maxSteps: 6, sampling: 'sequential' as const };
    // Every norm is above 1e-9: no step changes the weights, so each loss is the untrained
    // model's loss on that batch — the same as a run whose updates are all zero-sized.
    // One run at a time (runs in one process share libtorch's global state).
    const skipping = collect({ ...options, skipGradNormAbove: 1e-9 });
    expect((await skipping.handle.done).status).toBe('COMPLETED');
    const frozen = collect({ ...options, learningRate: 1e-30, minLearningRate: 0, weightDecay: 0 });
    await frozen.handle.done;
    const trained = collect(options);
    await trained.handle.done;
    expect(skipping.steps().every((s) => s.skipped)).toBe(true);
    expect(frozen.steps().some((s) => s.skipped)).toBe(false);
    expect(skipping.steps().map((s) => s.loss)).toEqual(frozen.steps().map((s) => s.loss));
    expect(trained.steps().at(-1)!.loss).not.toBe(skipping.steps().at(-1)!.loss);
    // A threshold above every norm skips nothing.
    const none = collect({ ...options, skipGradNormAbove: 1e9 });
    await none.handle.done;
    expect(none.steps().map((s) => s.loss)).toEqual(trained.steps().map((s) => s.loss));
    expect(() => train({ ...options, skipGradNormAbove: -1 })).toThrow(/skipGradNormAbove/);
  });

  it('stops early when the onStep hook says so', async () => {
    const seen: number[] = [];
    const { handle, steps } = collect({ ...base, maxSteps: 50 }, (r) => {
      seen.push(r.step);
      return r.step === 4;
    });
    const result = await handle.done;
    expect(result).toMatchObject({ status: 'COMPLETED', stoppedEarly: true, step: 4, reason: 'stopped by the onStep hook at step 4' });
    expect(seen).toEqual([1, 2, 3, 4]);
    expect(steps().map((s) => s.step)).toEqual([1, 2, 3, 4]);
  });

  it('rejects done with the error of a throwing or asynchronous callback', async () => {
    const asyncHook = train({ ...base, maxSteps: 50 }, { onStep: (async () => false) as never });
    await expect(asyncHook.done).rejects.toThrow('Expected callbacks.onStep to return a boolean synchronously but it returned a promise');
    const throwing = train(
      { ...base, maxSteps: 50 },
      {
        onProgress: (e) => {
          if (e.type === 'step') throw new Error('boom');
        },
      },
    );
    await expect(throwing.done).rejects.toThrow('boom');
    expect(throwing.status).toBe('CANCELLED');
  });
});

describe('checkpoints', () => {
  it('keeps the last N and the best, and resume is bitwise exact (fp32, CPU, fixed threads)', async () => {
    const ckpt = join(dir, 'exact');
    // dropout exercises the saved RNG state; random windows exercise the data cursor
    const opts: TrainOptions = { ...base, model: { ...TINY, dropout: 0.1 }, maxSteps: 12, validationShards: [valShard], evalEvery: 2, evalBatches: 2 };
    const full = collect({ ...opts, checkpointDir: join(dir, 'full'), checkpointEvery: 2, keepLast: 2 });
    const fullResult = await full.handle.done;
    const kept = readdirSync(join(dir, 'full')).sort();
    expect(kept.slice(-2)).toEqual(['step-00000010', 'step-00000012']);
    expect(kept.length).toBeLessThanOrEqual(3);
    expect(kept).toContain(fullResult.bestCheckpoint!.split('/').pop());
    expect(readdirSync(fullResult.lastCheckpoint!).sort()).toEqual(['checkpoint.json', 'model.safetensors', 'optimizer.safetensors', 'rng.safetensors']);

    // Stop after step 5 (the final checkpoint is written), then resume to step 12.
    const first = collect({ ...opts, checkpointDir: ckpt }, (r) => r.step === 5);
    const stopped = await first.handle.done;
    expect(stopped.lastCheckpoint).toBe(join(ckpt, 'step-00000005'));
    const second = collect({ ...opts, resumeFrom: stopped.lastCheckpoint!, checkpointDir: ckpt });
    const resumed = await second.handle.done;
    expect(resumed.step).toBe(12);
    const interrupted = [...first.steps(), ...second.steps()];
    expect(interrupted.map((s) => s.step)).toEqual(full.steps().map((s) => s.step));
    interrupted.forEach((s, i) => {
      expect(s.loss).toBe(full.steps()[i]!.loss); // bitwise
      expect(s.gradNorm).toBe(full.steps()[i]!.gradNorm);
      expect(s.lr).toBe(full.steps()[i]!.lr);
    });
    expect(resumed.cursor).toBe(fullResult.cursor);
    expect(resumed.valLoss).toBe(fullResult.valLoss);
  });

  it('resumes bf16 runs to within 1e-6 relative', async () => {
    const opts: TrainOptions = { ...base, precision: 'bf16', maxSteps: 6 };
    const full = collect(opts);
    await full.handle.done;
    const first = collect({ ...opts, checkpointDir: join(dir, 'bf16') }, (r) => r.step === 3);
    const stopped = await first.handle.done;
    const second = collect({ ...opts, resumeFrom: stopped.lastCheckpoint! });
    await second.handle.done;
    [...first.steps(), ...second.steps()].forEach((s, i) => {
      expect(Math.abs(s.loss - full.steps()[i]!.loss) / full.steps()[i]!.loss).toBeLessThanOrEqual(1e-6);
    });
  });

  it('rejects a corrupt or truncated checkpoint and a different model config, naming the file or field', async () => {
    const ckpt = join(dir, 'bad');
    const result = await train({ ...base, maxSteps: 2, checkpointDir: ckpt }).done;
    const last = result.lastCheckpoint!;
    await expect(train({ ...base, model: { ...TINY, nLayer: 3 }, resumeFrom: last, maxSteps: 4 }).done).rejects.toThrow(`train: resumeFrom checkpoint ${last} was saved with a different model: nLayer (3 here, 2 in the checkpoint)`);
    await expect(train({ ...base, model: { ...TINY, nEmbd: 64, nHead: 2 }, initFrom: last, maxSteps: 4 }).done).rejects.toThrow(/nEmbd \(64 here, 32 in the checkpoint\)/);

    const optimizer = join(last, 'optimizer.safetensors');
    const bytes = readFileSync(optimizer);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 3) ^ 0xff, bytes.length - 3);
    writeFileSync(optimizer, bytes);
    await expect(train({ ...base, resumeFrom: last, maxSteps: 4 }).done).rejects.toThrow(`checkpoint file ${optimizer} is corrupt: checksum mismatch`);
    truncateSync(join(last, 'model.safetensors'), 100);
    await expect(train({ ...base, resumeFrom: last, maxSteps: 4 }).done).rejects.toThrow(/model\.safetensors is truncated or corrupt: 100 bytes, expected \d+/);
    writeFileSync(join(last, 'checkpoint.json'), '{"format":');
    await expect(train({ ...base, resumeFrom: last, maxSteps: 4 }).done).rejects.toThrow(/checkpoint\.json is not valid JSON/);
  });
});
