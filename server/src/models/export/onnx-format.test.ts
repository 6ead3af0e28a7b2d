// The ONNX export against the real other side: the files the writer produces run in
// onnxruntime-node and in Python onnxruntime with the native model's logits, the with-past graph
// decodes incrementally to the same logits and greedy tokens as EGen's generator, the declared
// opset and dynamic axes are what onnxruntime reads, and a cancelled export leaves no file.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, openModel, train, writeTokenShard } from '../../../../native/index.ts';
import { syntheticTokens } from '../../../../native/test/synthetic-tokens.ts';
import { referencePython } from '../../../../scripts/libtorch.ts';
import type { ExportOptions } from '../../../../schema/options/export-options.ts';
import { type ExportedModel, type FormatWriteContext, maxAbsDifference, PARITY_TOLERANCE, parityPrompts } from './export-format.ts';
import { ONNX_FILES, onnxFormatWriter, writeOnnxArtifact } from './onnx-format.ts';
import { benchmarkOnnxInference } from './onnx/onnx-benchmark.ts';
import { gpt2WeightBytes } from './onnx/gpt2-graph.ts';

const MODEL = { vocabSize: 97, contextLength: 32, nLayer: 2, nHead: 4, nEmbd: 32, dropout: 0 };
const OPTIONS: ExportOptions = { dtype: 'fp32', lora: 'merged', onnxOpset: 17, onnxWithPast: true };

interface PythonRun {
  irVersion: number;
  opsets: Record<string, number>;
  inputs: Array<{ name: string; type: string; shape: Array<string | number> }>;
  outputs: Array<{ name: string; type: string; shape: Array<string | number> }>;
  withPastInputs: Array<{ name: string; type: string; shape: Array<string | number> }>;
  withPastOutputs: Array<{ name: string; type: string; shape: Array<string | number> }>;
  logits: number[];
  shape: number[];
  incrementalLogits: number[];
  greedy: number[];
}

function pythonOnnxruntime(job: { model: string; withPast: string | null; inputs: number[][]; prompt: number[]; steps: number }): PythonRun {
  const result = spawnSync(referencePython(), [join(import.meta.dirname, 'testing', 'onnx_reference.py'), JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (result.status !== 0) throw new Error(`onnx_reference.py failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as PythonRun;
}

/** A briefly trained model, so that logits are far from the near-uniform initialization. */
async function trainedCheckpoint(dir: string, bias: boolean): Promise<{ checkpoint: string; model: ExportedModel }> {
  const model = { ...MODEL, bias };
  const { path: init } = await createModel({ model, outputDir: join(dir, 'init'), seed: 5 });
  const shard = join(dir, 'train');
  writeTokenShard(shard, syntheticTokens(4000, MODEL.vocabSize), MODEL.vocabSize);
  const run = train({ initFrom: init, trainShards: [shard], maxSteps: 30, batchSize: 4, learningRate: 3e-3, threads: 1, checkpointDir: join(dir, 'run') });
  const result = await run.done;
  return { checkpoint: result.lastCheckpoint!, model };
}

function context(checkpointDir: string, model: ExportedModel, outputDir: string, options: Partial<ExportOptions> = {}, signal = new AbortController().signal, progress: FormatWriteContext['progress'] = () => {}): FormatWriteContext {
  mkdirSync(outputDir, { recursive: true });
  return { checkpointDir, adapterCheckpointDir: null, outputDir, model, tokenizerJson: null, specialTokens: [], options: { ...OPTIONS, ...options }, signal, progress };
}

const dims = (values: PythonRun['inputs'], name: string) => values.find((v) => v.name === name)?.shape;

describe.each([true, false])('ONNX export (bias %s)', (bias) => {
  let dir: string;
  let checkpoint: string;
  let model: ExportedModel;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'egen-onnx-export-'));
    ({ checkpoint, model } = await trainedCheckpoint(dir, bias));
  });

  it('runs in onnxruntime-node and Python onnxruntime with the native logits (fp32, ≤ 1e-4), incrementally with past, and greedy-decodes EGen’s 20 tokens', async () => {
    const fractions: number[] = [];
    const ctx = context(checkpoint, model, join(dir, 'fp32'), {}, undefined, (fraction) => fractions.push(fraction));
    const files = await onnxFormatWriter.write(ctx);
    expect(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!))).toBe(true);
    expect(fractions.at(-1)).toBe(1);
    expect(files.sort()).toEqual([ONNX_FILES.config, ONNX_FILES.model, ONNX_FILES.withPast].sort());

    const prompts = parityPrompts(model);
    const native = await openModel({ checkpoint, device: 'cpu' });
    try {
      const reference = (await native.logits({ inputs: prompts, threads: 1 })).data;
      const node = await onnxFormatWriter.parityLogits(ctx, prompts);
      const nodeDiff = maxAbsDifference(reference, node);

      const prompt = prompts[0]!.slice(0, 8);
      const generated = await native.generate({ prompts: [prompt], maxNewTokens: 20, temperature: 0, threads: 1 });
      const python = pythonOnnxruntime({ model: join(ctx.outputDir, ONNX_FILES.model), withPast: join(ctx.outputDir, ONNX_FILES.withPast), inputs: prompts, prompt, steps: 20 });
      const pythonDiff = maxAbsDifference(reference, Float32Array.from(python.logits));
      const incrementalDiff = maxAbsDifference(reference, Float32Array.from(python.incrementalLogits));
      console.log(`[onnx-export bias=${bias}] max |Δ logit| vs native: onnxruntime-node ${nodeDiff.toExponential(2)}, Python onnxruntime ${pythonDiff.toExponential(2)}, with past token by token ${incrementalDiff.toExponential(2)}`);
      expect(nodeDiff).toBeLessThanOrEqual(1e-4);
      expect(pythonDiff).toBeLessThanOrEqual(1e-4);
      expect(incrementalDiff).toBeLessThanOrEqual(1e-4);
      expect(python.shape).toEqual([3, prompts[0]!.length, MODEL.vocabSize]);
      expect(generated.sequences[0]).toHaveLength(20);
      expect(python.greedy).toEqual(generated.sequences[0]);

      // what onnxruntime reads from the files: the opset, the dynamic axes, the past/present names
      expect(python.opsets).toEqual({ '': 17 });
      expect(python.irVersion).toBe(8);
      expect(python.inputs).toEqual([{ name: 'input_ids', type: 'tensor(int64)', shape: ['batch', 'sequence'] }]);
      expect(python.outputs).toEqual([{ name: 'logits', type: 'tensor(float)', shape: ['batch', 'sequence', MODEL.vocabSize] }]);
      const headDim = MODEL.nEmbd / MODEL.nHead;
      expect(python.withPastInputs.map((v) => v.name)).toEqual(['input_ids', 'past_key_values.0.key', 'past_key_values.0.value', 'past_key_values.1.key', 'past_key_values.1.value']);
      expect(dims(python.withPastInputs, 'past_key_values.1.value')).toEqual(['batch', MODEL.nHead, 'past_sequence', headDim]);
      expect(python.withPastOutputs.map((v) => v.name)).toEqual(['logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value']);
      expect(dims(python.withPastOutputs, 'present.0.key')).toEqual(['batch', MODEL.nHead, 'total_sequence', headDim]);
    } finally {
      native.dispose();
    }
  });

  it('writes weights past the inline limit to model.onnx.data, which both graphs reference', async () => {
    const fractions: number[] = [];
    const ctx = context(checkpoint, model, join(dir, 'external'), {}, undefined, (fraction) => fractions.push(fraction));
    // every weight counts as past the limit
    expect((await writeOnnxArtifact(ctx, 0)).sort()).toEqual([ONNX_FILES.config, ONNX_FILES.externalData, ONNX_FILES.model, ONNX_FILES.withPast].sort());
    expect(statSync(join(ctx.outputDir, ONNX_FILES.model)).size).toBeLessThan(32 * 1024);
    expect(fractions.every((f, i) => f >= 0 && f <= 1 && (i === 0 || f >= fractions[i - 1]!))).toBe(true);
    expect(fractions.at(-1)).toBe(1);
    expect(statSync(join(ctx.outputDir, ONNX_FILES.externalData)).size).toBeGreaterThan(gpt2WeightBytes(model, 'fp32') * 0.95);
    const prompts = parityPrompts(model);
    const native = await openModel({ checkpoint, device: 'cpu' });
    try {
      const reference = (await native.logits({ inputs: prompts, threads: 1 })).data;
      expect(maxAbsDifference(reference, await onnxFormatWriter.parityLogits(ctx, prompts))).toBeLessThanOrEqual(1e-4);
      const prompt = prompts[1]!.slice(0, 6);
      const generated = await native.generate({ prompts: [prompt], maxNewTokens: 20, temperature: 0, threads: 1 });
      const python = pythonOnnxruntime({ model: join(ctx.outputDir, ONNX_FILES.model), withPast: join(ctx.outputDir, ONNX_FILES.withPast), inputs: prompts, prompt, steps: 20 });
      expect(maxAbsDifference(reference, Float32Array.from(python.logits))).toBeLessThanOrEqual(1e-4);
      expect(python.greedy).toEqual(generated.sequences[0]);
    } finally {
      native.dispose();
    }
  });

  it.each(['fp16', 'bf16'] as const)('writes %s weights at half the size, within that precision’s parity tolerance', async (dtype) => {
    const ctx = context(checkpoint, model, join(dir, dtype), { dtype, onnxWithPast: false });
    expect(onnxFormatWriter.refuse(model, ctx.options)).toBeNull();
    expect(await onnxFormatWriter.write(ctx)).toEqual([ONNX_FILES.model, ONNX_FILES.config]);
    const native = await openModel({ checkpoint, device: 'cpu' });
    try {
      const prompts = parityPrompts(model);
      const reference = (await native.logits({ inputs: prompts, threads: 1 })).data;
      const diff = maxAbsDifference(reference, await onnxFormatWriter.parityLogits(ctx, prompts));
      console.log(`[onnx-export bias=${bias}] ${dtype}: max |Δ logit| ${diff.toExponential(2)} (tolerance ${PARITY_TOLERANCE[dtype]})`);
      expect(diff).toBeLessThanOrEqual(PARITY_TOLERANCE[dtype]);
      expect(diff).toBeGreaterThan(1e-6); // the weights really were rounded
    } finally {
      native.dispose();
    }
    const fp32Size = statSync(join(dir, 'fp32', ONNX_FILES.model)).size;
    expect(statSync(join(ctx.outputDir, ONNX_FILES.model)).size).toBeLessThan(fp32Size * 0.6);
  });
});

describe('ONNX export: options, refusals and cancellation', () => {
  let dir: string;
  let checkpoint: string;
  let model: ExportedModel;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'egen-onnx-export-'));
    model = { ...MODEL, bias: true };
    ({ path: checkpoint } = await createModel({ model, outputDir: join(dir, 'init'), seed: 2 }));
  });

  it.each([
    [18, 8],
    [19, 9],
    [20, 9],
    [21, 10],
  ])('declares opset %i (IR %i), runs in Python onnxruntime, and writes the tokenizer beside the graph', async (opset, ir) => {
    const ctx = { ...context(checkpoint, model, join(dir, `opset${opset}`), { onnxOpset: opset, onnxWithPast: false }), tokenizerJson: '{"version":"1.0"}' };
    expect(await onnxFormatWriter.write(ctx)).toEqual([ONNX_FILES.model, ONNX_FILES.config, ONNX_FILES.tokenizer]);
    const python = pythonOnnxruntime({ model: join(ctx.outputDir, ONNX_FILES.model), withPast: null, inputs: [[1, 2, 3]], prompt: [], steps: 0 });
    expect(python.opsets).toEqual({ '': opset });
    expect(python.irVersion).toBe(ir);
    expect(python.shape).toEqual([1, 3, MODEL.vocabSize]);
    expect(readFileSync(join(ctx.outputDir, ONNX_FILES.tokenizer), 'utf8')).toBe('{"version":"1.0"}');
  });

  it('benchmarks onnxruntime-node against the native forward on the same batch', async () => {
    const ctx = context(checkpoint, model, join(dir, 'bench'), { onnxWithPast: false });
    await onnxFormatWriter.write(ctx);
    const result = await benchmarkOnnxInference({ checkpointDir: checkpoint, onnxPath: join(ctx.outputDir, ONNX_FILES.model), batchSize: 2, sequenceLength: 16, runs: 2, threads: 1 });
    expect(result).toMatchObject({ batchSize: 2, sequenceLength: 16, runs: 2, threads: 1 });
    expect(result.onnxMs).toBeGreaterThan(0);
    expect(result.nativeMs).toBeGreaterThan(0);
    expect(result.ratio).toBeCloseTo(result.onnxMs / result.nativeMs, 10);
    expect(result.maxAbsDifference).toBeLessThanOrEqual(1e-4);
    await expect(benchmarkOnnxInference({ checkpointDir: checkpoint, onnxPath: join(ctx.outputDir, ONNX_FILES.model), sequenceLength: 33 })).rejects.toThrow(/sequenceLength must be 1 to 32/);
  });

  it('refuses opsets without LayerNormalization, naming why', () => {
    expect(onnxFormatWriter.refuse(model, { ...OPTIONS, onnxOpset: 16 })).toMatch(/opset 16 has no LayerNormalization/);
    const large = { vocabSize: 50257, contextLength: 1024, nLayer: 36, nHead: 20, nEmbd: 1280, dropout: 0, bias: true }; // GPT-2 large: 3.1 GB in fp32, written as external data
    expect(onnxFormatWriter.refuse(large, OPTIONS)).toBeNull();
  });

  it('fails the parity check when model_with_past.onnx does not decode to model.onnx’s logits', async () => {
    const ctx = context(checkpoint, model, join(dir, 'mismatched'));
    await onnxFormatWriter.write(ctx);
    // The with-past graph of another model in its place.
    const { path: other } = await createModel({ model, outputDir: join(dir, 'other'), seed: 9 });
    await onnxFormatWriter.write(context(other, model, join(dir, 'other-onnx')));
    copyFileSync(join(dir, 'other-onnx', ONNX_FILES.withPast), join(ctx.outputDir, ONNX_FILES.withPast));
    await expect(onnxFormatWriter.parityLogits(ctx, parityPrompts(model))).rejects.toThrow(/model_with_past\.onnx decoding token by token differs from model\.onnx by .* \(tolerance 0\.0001\)/);
  });

  it('stops when cancelled and leaves no file', async () => {
    const outputDir = join(dir, 'cancelled');
    const controller = new AbortController();
    // Cancel as soon as the second graph starts: the first is on disk by then.
    const ctx = context(checkpoint, model, outputDir, {}, controller.signal, (_, text) => {
      if (text.includes(ONNX_FILES.withPast)) controller.abort();
    });
    await expect(onnxFormatWriter.write(ctx)).rejects.toThrow(/abort/i);
    expect(readdirSync(outputDir)).toEqual([]);

    const already = new AbortController();
    already.abort();
    await expect(onnxFormatWriter.write(context(checkpoint, model, outputDir, {}, already.signal))).rejects.toThrow(/abort/i);
    expect(readdirSync(outputDir)).toEqual([]);
  });

  it('names the file and tensor of a damaged checkpoint and leaves no file', async () => {
    const { path: damaged } = await createModel({ model, outputDir: join(dir, 'damaged'), seed: 2 });
    writeFileSync(join(damaged, 'model.safetensors'), Buffer.from([1, 2, 3]));
    const outputDir = join(dir, 'damaged-out');
    await expect(onnxFormatWriter.write(context(damaged, model, outputDir))).rejects.toThrow(/model\.safetensors is truncated/);
    await expect(onnxFormatWriter.write(context(checkpoint, { ...model, nEmbd: 64, nHead: 4 }, outputDir))).rejects.toThrow(/transformer\.wte\.weight has shape \[97, 32\] where the model config implies \[97, 64\]/);
    expect(readdirSync(outputDir)).toEqual([]);
  });
});
