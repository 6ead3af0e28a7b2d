// The Hugging Face format writer against the real other side: transformers and AutoTokenizer load
// the folder offline and give EGen's logits and greedy tokens; peft loads the adapter export onto
// the base export and gives the LoRA version's logits; the writer's own parity check (the
// safetensors re-read into a fresh native model) agrees.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, mergeLora, openModel } from '../../../../native/index.ts';
import { referencePython } from '../../../../scripts/libtorch.ts';
import { EXPORT_OPTIONS, type ExportOptions } from '../../../../schema/options/export-options.ts';
import { maxAbsDifference, PARITY_TOLERANCE, parityPrompts, type FormatWriteContext } from './export-format.ts';
import { huggingFaceWriter } from './huggingface-format.ts';
import { nativeParityLogits } from './native-parity.ts';
import { exportFixture, type ExportFixture } from './testing/export-fixtures.ts';

const DEFAULTS = Object.fromEntries(Object.entries(EXPORT_OPTIONS).map(([key, spec]) => [key, spec.default])) as ExportOptions;

interface HfCheck {
  class: string;
  dtype: string;
  logits: number[];
  generated?: number[];
  encoded?: number[];
  tokenizerClass?: string;
  eosToken?: string;
  padToken?: string;
  specialTokens?: string[];
  modelMaxLength?: number;
}

function hfCheck(job: { dir: string; adapter?: string; inputs: number[][]; prompt?: number[]; text?: string }): HfCheck {
  const result = spawnSync(referencePython(), [join(import.meta.dirname, 'testing', 'hf_check.py'), JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
  });
  if (result.status !== 0) throw new Error(`hf_check.py failed:\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as HfCheck;
}

let dir: string;
let fixture: ExportFixture;

function context(name: string, options: Partial<ExportOptions>, checkpointDir: string, adapterCheckpointDir: string | null = null): FormatWriteContext {
  const outputDir = join(dir, name);
  mkdirSync(outputDir);
  return {
    checkpointDir,
    adapterCheckpointDir,
    outputDir,
    model: fixture.model,
    tokenizerJson: fixture.tokenizerJson,
    specialTokens: ['<context>', '<response>'],
    options: { ...DEFAULTS, ...options },
    signal: new AbortController().signal,
    progress: () => {},
  };
}

async function nativeLogits(checkpoint: string, inputs: number[][]): Promise<Float32Array> {
  const model = await openModel({ checkpoint, device: 'cpu' });
  try {
    return (await model.logits({ inputs, threads: 1 })).data;
  } finally {
    model.dispose();
  }
}

describe('Hugging Face format writer', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'egen-hf-format-'));
    fixture = await exportFixture(dir);
  }, 120_000);

  it('writes a folder transformers loads with EGen’s logits (≤ 1e-4), 20 greedy tokens and a working tokenizer', async () => {
    const ctx = context('fp32', {}, fixture.checkpoint);
    const files = await huggingFaceWriter.write(ctx);
    expect(files.sort()).toEqual(['config.json', 'generation_config.json', 'model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    const prompts = parityPrompts(fixture.model);
    const native = await nativeLogits(fixture.checkpoint, prompts);
    const parity = maxAbsDifference(native, await huggingFaceWriter.parityLogits(ctx, prompts));
    console.log(`[hf-format] parity (fresh native model re-reading the export) fp32: ${parity.toExponential(2)}`);
    expect(parity).toBeLessThanOrEqual(PARITY_TOLERANCE.fp32);
    expect(readdirSync(dir).filter((name) => name.includes('.parity-'))).toEqual([]);

    const prompt = (await fixture.encoder.encodeBatch(['the quick brown']).then((b) => b.ids[0]!)).slice(0, 8);
    const model = await openModel({ checkpoint: fixture.checkpoint, device: 'cpu' });
    const egen = await model.generate({ prompts: [prompt], maxNewTokens: 20, temperature: 0, threads: 1 }).finally(() => model.dispose());
    const text = '<context> what is exported? <response> every version';
    const hf = hfCheck({ dir: ctx.outputDir, inputs: prompts, prompt, text });
    expect(hf.class).toBe('GPT2LMHeadModel');
    const diff = maxAbsDifference(native, Float32Array.from(hf.logits));
    console.log(`[hf-format] max |Δ logit| EGen vs transformers: ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-4);
    expect(egen.sequences[0]).toHaveLength(20);
    expect(hf.generated).toEqual(egen.sequences[0]);

    const encoded = (await fixture.encoder.encodeBatch([text])).ids[0];
    expect(hf.tokenizerClass).toMatch(/TokenizersBackend|PreTrainedTokenizerFast|GPT2Tokenizer/);
    expect(hf.encoded).toEqual(encoded);
    expect(hf.eosToken).toBe('<|endoftext|>');
    expect(hf.padToken).toBe('<pad>');
    expect(hf.specialTokens).toEqual(expect.arrayContaining(['<context>', '<response>', '<|endoftext|>', '<pad>']));
    expect(hf.modelMaxLength).toBe(fixture.model.contextLength);
    const config = JSON.parse(readFileSync(join(ctx.outputDir, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ eos_token_id: fixture.encoder.endOfTextId, dtype: 'float32' });
  }, 120_000);

  it.each([
    ['fp16', 'F16', 'float16'],
    ['bf16', 'BF16', 'bfloat16'],
  ] as const)(
    'stores %s weights, within the %s tolerance of the native model',
    async (dtype, stored, torchDtype) => {
      const ctx = context(dtype, { dtype }, fixture.checkpoint);
      await huggingFaceWriter.write(ctx);
      const bytes = readFileSync(join(ctx.outputDir, 'model.safetensors'));
      const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString()) as Record<string, { dtype: string }>;
      expect(
        new Set(
          Object.entries(header)
            .filter(([k]) => k !== '__metadata__')
            .map(([, v]) => v.dtype),
        ),
      ).toEqual(new Set([stored]));
      const prompts = parityPrompts(fixture.model);
      const native = await nativeLogits(fixture.checkpoint, prompts);
      const parity = maxAbsDifference(native, await huggingFaceWriter.parityLogits(ctx, prompts));
      const hf = hfCheck({ dir: ctx.outputDir, inputs: prompts });
      const viaTransformers = maxAbsDifference(native, Float32Array.from(hf.logits));
      console.log(`[hf-format] ${dtype}: parity ${parity.toExponential(2)}, transformers ${viaTransformers.toExponential(2)} (tolerance ${PARITY_TOLERANCE[dtype]})`);
      expect(hf.dtype).toBe(torchDtype);
      expect(parity).toBeGreaterThan(0);
      expect(parity).toBeLessThanOrEqual(PARITY_TOLERANCE[dtype]);
      // transformers widens the same rounded weights: the same figure up to kernel rounding
      expect(Math.abs(viaTransformers - parity)).toBeLessThanOrEqual(1e-4);
    },
    120_000,
  );

  it('exports a classifier as GPT2ForSequenceClassification: parity through classify, transformers agrees (≤ 1e-5)', async () => {
    const model = { ...fixture.model, task: 'classification' as const, numLabels: 3 };
    const { path: checkpoint } = await createModel({ model, outputDir: join(dir, 'classifier-init'), seed: 11 });
    const ctx = { ...context('classifier', {}, checkpoint), model, labels: ['negative', 'neutral', 'positive'] };
    const files = await huggingFaceWriter.write(ctx);
    expect(files).toContain('model.safetensors');
    const prompts = parityPrompts(model);
    const native = await openModel({ checkpoint, device: 'cpu' });
    const reference = await nativeParityLogits(native, prompts, 1).finally(() => native.dispose());
    expect(reference).toHaveLength(prompts.length * 3);
    const parity = maxAbsDifference(reference, await huggingFaceWriter.parityLogits(ctx, prompts));
    expect(parity).toBeLessThanOrEqual(PARITY_TOLERANCE.fp32);
    // One row (no padding): transformers reads it at its last token, as EGen does.
    const result = spawnSync(referencePython(), [join(import.meta.dirname, 'testing', 'hf_classify.py'), JSON.stringify({ dir: ctx.outputDir, inputs: [prompts[0]] })], {
      encoding: 'utf8',
      env: { ...process.env, HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
    });
    if (result.status !== 0) throw new Error(`hf_classify.py failed:\n${result.stderr}`);
    const hf = JSON.parse(result.stdout.trim().split('\n').pop()!) as { logits: number[]; class: string; id2label: Record<string, string> };
    expect(hf.class).toBe('GPT2ForSequenceClassification');
    expect(hf.id2label).toEqual({ '0': 'negative', '1': 'neutral', '2': 'positive' });
    expect(maxAbsDifference(reference.subarray(0, 3), Float32Array.from(hf.logits))).toBeLessThanOrEqual(1e-5);
  }, 120_000);

  it('exports a LoRA version as a PEFT adapter that peft loads onto the base export with the merged model’s logits', async () => {
    const prompts = parityPrompts(fixture.model);
    const lora = await nativeLogits(fixture.loraCheckpoint, prompts);
    const base = await nativeLogits(fixture.checkpoint, prompts);
    expect(maxAbsDifference(lora, base)).toBeGreaterThan(1e-3); // the adapter changes the model

    const baseCtx = context('lora-base', {}, fixture.checkpoint);
    await huggingFaceWriter.write(baseCtx);
    const adapterCtx = context('lora-adapter', { lora: 'adapter' }, fixture.checkpoint, fixture.loraCheckpoint);
    const files = await huggingFaceWriter.write(adapterCtx);
    expect(files.sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    const parity = maxAbsDifference(lora, await huggingFaceWriter.parityLogits(adapterCtx, prompts));
    expect(parity).toBeLessThanOrEqual(PARITY_TOLERANCE.fp32);

    const merged = join(dir, 'merged-checkpoint');
    await mergeLora({ checkpoint: fixture.loraCheckpoint, outputDir: merged });
    const mergedCtx = context('lora-merged', {}, merged);
    await huggingFaceWriter.write(mergedCtx);

    const viaPeft = hfCheck({ dir: baseCtx.outputDir, adapter: adapterCtx.outputDir, inputs: prompts });
    const viaMerged = hfCheck({ dir: mergedCtx.outputDir, inputs: prompts });
    const peftVsEgen = maxAbsDifference(lora, Float32Array.from(viaPeft.logits));
    const peftVsMerged = maxAbsDifference(Float32Array.from(viaMerged.logits), Float32Array.from(viaPeft.logits));
    console.log(`[hf-format] PEFT adapter: parity ${parity.toExponential(2)}; peft vs EGen ${peftVsEgen.toExponential(2)}; peft vs merged export ${peftVsMerged.toExponential(2)}`);
    expect(peftVsEgen).toBeLessThanOrEqual(1e-4);
    expect(peftVsMerged).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
