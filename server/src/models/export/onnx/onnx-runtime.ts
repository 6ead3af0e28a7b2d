// Running an exported GPT-2 in onnxruntime-node: the full graph on a batch, and the with-past graph
// decoding incrementally (a prefill, then one token at a time), both returning (B, T, V) logits.
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';
import type { ExportedModel } from '../export-format.ts';
import { ONNX_NAMES } from './gpt2-graph.ts';

type OrtModule = typeof Ort;

/** What runs the parity check, in words (read from the package, so that naming it loads no binary). */
export const ONNX_RUNTIME_NAME = `onnxruntime-node ${(createRequire(import.meta.url)('onnxruntime-node/package.json') as { version: string }).version}`;

// onnxruntime's native binding loads on first use, not when the server imports the export formats.
let runtime: Promise<OrtModule> | null = null;
function loadRuntime(): Promise<OrtModule> {
  runtime ??= import('onnxruntime-node');
  return runtime;
}

export interface OnnxSessionOptions {
  /** Intra-op threads. Defaults to onnxruntime's default (one per core). */
  threads?: number;
}

export async function openOnnxSession(path: string, options: OnnxSessionOptions = {}): Promise<Ort.InferenceSession> {
  const ort = await loadRuntime();
  return ort.InferenceSession.create(path, { ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}), graphOptimizationLevel: 'all' });
}

function idsTensor(ort: OrtModule, rows: number[][]): Ort.Tensor {
  const width = rows[0]?.length ?? 0;
  if (rows.some((row) => row.length !== width)) throw new Error('onnxruntime: every prompt must hold the same number of tokens');
  return new ort.Tensor(
    'int64',
    BigInt64Array.from(rows.flat(), (id) => BigInt(id)),
    [rows.length, width],
  );
}

function float32Output(result: Ort.InferenceSession.ReturnType, name: string): Ort.Tensor {
  const tensor = result[name];
  if (!tensor || tensor.type !== 'float32') throw new Error(`onnxruntime: the graph returned no float32 ${name}`);
  return tensor;
}

/** Logits (B·T·V, row-major) of the full graph (model.onnx) on equally long prompts. */
export async function onnxLogits(session: Ort.InferenceSession, prompts: number[][]): Promise<Float32Array> {
  const ort = await loadRuntime();
  const result = await session.run({ [ONNX_NAMES.inputIds]: idsTensor(ort, prompts) });
  return float32Output(result, ONNX_NAMES.logits).data as Float32Array;
}

/**
 * Logits (B·T·V, row-major) of the with-past graph (model_with_past.onnx): the first `prefill`
 * tokens of every prompt in one call starting from an empty past, then each later token alone with
 * the presents of the call before as its past.
 */
export async function onnxIncrementalLogits(session: Ort.InferenceSession, model: Pick<ExportedModel, 'nLayer' | 'nHead' | 'nEmbd' | 'vocabSize'>, prompts: number[][], prefill: number): Promise<Float32Array> {
  const B = prompts.length;
  const T = prompts[0]?.length ?? 0;
  if (prefill < 1 || prefill > T) throw new RangeError(`onnxruntime: prefill must be 1 to ${T} tokens, got ${prefill}`);
  const ort = await loadRuntime();
  const { nLayer: L, nHead: H, nEmbd: C, vocabSize: V } = model;
  const D = C / H;
  let past: Record<string, Ort.Tensor> = {};
  for (let i = 0; i < L; i++) {
    past[ONNX_NAMES.pastKey(i)] = new ort.Tensor('float32', new Float32Array(0), [B, H, 0, D]);
    past[ONNX_NAMES.pastValue(i)] = new ort.Tensor('float32', new Float32Array(0), [B, H, 0, D]);
  }
  const logits = new Float32Array(B * T * V);
  for (let start = 0; start < T;) {
    const end = start === 0 ? prefill : start + 1;
    const result = await session.run({
      [ONNX_NAMES.inputIds]: idsTensor(
        ort,
        prompts.map((row) => row.slice(start, end)),
      ),
      ...past,
    });
    const chunk = float32Output(result, ONNX_NAMES.logits).data as Float32Array;
    const width = end - start;
    for (let b = 0; b < B; b++) logits.set(chunk.subarray(b * width * V, (b + 1) * width * V), (b * T + start) * V);
    past = {};
    for (let i = 0; i < L; i++) {
      past[ONNX_NAMES.pastKey(i)] = float32Output(result, ONNX_NAMES.presentKey(i));
      past[ONNX_NAMES.pastValue(i)] = float32Output(result, ONNX_NAMES.presentValue(i));
    }
    start = end;
  }
  return logits;
}
