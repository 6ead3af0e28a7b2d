// Sequence classification in the native core: the score head against transformers'
// GPT2ForSequenceClassification (logits, loss, gradients), training on labelled example shards to
// a high macro-F1, exact resume, LoRA on a classifier, createModel from a causal LM, and the
// refusals between the two tasks.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModel, ExampleShardWriter, inspectGradients, openModel, train, type EvalReport, type ModelConfig, type StartEvent, type StepReport, type TrainingEvent, type TrainOptions } from '../index.ts';
import { makeShard, readSafetensors, runReference, tempDir, TINY } from './helpers.ts';

const dir = tempDir('classification');
const LABELS = 3;
const CLASSIFIER: ModelConfig = { ...TINY, task: 'classification', numLabels: LABELS };
// Marker token k (1..3) decides the label k - 1; fillers are drawn from 10..64. Token 0 never occurs
// (it is the reference's pad id), so padded and unpadded rows read the same.
const MARKERS = [1, 2, 3];

/** Deterministic labelled rows: 2..maxLength tokens, one marker at a random place among fillers. */
function labelledRows(count: number, seed: number, maxLength = TINY.contextLength): Array<{ tokens: number[]; label: number }> {
  let state = seed >>> 0;
  const next = (n: number): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) % n;
  };
  return Array.from({ length: count }, () => {
    const label = next(LABELS);
    const tokens = Array.from({ length: 2 + next(maxLength - 1) }, () => 10 + next(55));
    tokens[next(tokens.length)] = MARKERS[label]!;
    return { tokens, label };
  });
}

function writeShard(name: string, rows: Array<{ tokens: number[]; label: number }>): string {
  const path = join(dir, name);
  const writer = new ExampleShardWriter(path, { vocabSize: TINY.vocabSize, numLabels: LABELS });
  for (const row of rows) writer.add(row.tokens, row.label);
  writer.finish();
  return path;
}

function macroF1(predicted: number[], actual: number[]): number {
  let sum = 0;
  for (let k = 0; k < LABELS; k++) {
    const tp = predicted.filter((p, i) => p === k && actual[i] === k).length;
    const fp = predicted.filter((p, i) => p === k && actual[i] !== k).length;
    const fn = predicted.filter((p, i) => p !== k && actual[i] === k).length;
    sum += tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  return sum / LABELS;
}

function argmaxRows(logits: Float32Array, width: number): number[] {
  return Array.from({ length: logits.length / width }, (_, b) => {
    const row = Array.from(logits.subarray(b * width, b * width + width));
    return row.indexOf(Math.max(...row));
  });
}

const trainShard = writeShard('train', labelledRows(600, 1));
const valShard = writeShard('val', labelledRows(120, 2));
const heldOut = labelledRows(200, 3);
const base: TrainOptions = { model: CLASSIFIER, trainShards: [trainShard], batchSize: 8, threads: 1, learningRate: 3e-3, warmupSteps: 5 };

function collect(options: TrainOptions, hook?: (r: StepReport) => boolean | void) {
  const events: TrainingEvent[] = [];
  const handle = train(options, { onProgress: (e) => events.push(e), onStep: hook });
  return { handle, events, steps: () => events.filter((e): e is StepReport => e.type === 'step') };
}

describe('classification models', () => {
  it('classify equals GPT2ForSequenceClassification on rows of different lengths, and one step’s loss and gradients equal PyTorch’s', async () => {
    // A trained classifier, so that no weight is at its symmetric initialization.
    const { path: init } = await createModel({ model: CLASSIFIER, outputDir: join(dir, 'ref-init'), seed: 5 });
    const run = await train({ ...base, initFrom: init, maxSteps: 10, checkpointDir: join(dir, 'ref-run') }).done;
    const checkpoint = run.lastCheckpoint!;
    const rows = labelledRows(6, 9);
    const inputs = rows.map((r) => r.tokens);
    expect(new Set(inputs.map((r) => r.length)).size).toBeGreaterThan(2);

    const model = await openModel({ checkpoint, device: 'cpu' });
    try {
      expect(model.info.model).toMatchObject({ task: 'classification', numLabels: LABELS });
      const native = await model.classify({ inputs, threads: 1 });
      expect(native.shape).toEqual([rows.length, LABELS]);
      const reference = runReference<{ logits: number[]; class: string }>('classifier_reference.py', { checkpoint, inputs, padId: 0, threads: 1 });
      expect(reference.class).toBe('GPT2ForSequenceClassification');
      const maxDiff = Math.max(...reference.logits.map((v, i) => Math.abs(v - native.data[i]!)));
      console.log(`[classify] max |Δ logit| native vs transformers: ${maxDiff.toExponential(2)}`);
      expect(maxDiff).toBeLessThanOrEqual(1e-5);
      // A row's logits do not depend on the batch it is in (padding is never read).
      const alone = await model.classify({ inputs: [inputs[2]!], threads: 1 });
      for (let k = 0; k < LABELS; k++) expect(Math.abs(alone.data[k]! - native.data[2 * LABELS + k]!)).toBeLessThanOrEqual(1e-5);
    } finally {
      model.dispose();
    }

    const outputPath = join(dir, 'inspect.safetensors');
    const labels = rows.map((r) => r.label);
    const { loss } = await inspectGradients({ checkpoint, inputs, labels, outputPath, threads: 1 });
    const grads = [...readSafetensors(outputPath).keys()].filter((k) => k.startsWith('grad/'));
    expect(grads).toContain('grad/score.weight');
    const compared = runReference<{ loss: number; maxLogitDiff: number; lossDiff: number; gradRelDiff: Record<string, number> }>('classifier_reference.py', { checkpoint, inputs, labels, padId: 0, inspect: outputPath, threads: 1 });
    const worst = Math.max(...Object.values(compared.gradRelDiff));
    console.log(
      `[classify] loss ${loss.toFixed(6)}: |Δ loss| ${compared.lossDiff.toExponential(2)}, max |Δ logit| ${compared.maxLogitDiff.toExponential(2)}, worst relative gradient difference ${worst.toExponential(2)} over ${Object.keys(compared.gradRelDiff).length} parameters`,
    );
    expect(Object.keys(compared.gradRelDiff).length).toBe(grads.length);
    expect(compared.lossDiff).toBeLessThanOrEqual(1e-6);
    expect(compared.maxLogitDiff).toBeLessThanOrEqual(1e-5);
    expect(worst).toBeLessThanOrEqual(1e-4);
  });

  it('learns a separable labelled set to macro-F1 ≥ 0.9 on held-out rows, reporting validation loss and accuracy', async () => {
    const started = performance.now();
    const { handle, events } = collect({ ...base, maxSteps: 600, validationShards: [valShard], evalEvery: 200, evalBatches: 20, checkpointDir: join(dir, 'f1') });
    const result = await handle.done;
    const seconds = (performance.now() - started) / 1000;
    expect(result.status).toBe('COMPLETED');
    const evals = events.filter((e): e is EvalReport => e.type === 'eval');
    expect(evals.map((e) => e.step)).toEqual([200, 400, 600]);
    for (const e of evals) expect(e.valAccuracy! >= 0 && e.valAccuracy! <= 1 && Number.isFinite(e.valLoss)).toBe(true);
    expect(result.valAccuracy).toBe(evals.at(-1)!.valAccuracy);
    const model = await openModel({ checkpoint: result.lastCheckpoint!, device: 'cpu' });
    try {
      const { data } = await model.classify({ inputs: heldOut.map((r) => r.tokens), threads: 1 });
      const f1 = macroF1(
        argmaxRows(data, LABELS),
        heldOut.map((r) => r.label),
      );
      console.log(`[classify] 600 steps in ${seconds.toFixed(1)} s: validation accuracy ${evals.at(-1)!.valAccuracy!.toFixed(3)}, held-out macro-F1 ${f1.toFixed(3)}`);
      expect(f1).toBeGreaterThanOrEqual(0.9);
    } finally {
      model.dispose();
    }
  });

  it('resumes a classification run exactly (shuffled epochs, data cursor over examples)', async () => {
    // 600 examples / 8 per batch: the run crosses an epoch boundary (75 batches) between stop and end.
    const opts: TrainOptions = { ...base, model: { ...CLASSIFIER, dropout: 0.1 }, maxSteps: 80, validationShards: [valShard], evalEvery: 40, evalBatches: 2 };
    const full = collect(opts);
    const fullResult = await full.handle.done;
    const first = collect({ ...opts, checkpointDir: join(dir, 'resume') }, (r) => r.step === 70);
    const stopped = await first.handle.done;
    const second = collect({ ...opts, resumeFrom: stopped.lastCheckpoint! });
    const resumed = await second.handle.done;
    const interrupted = [...first.steps(), ...second.steps()];
    expect(interrupted.map((s) => s.step)).toEqual(full.steps().map((s) => s.step));
    interrupted.forEach((s, i) => {
      expect(s.loss).toBe(full.steps()[i]!.loss); // bitwise
      expect(s.gradNorm).toBe(full.steps()[i]!.gradNorm);
      expect(s.tokensSeen).toBe(full.steps()[i]!.tokensSeen);
    });
    expect(resumed.cursor).toBe(fullResult.cursor);
    expect(resumed.cursor).toBe(80 * 8);
    expect(resumed.valLoss).toBe(fullResult.valLoss);
    expect(resumed.valAccuracy).toBe(fullResult.valAccuracy);
  });

  it('fine-tunes a causal LM as a classifier: createModel copies the transformer, LoRA trains the adapters and the score head', async () => {
    const lmShard = makeShard(dir, 'lm', 4000);
    const lm = await train({ model: TINY, trainShards: [lmShard], batchSize: 4, maxSteps: 3, threads: 1, checkpointDir: join(dir, 'lm') }).done;
    const { path: headed } = await createModel({ model: CLASSIFIER, baseCheckpoint: lm.lastCheckpoint!, outputDir: join(dir, 'headed'), seed: 4 });
    const lmWeights = readSafetensors(join(lm.lastCheckpoint!, 'model.safetensors'));
    const headedWeights = readSafetensors(join(headed, 'model.safetensors'));
    expect([...headedWeights.keys()].sort()).toEqual([...[...lmWeights.keys()], 'score.weight'].sort());
    for (const [name, tensor] of lmWeights) expect(headedWeights.get(name)!.data, name).toEqual(tensor.data);
    expect(headedWeights.get('score.weight')!.shape).toEqual([LABELS, TINY.nEmbd]);
    await expect(createModel({ model: { ...CLASSIFIER, nLayer: 3 }, baseCheckpoint: lm.lastCheckpoint!, outputDir: join(dir, 'bad') })).rejects.toThrow(/has a different transformer: nLayer \(3 here, 2 in the checkpoint\)/);

    const events: TrainingEvent[] = [];
    const lora = await train({ ...base, model: undefined, initFrom: headed, lora: { rank: 4, alpha: 8 }, maxSteps: 6, checkpointDir: join(dir, 'lora') }, { onProgress: (e) => events.push(e) }).done;
    const start = events[0] as StartEvent;
    const r = 4,
      C = TINY.nEmbd;
    expect(start.trainableParameters).toBe(TINY.nLayer * r * (C + 3 * C) + LABELS * C);
    const adapters = readSafetensors(join(lora.lastCheckpoint!, 'adapter_model.safetensors'));
    expect([...adapters.keys()].filter((k) => !k.includes('.lora_'))).toEqual(['score.weight']);
    expect(adapters.get('score.weight')!.data).not.toEqual(headedWeights.get('score.weight')!.data);
    expect(readdirSync(lora.lastCheckpoint!).sort()).toEqual(['adapter_model.safetensors', 'checkpoint.json', 'optimizer.safetensors', 'rng.safetensors']);
    // The adapter checkpoint opens on its base with its own score head, and resumes.
    const model = await openModel({ checkpoint: lora.lastCheckpoint!, device: 'cpu' });
    try {
      const { shape } = await model.classify({ inputs: [[1, 20, 30]] });
      expect(shape).toEqual([1, LABELS]);
    } finally {
      model.dispose();
    }
    const resumed = await train({ ...base, model: undefined, resumeFrom: lora.lastCheckpoint!, maxSteps: 8 }).done;
    expect(resumed).toMatchObject({ status: 'COMPLETED', step: 8 });
  });

  it('keeps the two tasks apart with clear messages', async () => {
    const { path: classifier } = await createModel({ model: CLASSIFIER, outputDir: join(dir, 'apart-cls') });
    const { path: lm } = await createModel({ model: TINY, outputDir: join(dir, 'apart-lm') });
    const cls = await openModel({ checkpoint: classifier, device: 'cpu' });
    const causal = await openModel({ checkpoint: lm, device: 'cpu' });
    try {
      expect(causal.info.model).toMatchObject({ task: 'causal-lm', numLabels: 0 });
      expect(() => cls.logits({ inputs: [[1, 2]] })).toThrow('logits needs a causal-lm model; this one is a classification model (numLabels 3), use classify');
      expect(() => cls.score({ inputs: [[1]], targets: [[2]] })).toThrow(/^score needs a causal-lm model/);
      expect(() => cls.generate({ prompts: [[1]] })).toThrow(/^generate needs a causal-lm model/);
      expect(() => causal.classify({ inputs: [[1]] })).toThrow('classify needs a classification model; this one is causal-lm (use logits, score or generate)');
      expect(() => cls.classify({ inputs: [[1], []] })).toThrow('Expected options.inputs[1] to hold 1 to 16 tokens (the context length) but it holds 0');
      expect(() => cls.classify({ inputs: [Array.from({ length: 17 }, () => 1)] })).toThrow(/inputs\[0\] to hold 1 to 16 tokens/);
      expect(() => cls.classify({ inputs: [[65]] })).toThrow(/options\.inputs\[0\]\[0\]/);
    } finally {
      cls.dispose();
      causal.dispose();
    }
    expect(() => createModel({ model: { ...TINY, task: 'classification' }, outputDir: join(dir, 'x') })).toThrow('Expected options.model.numLabels to be at least 2 for a classification model but received 0');
    expect(() => createModel({ model: { ...TINY, numLabels: 2 }, outputDir: join(dir, 'x') })).toThrow(/numLabels to be 0 for a causal-lm model/);
    expect(() => createModel({ model: { ...TINY, task: 'regression' as never }, outputDir: join(dir, 'x') })).toThrow(/options\.model\.task/);
    await expect(train({ ...base, model: CLASSIFIER, initFrom: lm, maxSteps: 1 }).done).rejects.toThrow(/initFrom checkpoint .* was saved with a different model: task \(classification here, causal-lm in the checkpoint\)/);
  });
});
