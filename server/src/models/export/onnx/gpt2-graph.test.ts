// The ONNX graph's encoding, without a runtime: fp16/bf16 rounding, the protobuf written and read
// back (opset, dynamic axes, initializer layout, casts), and what the builder refuses. The files
// running in onnxruntime are tested in ../onnx-format.test.ts.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExportedModel } from '../export-format.ts';
import { buildGpt2Model, encodeGpt2Model, floatBytes, type Gpt2Weights, gpt2WeightBytes } from './gpt2-graph.ts';
import { decodeModel, encodeModel, OnnxDataType, writeModelFile } from './onnx-proto.ts';

const halves = (values: number[], dtype: 'fp16' | 'bf16') => Array.from(new Uint16Array(floatBytes(Float32Array.from(values), dtype).slice().buffer));

const MODEL: ExportedModel = { vocabSize: 11, contextLength: 8, nLayer: 2, nHead: 2, nEmbd: 4, dropout: 0, bias: true };

function weights(model: ExportedModel): Gpt2Weights {
  const { vocabSize: V, contextLength: N, nEmbd: C, nLayer: L, bias } = model;
  let seed = 1;
  const values = (n: number) => Float32Array.from({ length: n }, () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1);
  const maybe = (n: number) => (bias ? values(n) : null);
  return {
    wte: values(V * C),
    wpe: values(N * C),
    blocks: Array.from({ length: L }, () => ({
      ln1Weight: values(C),
      ln1Bias: maybe(C),
      attnWeight: values(3 * C * C),
      attnBias: maybe(3 * C),
      attnProjWeight: values(C * C),
      attnProjBias: maybe(C),
      ln2Weight: values(C),
      ln2Bias: maybe(C),
      fcWeight: values(4 * C * C),
      fcBias: maybe(4 * C),
      mlpProjWeight: values(4 * C * C),
      mlpProjBias: maybe(C),
    })),
    lnfWeight: values(C),
    lnfBias: maybe(C),
  };
}

describe('ONNX weights in half precision', () => {
  it('rounds float32 to fp16 to nearest even, with subnormals, overflow and NaN', () => {
    const ulp = 2 ** -10;
    expect(halves([1, -2, 0, -0, 65504, 65520, Infinity, -Infinity, NaN, 2 ** -14, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1 + ulp / 2, 1 + (3 * ulp) / 2, 0.1], 'fp16')).toEqual([
      0x3c00, 0xc000, 0x0000, 0x8000, 0x7bff, 0x7c00, 0x7c00, 0xfc00, 0x7e00, 0x0400, 0x0001, 0x0000, 0x0001, 0x3c00, 0x3c02, 0x2e66,
    ]);
  });

  it('rounds float32 to bf16 to nearest even, keeping NaN a NaN', () => {
    expect(halves([1, -2, 1 + 2 ** -8, 1 + 3 * 2 ** -8, 3.4e38, NaN, 0.1], 'bf16')).toEqual([0x3f80, 0xc000, 0x3f80, 0x3f82, 0x7f80, 0x7fc0, 0x3dcd]);
  });
});

describe('ONNX GPT-2 graph', () => {
  it('declares the opset, IR version and dynamic axes, and stores Linear weights as (in, out)', () => {
    const decoded = decodeModel(encodeGpt2Model({ model: MODEL, weights: weights(MODEL), dtype: 'fp32', opset: 18, withPast: true }));
    expect(decoded.ir_version).toBe(8);
    // the default domain ('' and absent are the same to readers)
    expect(decoded.opset_import.map((o) => [o.domain ?? '', o.version])).toEqual([['', 18]]);
    const dims = (v: (typeof decoded.graph.input)[number]) => v.type.tensor_type.shape.dim.map((d) => ('dim_param' in d ? d.dim_param : d.dim_value));
    expect(decoded.graph.input.map((v) => [v.name, dims(v)])).toEqual([
      ['input_ids', ['batch', 'sequence']],
      ['past_key_values.0.key', ['batch', 2, 'past_sequence', 2]],
      ['past_key_values.0.value', ['batch', 2, 'past_sequence', 2]],
      ['past_key_values.1.key', ['batch', 2, 'past_sequence', 2]],
      ['past_key_values.1.value', ['batch', 2, 'past_sequence', 2]],
    ]);
    expect(decoded.graph.output.map((v) => [v.name, dims(v)])).toEqual([
      ['logits', ['batch', 'sequence', 11]],
      ['present.0.key', ['batch', 2, 'total_sequence', 2]],
      ['present.0.value', ['batch', 2, 'total_sequence', 2]],
      ['present.1.key', ['batch', 2, 'total_sequence', 2]],
      ['present.1.value', ['batch', 2, 'total_sequence', 2]],
    ]);
    const initializer = (name: string) => decoded.graph.initializer.find((t) => t.name === name)!;
    expect(initializer('transformer.h.0.attn.c_attn.weight').dims).toEqual([4, 12]);
    expect(initializer('transformer.h.1.mlp.c_proj.weight').dims).toEqual([16, 4]);
    // The LM head is wte itself (Gemm with transB), not a second copy.
    expect(decoded.graph.initializer.filter((t) => t.dims.join() === '11,4')).toHaveLength(1);
    expect(decoded.graph.node.filter((n) => n.op_type === 'LayerNormalization')).toHaveLength(5);
    expect(decoded.metadata_props).toContainEqual({ key: 'egen.model', value: JSON.stringify(MODEL) });
  });

  it('stores fp16 weights as FLOAT16 initializers cast to float32, and omits biases of a bias-less model', () => {
    const model = { ...MODEL, bias: false };
    const fp32 = decodeModel(encodeGpt2Model({ model, weights: weights(model), dtype: 'fp32', opset: 17, withPast: false }));
    const fp16 = decodeModel(encodeGpt2Model({ model, weights: weights(model), dtype: 'fp16', opset: 17, withPast: false }));
    expect(fp32.graph.initializer.some((t) => t.name.endsWith('.bias'))).toBe(false);
    const storedWeights = fp16.graph.initializer.filter((t) => t.name.startsWith('transformer.'));
    expect(storedWeights.length).toBeGreaterThan(0);
    expect(storedWeights.every((t) => t.data_type === OnnxDataType.FLOAT16)).toBe(true);
    expect(fp16.graph.node.filter((n) => n.op_type === 'Cast')).toHaveLength(storedWeights.length);
    const bytes = (m: typeof fp32) => m.graph.initializer.filter((t) => t.name.startsWith('transformer.')).reduce((sum, t) => sum + t.raw_data.length, 0);
    expect(bytes(fp32)).toBe(gpt2WeightBytes(model, 'fp32'));
    expect(bytes(fp16)).toBe(gpt2WeightBytes(model, 'fp16'));
    expect(gpt2WeightBytes(MODEL, 'fp32')).toBe(4 * (11 * 4 + 8 * 4 + 2 * (12 * 16 + 13 * 4) + 2 * 4));
  });

  it('streams to a file the same model encodeModel serializes, and stops between tensors when aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'egen-onnx-proto-'));
    const model = buildGpt2Model({ model: MODEL, weights: weights(MODEL), dtype: 'fp16', opset: 17, withPast: true, metadata: { note: 'streamed' } });
    const fractions: number[] = [];
    await writeModelFile(join(dir, 'model.onnx'), model, { onProgress: (f) => fractions.push(f) });
    const streamed = readFileSync(join(dir, 'model.onnx'));
    const whole = encodeModel(model);
    expect(streamed.length).toBe(whole.length);
    expect(decodeModel(streamed)).toEqual(decodeModel(whole));
    expect(fractions).toHaveLength(model.graph.initializer.length);
    expect(fractions.at(-1)).toBe(1);

    const controller = new AbortController();
    const partial = writeModelFile(join(dir, 'aborted.onnx'), model, { signal: controller.signal, onProgress: () => controller.abort() });
    await expect(partial).rejects.toThrow(/abort/i);
  });

  it('refuses an opset without LayerNormalization and weights that do not fit the config, naming them', () => {
    expect(() => buildGpt2Model({ model: MODEL, weights: weights(MODEL), dtype: 'fp32', opset: 16, withPast: false })).toThrow(/opset 16 has no LayerNormalization/);
    const short = weights(MODEL);
    short.blocks[1]!.fcBias = new Float32Array(3);
    expect(() => buildGpt2Model({ model: MODEL, weights: short, dtype: 'fp32', opset: 17, withPast: false })).toThrow(/h\.1\.mlp\.c_fc\.bias holds 3 values where the model config implies 16/);
  });
});
