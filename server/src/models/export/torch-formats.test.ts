// The PyTorch and TorchScript exports against the real other side: Python's torch.load
// (weights_only) + GPT2LMHeadModel.load_state_dict(strict=True), and torch.jit.load, give EGen's
// logits and EGen's greedy tokens; the writers' own parity figures stay under the tolerance; and
// state dicts written by Python's torch.save come in through the reader.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFromHuggingFace, createModel, openModel, readPytorchStateDict, train, writeTokenShard } from '../../../../native/index.ts';
import { readSafetensors } from '../../../../native/test/helpers.ts';
import { syntheticTokens } from '../../../../native/test/synthetic-tokens.ts';
import { referencePython } from '../../../../scripts/libtorch.ts';
import { EXPORT_OPTIONS, type ExportOptions } from '../../../../schema/options/export-options.ts';
import { type ExportedModel, type FormatWriteContext, type FormatWriter, maxAbsDifference, PARITY_TOLERANCE, parityPrompts } from './export-format.ts';
import { pytorchFormat } from './pytorch-format.ts';
import { torchscriptFormat } from './torchscript-format.ts';

const MODEL: ExportedModel = { vocabSize: 65, contextLength: 32, nLayer: 2, nHead: 4, nEmbd: 32, dropout: 0, bias: true };
const PROMPT = [3, 14, 15, 9];
const GREEDY_STEPS = 20;

function python<T>(script: string, job: unknown): T {
  const result = spawnSync(referencePython(), [join(import.meta.dirname, 'testing', script), JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
  if (result.status !== 0) throw new Error(`${script} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as T;
}

interface PythonRun {
  logits: number[];
  shape: number[];
  greedy: number[];
  dtypes: string[];
}

const OPTIONS = (dtype: ExportOptions['dtype']): ExportOptions => ({ dtype, lora: EXPORT_OPTIONS.lora.default, onnxOpset: EXPORT_OPTIONS.onnxOpset.default, onnxWithPast: EXPORT_OPTIONS.onnxWithPast.default });

function context(root: string, checkpointDir: string, model: ExportedModel, dtype: ExportOptions['dtype']): FormatWriteContext {
  const outputDir = mkdtempSync(join(root, 'out-'));
  return { checkpointDir, adapterCheckpointDir: null, outputDir, model, tokenizerJson: null, specialTokens: [], options: OPTIONS(dtype), signal: new AbortController().signal, progress: () => {} };
}

describe('PyTorch and TorchScript exports', () => {
  const root = mkdtempSync(join(tmpdir(), 'egen-torch-export-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let checkpoint = '';
  let native: { logits: Float32Array; greedy: number[]; parity: Float32Array };
  const prompts = parityPrompts(MODEL);

  beforeAll(async () => {
    // A trained model, so that biases and LayerNorm weights are not their initial values.
    const init = (await createModel({ model: MODEL, outputDir: join(root, 'init'), seed: 3 })).path;
    const shard = join(root, 'train');
    writeTokenShard(shard, syntheticTokens(4000, MODEL.vocabSize), MODEL.vocabSize);
    const result = await train({ initFrom: init, trainShards: [shard], maxSteps: 20, batchSize: 4, learningRate: 3e-3, threads: 1, checkpointDir: join(root, 'run') }).done;
    checkpoint = result.lastCheckpoint!;
    const model = await openModel({ checkpoint, device: 'cpu' });
    try {
      const logits = (await model.logits({ inputs: prompts, threads: 1 })).data;
      const generated = await model.generate({ prompts: [PROMPT], maxNewTokens: GREEDY_STEPS, temperature: 0, threads: 1 });
      native = { logits, greedy: generated.sequences[0]!, parity: logits };
    } finally {
      model.dispose();
    }
    expect(native.greedy).toHaveLength(GREEDY_STEPS);
  }, 120_000);

  async function checkInPython(writer: FormatWriter, dtype: ExportOptions['dtype'], job: (ctx: FormatWriteContext) => Record<string, unknown>): Promise<{ python: PythonRun; parity: number; files: string[] }> {
    const ctx = context(root, checkpoint, MODEL, dtype);
    const files = await writer.write(ctx);
    expect(readdirSync(ctx.outputDir).sort()).toEqual([...files].sort());
    const parity = maxAbsDifference(native.parity, await writer.parityLogits(ctx, prompts));
    const run = python<PythonRun>('torch_export_check.py', { ...job(ctx), inputs: prompts, prompt: PROMPT, steps: GREEDY_STEPS });
    expect(run.shape).toEqual([prompts.length, prompts[0]!.length, MODEL.vocabSize]);
    return { python: run, parity, files };
  }

  it('pytorch_model.bin: torch.load(weights_only=True) + GPT2LMHeadModel.load_state_dict(strict=True) gives EGen’s logits (≤ 1e-4) and greedy tokens', async () => {
    const { python: run, parity, files } = await checkInPython(pytorchFormat, 'fp32', (ctx) => ({ kind: 'pytorch', dir: ctx.outputDir }));
    expect(files).toEqual(['pytorch_model.bin', 'config.json', 'generation_config.json']);
    expect(run.dtypes).toEqual(['torch.float32']);
    const diff = maxAbsDifference(native.logits, Float32Array.from(run.logits));
    console.log(`[pytorch-export] fp32: max |Δ logit| EGen vs transformers ${diff.toExponential(2)}, parity figure ${parity.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    expect(run.greedy).toEqual(native.greedy);
    expect(parity).toBeLessThanOrEqual(PARITY_TOLERANCE.fp32);
  }, 120_000);

  it('pytorch_model.bin in bf16: bfloat16 tensors, parity under the bf16 tolerance', async () => {
    const { python: run, parity } = await checkInPython(pytorchFormat, 'bf16', (ctx) => ({ kind: 'pytorch', dir: ctx.outputDir }));
    expect(run.dtypes).toEqual(['torch.bfloat16']);
    const diff = maxAbsDifference(native.logits, Float32Array.from(run.logits));
    console.log(`[pytorch-export] bf16: max |Δ logit| EGen fp32 vs transformers ${diff.toExponential(2)}, parity figure ${parity.toExponential(2)}`);
    expect(parity).toBeGreaterThan(0);
    expect(parity).toBeLessThanOrEqual(PARITY_TOLERANCE.bf16);
    expect(diff).toBeLessThanOrEqual(PARITY_TOLERANCE.bf16);
  }, 120_000);

  it('model.pt: torch.jit.load in Python gives EGen’s logits (≤ 1e-4) and greedy tokens; torch::jit::load parity ≤ 1e-4', async () => {
    const { python: run, parity, files } = await checkInPython(torchscriptFormat, 'fp32', (ctx) => ({ kind: 'torchscript', path: join(ctx.outputDir, 'model.pt') }));
    expect(files).toEqual(['model.pt']);
    expect(run.dtypes).toEqual(['torch.float32']);
    const diff = maxAbsDifference(native.logits, Float32Array.from(run.logits));
    console.log(`[torchscript-export] fp32: max |Δ logit| EGen vs torch.jit.load ${diff.toExponential(2)}, parity figure ${parity.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    expect(run.greedy).toEqual(native.greedy);
    expect(parity).toBeLessThanOrEqual(PARITY_TOLERANCE.fp32);
  }, 120_000);

  it('model.pt in fp16: float16 weights computed in float32, parity under the fp16 tolerance', async () => {
    const { python: run, parity } = await checkInPython(torchscriptFormat, 'fp16', (ctx) => ({ kind: 'torchscript', path: join(ctx.outputDir, 'model.pt') }));
    expect(run.dtypes).toEqual(['torch.float16']);
    console.log(`[torchscript-export] fp16: parity figure ${parity.toExponential(2)}`);
    expect(parity).toBeGreaterThan(0);
    expect(parity).toBeLessThanOrEqual(PARITY_TOLERANCE.fp16);
    expect(maxAbsDifference(native.logits, Float32Array.from(run.logits))).toBeLessThanOrEqual(PARITY_TOLERANCE.fp16);
  }, 120_000);

  it('a model without biases: PyTorch refuses it up front, TorchScript exports it', async () => {
    const noBias: ExportedModel = { ...MODEL, bias: false };
    expect(pytorchFormat.refuse(noBias, OPTIONS('fp32'))).toMatch(/GPT2LMHeadModel cannot hold a model without biases/);
    expect(torchscriptFormat.refuse(noBias, OPTIONS('bf16'))).toBeNull();
    const dir = (await createModel({ model: noBias, outputDir: join(root, 'nobias'), seed: 5 })).path;
    const ctx = context(root, dir, noBias, 'fp32');
    await torchscriptFormat.write(ctx);
    const model = await openModel({ checkpoint: dir, device: 'cpu' });
    try {
      const reference = (await model.logits({ inputs: prompts, threads: 1 })).data;
      const run = python<PythonRun>('torch_export_check.py', { kind: 'torchscript', path: join(ctx.outputDir, 'model.pt'), inputs: prompts, prompt: PROMPT, steps: 1 });
      expect(maxAbsDifference(reference, Float32Array.from(run.logits))).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDifference(reference, await torchscriptFormat.parityLogits(ctx, prompts))).toBeLessThanOrEqual(1e-4);
    } finally {
      model.dispose();
    }
  }, 120_000);

  it('a LoRA checkpoint (adapters only, naming its base) exports with the adapters merged', async () => {
    const shard = join(root, 'train');
    const lora = { rank: 4, alpha: 8, targets: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'] as Array<'attn.c_attn' | 'attn.c_proj' | 'mlp.c_fc' | 'mlp.c_proj'> };
    const result = await train({ initFrom: checkpoint, lora, trainShards: [shard], batchSize: 4, maxSteps: 6, threads: 1, learningRate: 1e-2, warmupSteps: 0, checkpointDir: join(root, 'lora') }).done;
    const adapted = result.lastCheckpoint!;
    const model = await openModel({ checkpoint: adapted, device: 'cpu' });
    let reference: Float32Array;
    try {
      reference = (await model.logits({ inputs: prompts, threads: 1 })).data;
    } finally {
      model.dispose();
    }
    expect(maxAbsDifference(native.logits, reference)).toBeGreaterThan(1e-3); // the adapters changed the model
    for (const writer of [pytorchFormat, torchscriptFormat]) {
      const ctx = context(root, adapted, MODEL, 'fp32');
      await writer.write(ctx);
      expect(maxAbsDifference(reference, await writer.parityLogits(ctx, prompts)), writer.format).toBeLessThanOrEqual(1e-5);
    }
  }, 120_000);

  it('reads state dicts written by Python’s torch.save (OrderedDict, fp32 and bf16) and refuses legacy files and non-tensor entries', async () => {
    const dir = join(root, 'python');
    mkdirSync(dir);
    const config = { vocab_size: 65, n_positions: 32, n_embd: 32, n_layer: 2, n_head: 4, activation_function: 'gelu', bos_token_id: 0, eos_token_id: 0 };
    const made = python<{ logits: number[]; tensors: Array<{ name: string; shape: number[] }> }>('make_state_dicts.py', { dir, config, inputs: prompts });

    const read = await readPytorchStateDict({ path: join(dir, 'model.bin'), outputPath: join(dir, 'model.safetensors') });
    expect(read.tensors.map(({ name, shape }) => ({ name, shape }))).toEqual(made.tensors);
    const ours = readSafetensors(join(dir, 'model.safetensors'));
    for (const [name, tensor] of readSafetensors(join(dir, 'reference.safetensors'))) expect(ours.get(name)!.data, name).toEqual(tensor.data);

    // The imported weights in a native model give transformers' logits.
    const imported = await checkpointFromHuggingFace({ weights: join(dir, 'model.safetensors'), model: MODEL, outputDir: join(dir, 'checkpoint') });
    const model = await openModel({ checkpoint: imported.path, device: 'cpu' });
    try {
      const diff = maxAbsDifference(Float32Array.from(made.logits), (await model.logits({ inputs: prompts, threads: 1 })).data);
      console.log(`[pytorch-import] max |Δ logit| transformers vs EGen on the imported state dict ${diff.toExponential(2)}`);
      expect(diff).toBeLessThanOrEqual(1e-5);
    } finally {
      model.dispose();
    }

    const bf16 = await readPytorchStateDict({ path: join(dir, 'model-bf16.bin'), outputPath: join(dir, 'bf16.safetensors') });
    expect(new Set(bf16.tensors.map((t) => t.dtype))).toEqual(new Set(['BFloat16']));
    const header = readFileSync(join(dir, 'bf16.safetensors'));
    expect(header.subarray(8, 8 + Number(header.readBigUInt64LE(0))).toString()).toContain('"dtype":"BF16"');

    const out = join(dir, 'refused.safetensors');
    await expect(readPytorchStateDict({ path: join(dir, 'legacy.bin'), outputPath: out })).rejects.toThrow(`${join(dir, 'legacy.bin')} is a legacy (pre-zip) torch.save file`);
    await expect(readPytorchStateDict({ path: join(dir, 'mixed.bin'), outputPath: out })).rejects.toThrow(`${join(dir, 'mixed.bin')}: entry "step" is a int, not a tensor`);
    expect(readdirSync(dir).filter((name) => name.startsWith('refused'))).toEqual([]);
  }, 180_000);
});
