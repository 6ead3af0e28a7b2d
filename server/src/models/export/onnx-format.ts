// The ONNX format writer: model.onnx (input_ids → logits) and, with onnxWithPast,
// model_with_past.onnx (plus past_key_values.{i}.key|value → present.{i}.key|value), written from
// the checkpoint in TypeScript (no Python at export time), with config.json and the tokenizer beside
// them; weights past protobuf's 2 GiB go to model.onnx.data, which both graphs reference. Parity
// runs model.onnx in onnxruntime-node; the with-past graph must give the same logits decoding
// incrementally, or the export fails.
import { rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EGEN_VERSION } from '../../system/system.service.ts';
import { refuseClassifier, ExportFormat, type ExportedModel, type FormatWriteContext, type FormatWriter, maxAbsDifference, PARITY_TOLERANCE } from './export-format.ts';
import { gpt2Config } from './huggingface-export.ts';
import { buildGpt2Model, gpt2WeightBytes } from './onnx/gpt2-graph.ts';
import { type ExternalData, writeExternalData, writeModelFile } from './onnx/onnx-proto.ts';
import { readGpt2Weights } from './onnx/gpt2-weights.ts';
import { ONNX_RUNTIME_NAME, onnxIncrementalLogits, onnxLogits, openOnnxSession } from './onnx/onnx-runtime.ts';
import type { ExportOptions } from '../../../../schema/options/export-options.ts';

export const ONNX_FILES = { model: 'model.onnx', withPast: 'model_with_past.onnx', externalData: 'model.onnx.data', config: 'config.json', tokenizer: 'tokenizer.json' } as const;

/**
 * A protobuf message, and so an ONNX file holding its weights, cannot exceed 2 GiB. Past this many
 * bytes of weights (64 MiB left for the graph) they go into model.onnx.data beside the graphs,
 * which both graphs reference (GPT-2 large and up in fp32).
 */
export const MAX_INLINE_WEIGHT_BYTES = 2 ** 31 - 64 * 2 ** 20;

/** Tensors smaller than this stay inside the graph even with external data (constants, LayerNorm). */
const EXTERNAL_MIN_BYTES = 1024;

function refuse(model: ExportedModel, options: ExportOptions): string | null {
  const classifier = refuseClassifier(model, 'ONNX');
  if (classifier) return classifier;
  if (options.onnxOpset < 17) return `ONNX opset ${options.onnxOpset} has no LayerNormalization; choose opset 17 or later`;
  return null;
}

/** write(), with the weight size past which the weights go to external data (a parameter for tests). */
export async function writeOnnxArtifact(ctx: FormatWriteContext, externalDataAbove = MAX_INLINE_WEIGHT_BYTES): Promise<string[]> {
  const refusal = refuse(ctx.model, ctx.options);
  if (refusal) throw new Error(`ONNX export: ${refusal}`);
  const written: string[] = [];
  const step = async () => {
    // Let a pending abort land between the synchronous steps.
    await nextTurn();
    ctx.signal.throwIfAborted();
  };
  try {
    await step();
    ctx.progress(0, 'reading the weights');
    const weights = await readGpt2Weights(ctx.checkpointDir, ctx.model);
    const graphs = ctx.options.onnxWithPast ? [false, true] : [false];
    const models = graphs.map((withPast) => ({
      file: withPast ? ONNX_FILES.withPast : ONNX_FILES.model,
      proto: buildGpt2Model({ model: ctx.model, weights, dtype: ctx.options.dtype, opset: ctx.options.onnxOpset, withPast, producerVersion: EGEN_VERSION }),
    }));
    // Progress: reading took the first tenth; the rest goes by weight bytes written, either into
    // each graph file or once into the external data file (the graphs are then a few kilobytes).
    const external = gpt2WeightBytes(ctx.model, ctx.options.dtype) > externalDataAbove;
    const graphShare = external ? 0.01 : 1;
    const parts = (external ? 1 : 0) + graphs.length * graphShare;
    let done = 0;
    const reporter = (text: string, share: number) => {
      const start = done;
      done += share;
      return (fraction: number) => ctx.progress(0.1 + (0.9 * (start + share * fraction)) / parts, text);
    };
    let externalData: ExternalData | undefined;
    if (external) {
      const report = reporter(`writing ${ONNX_FILES.externalData}`, 1);
      await step();
      report(0);
      written.push(ONNX_FILES.externalData);
      externalData = await writeExternalData(join(ctx.outputDir, ONNX_FILES.externalData), models[0]!.proto.graph.initializer, { minBytes: EXTERNAL_MIN_BYTES, signal: ctx.signal, onProgress: report });
    }
    for (const { file, proto } of models) {
      const report = reporter(`writing ${file}`, graphShare);
      await step();
      report(0);
      written.push(file);
      await writeModelFile(join(ctx.outputDir, file), proto, { signal: ctx.signal, onProgress: report, externalData });
    }
    await step();
    written.push(ONNX_FILES.config);
    await writeFile(join(ctx.outputDir, ONNX_FILES.config), `${JSON.stringify(gpt2Config(ctx.model), null, 2)}\n`, { signal: ctx.signal });
    if (ctx.tokenizerJson !== null) {
      written.push(ONNX_FILES.tokenizer);
      await writeFile(join(ctx.outputDir, ONNX_FILES.tokenizer), ctx.tokenizerJson, { signal: ctx.signal });
    }
    ctx.progress(1, 'written');
    return written;
  } catch (error) {
    // The job removes its folder too; a writer leaves nothing of its own behind either way.
    for (const file of written) rmSync(join(ctx.outputDir, file), { force: true });
    throw error;
  }
}

async function parityLogits(ctx: FormatWriteContext, prompts: number[][]): Promise<Float32Array> {
  const session = await openOnnxSession(join(ctx.outputDir, ONNX_FILES.model));
  let logits: Float32Array;
  try {
    logits = await onnxLogits(session, prompts);
  } finally {
    await session.release();
  }
  if (ctx.options.onnxWithPast) {
    ctx.signal.throwIfAborted();
    const withPast = await openOnnxSession(join(ctx.outputDir, ONNX_FILES.withPast));
    try {
      const incremental = await onnxIncrementalLogits(withPast, ctx.model, prompts, Math.ceil((prompts[0]?.length ?? 1) / 2));
      const difference = maxAbsDifference(logits, incremental);
      const tolerance = PARITY_TOLERANCE[ctx.options.dtype];
      if (!(difference <= tolerance)) throw new Error(`ONNX export: ${ONNX_FILES.withPast} decoding token by token differs from ${ONNX_FILES.model} by ${difference.toExponential(2)} (tolerance ${tolerance})`);
    } finally {
      await withPast.release();
    }
  }
  return logits;
}

export const onnxFormatWriter: FormatWriter = {
  format: ExportFormat.ONNX,
  description: 'ONNX graph (opset 17+, dynamic batch and sequence) for onnxruntime, with an incremental-decoding variant taking past keys and values',
  options: ['dtype', 'onnxOpset', 'onnxWithPast'],
  refuse,
  write: (ctx) => writeOnnxArtifact(ctx),
  parityLogits,
  parityRuntime: ONNX_RUNTIME_NAME,
};
