// The ONNX graph of an EGen GPT-2, written from the model config and its weights (the math of
// native/src/model/gpt.cc): token + learned position embeddings, pre-norm blocks (LayerNorm eps
// 1e-5, causal self-attention scaled by 1/sqrt(head_dim), exact erf GELU MLP of width 4·C), a final
// LayerNorm and the LM head tied to wte. Shapes: B = batch, T = sequence (new tokens), P = past
// sequence, S = P + T, C = nEmbd, H = nHead, D = C / H, V = vocabSize.
//
// Precision: the graph always computes in float32 and returns float32 logits. For fp16 and bf16
// the weights are stored in that type (half the file) and cast to float32 once per use site;
// onnxruntime folds those casts into float32 constants when it loads the session, so inference
// costs the same as fp32 and the logits are those of the rounded weights.
import type { ExportOptions } from '../../../../../schema/options/export-options.ts';
import type { ExportedModel } from '../export-format.ts';
import { type AttributeProto, encodeModel, irVersionForOpset, type GraphProto, type ModelProto, type NodeProto, OnnxAttributeType, OnnxDataType, type TensorProto, valueInfo } from './onnx-proto.ts';

const LAYER_NORM_EPS = 1e-5;

/** The weights of one block, Linear weights already in (in, out) layout for MatMul. */
export interface Gpt2BlockWeights {
  ln1Weight: Float32Array;
  ln1Bias: Float32Array | null;
  attnWeight: Float32Array; // (C, 3C)
  attnBias: Float32Array | null;
  attnProjWeight: Float32Array; // (C, C)
  attnProjBias: Float32Array | null;
  ln2Weight: Float32Array;
  ln2Bias: Float32Array | null;
  fcWeight: Float32Array; // (C, 4C)
  fcBias: Float32Array | null;
  mlpProjWeight: Float32Array; // (4C, C)
  mlpProjBias: Float32Array | null;
}

export interface Gpt2Weights {
  wte: Float32Array; // (V, C), also the LM head
  wpe: Float32Array; // (contextLength, C)
  blocks: Gpt2BlockWeights[];
  lnfWeight: Float32Array;
  lnfBias: Float32Array | null;
}

export interface Gpt2GraphOptions {
  model: ExportedModel;
  weights: Gpt2Weights;
  dtype: ExportOptions['dtype'];
  /** The default-domain opset (≥ 17: LayerNormalization). */
  opset: number;
  /** Take past_key_values.{i}.key|value and return present.{i}.key|value. */
  withPast: boolean;
  /** Written into the model's metadata_props (e.g. the EGen version and source version). */
  metadata?: Record<string, string>;
  producerVersion?: string;
}

/** Graph input and output names, as Hugging Face optimum's GPT-2 export names them. */
export const ONNX_NAMES = {
  inputIds: 'input_ids',
  logits: 'logits',
  pastKey: (layer: number) => `past_key_values.${layer}.key`,
  pastValue: (layer: number) => `past_key_values.${layer}.value`,
  presentKey: (layer: number) => `present.${layer}.key`,
  presentValue: (layer: number) => `present.${layer}.value`,
} as const;

/** The dynamic axes, by name. */
export const ONNX_AXES = { batch: 'batch', sequence: 'sequence', pastSequence: 'past_sequence', totalSequence: 'total_sequence' } as const;

// ---- float32 → fp16 / bf16, rounding to nearest even ----

function float16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // subnormal half: value / 2^-24, rounded
    if (e < -10) return sign;
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  // a carry out of the mantissa correctly bumps the exponent (up to infinity)
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

function bfloat16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) & 0x8000) | 0x7fc0;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

// Both graphs of an export share the weights: convert each once.
const converted = new WeakMap<Float32Array, Map<ExportOptions['dtype'], Uint8Array>>();

/** The float32 values in `dtype`, as raw little-endian bytes. */
export function floatBytes(values: Float32Array, dtype: ExportOptions['dtype']): Uint8Array {
  if (dtype === 'fp32') return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const cached = converted.get(values)?.get(dtype);
  if (cached) return cached;
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const convert = dtype === 'fp16' ? float16Bits : bfloat16Bits;
  const out = new Uint16Array(values.length);
  for (let i = 0; i < bits.length; i++) out[i] = convert(bits[i]!);
  const bytes = new Uint8Array(out.buffer);
  converted.set(values, (converted.get(values) ?? new Map()).set(dtype, bytes));
  return bytes;
}

const STORED_TYPE: Record<ExportOptions['dtype'], OnnxDataType> = { fp32: OnnxDataType.FLOAT, fp16: OnnxDataType.FLOAT16, bf16: OnnxDataType.BFLOAT16 };

// ---- the graph ----

const attr = {
  int: (name: string, i: number): AttributeProto => ({ name, type: OnnxAttributeType.INT, i }),
  ints: (name: string, ints: number[]): AttributeProto => ({ name, type: OnnxAttributeType.INTS, ints }),
  float: (name: string, f: number): AttributeProto => ({ name, type: OnnxAttributeType.FLOAT, f }),
};

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  #count = 0;

  constructor(readonly dtype: ExportOptions['dtype']) {}

  /** Adds a node; returns its output names (given, or generated from the node's name). */
  op(opType: string, inputs: string[], attributes: AttributeProto[] = [], outputs: number | string[] = 1): string[] {
    const name = `${opType}_${this.#count++}`;
    const output = typeof outputs === 'number' ? Array.from({ length: outputs }, (_, i) => `${name}_${i}`) : outputs;
    this.nodes.push({ name, op_type: opType, input: inputs, output, attribute: attributes });
    return output;
  }

  /** A node with one output. */
  op1(opType: string, inputs: string[], attributes: AttributeProto[] = [], output?: string): string {
    return this.op(opType, inputs, attributes, output === undefined ? 1 : [output])[0]!;
  }

  int64(name: string, values: number[], dims: number[] = [values.length]): string {
    const data = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, data_type: OnnxDataType.INT64, dims, raw_data: new Uint8Array(data.buffer) });
    return name;
  }

  float32(name: string, value: number): string {
    this.initializers.push({ name, data_type: OnnxDataType.FLOAT, dims: [], raw_data: new Uint8Array(new Float32Array([value]).buffer) });
    return name;
  }

  /** A weight stored in the export's dtype; returns the name of its float32 value. */
  weight(name: string, dims: number[], values: Float32Array): string {
    this.initializers.push({ name, data_type: STORED_TYPE[this.dtype], dims, raw_data: floatBytes(values, this.dtype) });
    if (this.dtype === 'fp32') return name;
    return this.op1('Cast', [name], [attr.int('to', OnnxDataType.FLOAT)], `${name}.float`);
  }

  /** Optional weight: '' (an omitted optional input) when absent. */
  optionalWeight(name: string, dims: number[], values: Float32Array | null): string {
    return values ? this.weight(name, dims, values) : '';
  }
}

function checkSizes(model: ExportedModel, weights: Gpt2Weights): void {
  const { vocabSize: V, contextLength: N, nEmbd: C, nLayer: L } = model;
  const check = (what: string, values: Float32Array | null, expected: number) => {
    if (values && values.length !== expected) throw new Error(`ONNX export: ${what} holds ${values.length} values where the model config implies ${expected}`);
    if (!values && model.bias && /bias/.test(what)) throw new Error(`ONNX export: ${what} is missing in a model with biases`);
  };
  check('wte', weights.wte, V * C);
  check('wpe', weights.wpe, N * C);
  if (weights.blocks.length !== L) throw new Error(`ONNX export: ${weights.blocks.length} blocks of weights where the model config has nLayer ${L}`);
  weights.blocks.forEach((b, i) => {
    const p = `h.${i}.`;
    check(`${p}ln_1.weight`, b.ln1Weight, C);
    check(`${p}ln_1.bias`, b.ln1Bias, C);
    check(`${p}attn.c_attn.weight`, b.attnWeight, C * 3 * C);
    check(`${p}attn.c_attn.bias`, b.attnBias, 3 * C);
    check(`${p}attn.c_proj.weight`, b.attnProjWeight, C * C);
    check(`${p}attn.c_proj.bias`, b.attnProjBias, C);
    check(`${p}ln_2.weight`, b.ln2Weight, C);
    check(`${p}ln_2.bias`, b.ln2Bias, C);
    check(`${p}mlp.c_fc.weight`, b.fcWeight, C * 4 * C);
    check(`${p}mlp.c_fc.bias`, b.fcBias, 4 * C);
    check(`${p}mlp.c_proj.weight`, b.mlpProjWeight, 4 * C * C);
    check(`${p}mlp.c_proj.bias`, b.mlpProjBias, C);
  });
  check('ln_f.weight', weights.lnfWeight, C);
  check('ln_f.bias', weights.lnfBias, C);
}

/** The ModelProto of the GPT-2 (with or without past key/value inputs). */
export function buildGpt2Model(options: Gpt2GraphOptions): ModelProto {
  const { model, weights, withPast } = options;
  if (options.opset < 17) throw new Error(`ONNX export: opset ${options.opset} has no LayerNormalization; use 17 or later`);
  if (model.nEmbd % model.nHead !== 0) throw new Error(`ONNX export: nEmbd ${model.nEmbd} is not divisible by nHead ${model.nHead}`);
  checkSizes(model, weights);
  const { vocabSize: V, contextLength: N, nEmbd: C, nHead: H, nLayer: L } = model;
  const D = C / H;
  const g = new GraphBuilder(options.dtype);
  const { batch, sequence, pastSequence, totalSequence } = ONNX_AXES;

  // constants
  const zero = g.int64('const.zero', [0], []);
  const one = g.int64('const.one', [1], []);
  const axis0 = g.int64('const.axes_0', [0]);
  const axis1 = g.int64('const.axes_1', [1]);
  const headsShape = g.int64('const.heads_shape', [0, 0, H, D]); // (B, T, C) → (B, T, H, D); 0 keeps the dimension
  const mergedShape = g.int64('const.merged_shape', [0, 0, C]);
  const rowsShape = g.int64('const.rows_shape', [-1, C]);
  const vocabDim = g.int64('const.vocab_dim', [V]);
  const qkvSplit = g.int64('const.qkv_split', [C, C, C]);
  const scale = g.float32('const.attention_scale', 1 / Math.sqrt(D));
  const negativeInfinity = g.float32('const.negative_infinity', -Infinity);
  const half = g.float32('const.half', 0.5);
  const oneFloat = g.float32('const.one_float', 1);
  const inverseSqrt2 = g.float32('const.inverse_sqrt2', Math.SQRT1_2);

  const inputIds = ONNX_NAMES.inputIds;
  const idsShape = g.op1('Shape', [inputIds]); // [B, T]
  const T = g.op1('Gather', [idsShape, one], [attr.int('axis', 0)]);
  // Positions of the new tokens start after the past.
  const P = withPast ? g.op1('Gather', [g.op1('Shape', [ONNX_NAMES.pastKey(0)]), g.int64('const.two', [2], [])], [attr.int('axis', 0)]) : zero;
  const S = g.op1('Add', [P, T]);
  const queryPositions = g.op1('Range', [P, S, one]); // (T)
  const keyPositions = withPast ? g.op1('Range', [zero, S, one]) : queryPositions; // (S)
  // Query at absolute position p sees keys at positions ≤ p: (T, S) booleans.
  const allowed = g.op1('LessOrEqual', [g.op1('Unsqueeze', [keyPositions, axis0]), g.op1('Unsqueeze', [queryPositions, axis1])]);

  const wte = g.weight('transformer.wte.weight', [V, C], weights.wte);
  const wpe = g.weight('transformer.wpe.weight', [N, C], weights.wpe);
  let x = g.op1('Add', [g.op1('Gather', [wte, inputIds], [attr.int('axis', 0)]), g.op1('Gather', [wpe, queryPositions], [attr.int('axis', 0)])]); // (B, T, C)

  const layerNorm = (input: string, prefix: string, weight: Float32Array, bias: Float32Array | null): string => {
    const inputs = [input, g.weight(`${prefix}.weight`, [C], weight)];
    if (bias) inputs.push(g.weight(`${prefix}.bias`, [C], bias));
    return g.op1('LayerNormalization', inputs, [attr.int('axis', -1), attr.float('epsilon', LAYER_NORM_EPS)]);
  };
  const linear = (input: string, prefix: string, inFeatures: number, outFeatures: number, weight: Float32Array, bias: Float32Array | null): string => {
    const product = g.op1('MatMul', [input, g.weight(`${prefix}.weight`, [inFeatures, outFeatures], weight)]);
    return bias ? g.op1('Add', [product, g.weight(`${prefix}.bias`, [outFeatures], bias)]) : product;
  };
  const heads = (input: string): string => g.op1('Transpose', [g.op1('Reshape', [input, headsShape])], [attr.ints('perm', [0, 2, 1, 3])]); // (B, H, T, D)

  const outputs = [valueInfo(ONNX_NAMES.logits, OnnxDataType.FLOAT, [batch, sequence, V])];
  const pastInputs = [];
  for (let i = 0; i < L; i++) {
    const b = weights.blocks[i]!;
    const p = `transformer.h.${i}`;
    // attention
    const h1 = layerNorm(x, `${p}.ln_1`, b.ln1Weight, b.ln1Bias);
    const qkv = linear(h1, `${p}.attn.c_attn`, C, 3 * C, b.attnWeight, b.attnBias);
    const [q, k, v] = g.op('Split', [qkv, qkvSplit], [attr.int('axis', 2)], 3) as [string, string, string];
    let keys = heads(k);
    let values = heads(v);
    if (withPast) {
      pastInputs.push(valueInfo(ONNX_NAMES.pastKey(i), OnnxDataType.FLOAT, [batch, H, pastSequence, D]), valueInfo(ONNX_NAMES.pastValue(i), OnnxDataType.FLOAT, [batch, H, pastSequence, D]));
      keys = g.op1('Concat', [ONNX_NAMES.pastKey(i), keys], [attr.int('axis', 2)], ONNX_NAMES.presentKey(i));
      values = g.op1('Concat', [ONNX_NAMES.pastValue(i), values], [attr.int('axis', 2)], ONNX_NAMES.presentValue(i));
      outputs.push(valueInfo(ONNX_NAMES.presentKey(i), OnnxDataType.FLOAT, [batch, H, totalSequence, D]), valueInfo(ONNX_NAMES.presentValue(i), OnnxDataType.FLOAT, [batch, H, totalSequence, D]));
    }
    const scores = g.op1('Mul', [g.op1('MatMul', [heads(q), g.op1('Transpose', [keys], [attr.ints('perm', [0, 1, 3, 2])])]), scale]); // (B, H, T, S)
    const weightsOfKeys = g.op1('Softmax', [g.op1('Where', [allowed, scores, negativeInfinity])], [attr.int('axis', -1)]);
    const attended = g.op1('Reshape', [g.op1('Transpose', [g.op1('MatMul', [weightsOfKeys, values])], [attr.ints('perm', [0, 2, 1, 3])]), mergedShape]); // (B, T, C)
    x = g.op1('Add', [x, linear(attended, `${p}.attn.c_proj`, C, C, b.attnProjWeight, b.attnProjBias)]);
    // MLP with the exact GELU: 0.5 · u · (1 + erf(u / √2))
    const h2 = layerNorm(x, `${p}.ln_2`, b.ln2Weight, b.ln2Bias);
    const u = linear(h2, `${p}.mlp.c_fc`, C, 4 * C, b.fcWeight, b.fcBias);
    const gelu = g.op1('Mul', [g.op1('Mul', [u, half]), g.op1('Add', [g.op1('Erf', [g.op1('Mul', [u, inverseSqrt2])]), oneFloat])]);
    x = g.op1('Add', [x, linear(gelu, `${p}.mlp.c_proj`, 4 * C, C, b.mlpProjWeight, b.mlpProjBias)]);
  }
  const final = layerNorm(x, 'transformer.ln_f', weights.lnfWeight, weights.lnfBias);
  // LM head tied to wte: (B·T, C) × wteᵀ, then back to (B, T, V).
  const rows = g.op1('Gemm', [g.op1('Reshape', [final, rowsShape]), wte], [attr.int('transB', 1)]);
  g.op1('Reshape', [rows, g.op1('Concat', [idsShape, vocabDim], [attr.int('axis', 0)])], [], ONNX_NAMES.logits);

  const graph: GraphProto = {
    name: withPast ? 'egen_gpt2_with_past' : 'egen_gpt2',
    node: g.nodes,
    initializer: g.initializers,
    input: [valueInfo(inputIds, OnnxDataType.INT64, [batch, sequence]), ...pastInputs],
    output: outputs,
    doc_string: `EGen GPT-2: ${L} layers, ${H} heads, ${C} embedding, ${V} vocabulary, context ${N}${model.bias ? '' : ', no biases'}; weights ${options.dtype}, computed in float32`,
  };
  const metadata = { ...options.metadata, 'egen.model': JSON.stringify(model), 'egen.dtype': options.dtype, 'egen.with_past': String(withPast) };
  return {
    ir_version: irVersionForOpset(options.opset),
    producer_name: 'EGen',
    producer_version: options.producerVersion ?? '',
    graph,
    opset_import: [{ domain: '', version: options.opset }],
    metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
}

/** The serialized ONNX file of the GPT-2. */
export function encodeGpt2Model(options: Gpt2GraphOptions): Uint8Array {
  return encodeModel(buildGpt2Model(options));
}

/** Bytes of the weights an export stores (what bounds the file size). */
export function gpt2WeightBytes(model: ExportedModel, dtype: ExportOptions['dtype']): number {
  const { vocabSize: V, contextLength: N, nEmbd: C, nLayer: L, bias } = model;
  const perBlock = 12 * C * C + (bias ? 13 * C : 2 * C);
  const values = V * C + N * C + L * perBlock + (bias ? 2 * C : C);
  return values * (dtype === 'fp32' ? 4 : 2);
}
