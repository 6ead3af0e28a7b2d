// The export door: pytorch_model.bin and model.pt written by libtorch, read back by libtorch
// (the state-dict reader and torch::jit::load), the checkpoint rebuilt from Hugging Face weights,
// and the argument and file checks. Python's side (torch.load, transformers, torch.jit.load) is
// checked in server/src/models/export/torch-formats.test.ts.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkpointFromHuggingFace, createModel, openModel, readPytorchStateDict, torchScriptLogits, writePytorchStateDict, writeTorchScript } from '../index.ts';
import { readSafetensors, syntheticTokens, tempDir } from './helpers.ts';

const MODEL = { vocabSize: 65, contextLength: 16, nLayer: 2, nHead: 4, nEmbd: 32 };
const T = 12;
const inputs = [0, 1].map((k) => Array.from(syntheticTokens(100, MODEL.vocabSize, 5).subarray(k * T, k * T + T)));

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

async function nativeLogits(checkpoint: string): Promise<Float32Array> {
  const model = await openModel({ checkpoint, device: 'cpu' });
  try {
    return (await model.logits({ inputs, threads: 1 })).data;
  } finally {
    model.dispose();
  }
}

describe('model artifacts (native)', () => {
  const dir = tempDir('export');
  let checkpoint = '';
  let reference: Float32Array;
  beforeAll(async () => {
    checkpoint = (await createModel({ model: MODEL, outputDir: join(dir, 'model'), seed: 11 })).path;
    reference = await nativeLogits(checkpoint);
  });

  it('writes pytorch_model.bin under Hugging Face names and layouts, which the reader and a rebuilt checkpoint give back exactly', async () => {
    const bin = join(dir, 'pytorch_model.bin');
    const written = await writePytorchStateDict({ checkpoint, outputPath: bin });
    expect(written.path).toBe(bin);
    expect(written.bytes).toBe(readFileSync(bin).length);
    expect(readFileSync(bin).subarray(0, 4)).toEqual(Buffer.from([0x50, 0x4b, 3, 4])); // a zip archive, as torch.save writes
    const byName = new Map(written.tensors.map((t) => [t.name, t]));
    expect(byName.get('transformer.h.0.attn.c_attn.weight')).toEqual({ name: 'transformer.h.0.attn.c_attn.weight', dtype: 'Float', shape: [32, 96] }); // Conv1D (in, out)
    expect(byName.get('transformer.h.1.mlp.c_proj.weight')!.shape).toEqual([128, 32]);
    expect(byName.get('lm_head.weight')!.shape).toEqual([65, 32]);
    expect(written.tensors).toHaveLength(2 + 2 * 12 + 2 + 1);

    const safetensors = join(dir, 'read.safetensors');
    const read = await readPytorchStateDict({ path: bin, outputPath: safetensors });
    expect(read.tensors).toEqual(written.tensors);
    const tensors = readSafetensors(safetensors);
    expect(tensors.get('lm_head.weight')!.data).toEqual(tensors.get('transformer.wte.weight')!.data);

    const rebuilt = await checkpointFromHuggingFace({ weights: safetensors, model: MODEL, outputDir: join(dir, 'rebuilt') });
    expect(rebuilt.model).toMatchObject(MODEL);
    expect(maxAbsDiff(reference, await nativeLogits(rebuilt.path))).toBe(0);
  });

  it('stores fp16 and bf16 weights when asked', async () => {
    for (const [dtype, name] of [
      ['fp16', 'Half'],
      ['bf16', 'BFloat16'],
    ] as const) {
      const bin = join(dir, `${dtype}.bin`);
      const written = await writePytorchStateDict({ checkpoint, outputPath: bin, dtype });
      expect(new Set(written.tensors.map((t) => t.dtype))).toEqual(new Set([name]));
      const read = await readPytorchStateDict({ path: bin, outputPath: join(dir, `${dtype}.safetensors`) });
      expect(read.tensors.map((t) => t.dtype)).toEqual(written.tensors.map((t) => t.dtype));
      const rebuilt = await checkpointFromHuggingFace({ weights: join(dir, `${dtype}.safetensors`), model: MODEL, outputDir: join(dir, `${dtype}-checkpoint`) });
      const diff = maxAbsDiff(reference, await nativeLogits(rebuilt.path));
      expect(diff).toBeGreaterThan(0); // the weights were rounded
      expect(diff).toBeLessThan(dtype === 'fp16' ? 2e-2 : 1.5e-1);
    }
  });

  it('writes a TorchScript model.pt whose logits, run by torch::jit::load, equal the native model’s', async () => {
    const pt = join(dir, 'model.pt');
    const written = await writeTorchScript({ checkpoint, outputPath: pt });
    expect(written.tensors.find((t) => t.name === 'transformer_h_0_attn_c_attn_weight')!.shape).toEqual([96, 32]);
    const logits = await torchScriptLogits({ path: pt, inputs, threads: 1 });
    expect(logits.shape).toEqual([2, T, MODEL.vocabSize]);
    expect(maxAbsDiff(reference, logits.data)).toBeLessThanOrEqual(1e-5);

    const half = await writeTorchScript({ checkpoint, outputPath: join(dir, 'model-fp16.pt'), dtype: 'fp16' });
    expect(new Set(half.tensors.map((t) => t.dtype))).toEqual(new Set(['Half']));
    const halfLogits = await torchScriptLogits({ path: join(dir, 'model-fp16.pt'), inputs });
    expect(maxAbsDiff(reference, halfLogits.data)).toBeLessThan(2e-2);
  });

  it('compiles models without biases to TorchScript', async () => {
    const noBias = (await createModel({ model: { ...MODEL, bias: false }, outputDir: join(dir, 'nobias'), seed: 2 })).path;
    const pt = join(dir, 'nobias.pt');
    await writeTorchScript({ checkpoint: noBias, outputPath: pt });
    expect(maxAbsDiff(await nativeLogits(noBias), (await torchScriptLogits({ path: pt, inputs })).data)).toBeLessThanOrEqual(1e-5);
    await expect(writePytorchStateDict({ checkpoint: noBias, outputPath: join(dir, 'nobias.bin') })).rejects.toThrow(/without biases, which GPT2LMHeadModel cannot hold/);
    expect(existsSync(join(dir, 'nobias.bin'))).toBe(false);
  });

  it('refuses bad files, naming them, and leaves nothing behind', async () => {
    const bad = tempDir('export-bad');
    const out = join(bad, 'out.safetensors');
    const legacy = join(bad, 'legacy.bin');
    writeFileSync(legacy, Buffer.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]));
    await expect(readPytorchStateDict({ path: legacy, outputPath: out })).rejects.toThrow(`${legacy} is a legacy (pre-zip) torch.save file`);
    const truncated = join(bad, 'truncated.bin');
    writeFileSync(truncated, readFileSync(join(dir, 'pytorch_model.bin')).subarray(0, 3000));
    await expect(readPytorchStateDict({ path: truncated, outputPath: out })).rejects.toThrow(`${truncated} is truncated or corrupt`);
    await expect(readPytorchStateDict({ path: join(bad, 'missing.bin'), outputPath: out })).rejects.toThrow(/missing\.bin does not exist/);
    await expect(readPytorchStateDict({ path: join(dir, 'model.pt'), outputPath: out })).rejects.toThrow(/model\.pt: data\.pkl uses pickle opcode/);
    await expect(torchScriptLogits({ path: join(dir, 'pytorch_model.bin'), inputs })).rejects.toThrow(/pytorch_model\.bin is not a loadable TorchScript module/);
    await expect(torchScriptLogits({ path: join(dir, 'model.pt'), inputs: [[1, 2, 99]] })).rejects.toThrow(/token 99 is outside the vocabulary of .*model\.pt \(65\)/);
    await expect(torchScriptLogits({ path: join(dir, 'model.pt'), inputs: [Array.from({ length: 17 }, () => 1)] })).rejects.toThrow(/rows of 17 tokens are longer than the context length/);
    await expect(writeTorchScript({ checkpoint, outputPath: join(bad, 'no-such-folder', 'model.pt') })).rejects.toThrow(/the folder of .*no-such-folder\/model\.pt does not exist/);
    await expect(checkpointFromHuggingFace({ weights: join(dir, 'read.safetensors'), model: { ...MODEL, nEmbd: 64 }, outputDir: join(bad, 'ckpt') })).rejects.toThrow(
      /tensor transformer\.wte\.weight has shape \[65, 32\] but the model expects \[65, 64\]/,
    );
    expect(readdirSync(bad).sort()).toEqual(['legacy.bin', 'truncated.bin']);
  });

  it('checks every argument before crossing into C++', () => {
    expect(() => writePytorchStateDict({ checkpoint: '', outputPath: 'x' })).toThrow('Expected a non-empty string for options.checkpoint but received "" of type string');
    expect(() => writePytorchStateDict({ checkpoint: 'c', outputPath: 'x', dtype: 'fp8' as never })).toThrow('Expected one of "fp32", "fp16", "bf16" for options.dtype but received "fp8" of type string');
    expect(() => writeTorchScript(null as never)).toThrow('Expected an object for options but received null');
    expect(() => readPytorchStateDict({ path: 'a.bin' } as never)).toThrow('Expected a non-empty string for options.outputPath but received undefined');
    expect(() => torchScriptLogits({ path: 'm.pt', inputs: [] })).toThrow('Expected a non-empty array of token rows for options.inputs but received array');
    expect(() => torchScriptLogits({ path: 'm.pt', inputs: [[1, 2], [3]] })).toThrow('Expected options.inputs[1] to hold 2 tokens, as options.inputs[0], but it holds 1');
    expect(() => torchScriptLogits({ path: 'm.pt', inputs: [[1, -2]] })).toThrow('Expected options.inputs[0][1] to be between 0 and 9007199254740990 but received -2');
    expect(() => checkpointFromHuggingFace({ weights: 'w', model: { ...MODEL, nHead: 5 }, outputDir: 'o' })).toThrow('Expected options.model.nEmbd (32) to be divisible by options.model.nHead (5)');
  });
});
