// The export formats and what every format writer provides, declared once. The export job
// (models/artifacts) drives a writer: write the files into a fresh folder, then compute the
// artifact's logits on the parity prompts in a runtime that is not EGen's generator, and compare
// them with the native model's logits (NativeModel.logits) on the same prompts.
import type { ExportOptions } from '../../../../schema/options/export-options.ts';

export enum ExportFormat {
  HUGGING_FACE = 'HUGGING_FACE',
  PYTORCH = 'PYTORCH',
  TORCHSCRIPT = 'TORCHSCRIPT',
  ONNX = 'ONNX',
}

/** The architecture of the checkpoint being exported (checkpoint.json's model, native names). */
export interface ExportedModel {
  vocabSize: number;
  contextLength: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  dropout: number;
  bias: boolean;
  /** Absent in checkpoints written before classifiers existed: causal-lm. */
  task?: 'causal-lm' | 'classification';
  numLabels?: number;
}

/**
 * The refusal of the language-model formats for a classifier: only the Hugging Face export holds
 * the score head (as GPT2ForSequenceClassification); the others write token ids → next-token logits.
 */
export function refuseClassifier(model: ExportedModel, format: string): string | null {
  return model.task === 'classification' ? `${format} exports hold language models (token ids → next-token logits); export a classifier as Hugging Face (GPT2ForSequenceClassification)` : null;
}

/** Everything a writer needs; the job owns the folders and removes them on failure or cancel. */
export interface FormatWriteContext {
  /** The version's checkpoint directory (a LoRA version arrives merged unless options.lora is 'adapter'). */
  checkpointDir: string;
  /** The LoRA adapter checkpoint when exporting an adapter, else null. */
  adapterCheckpointDir: string | null;
  /** An empty folder to fill; the job renames it into place only when the export succeeded. */
  outputDir: string;
  model: ExportedModel;
  /** tokenizer.json of the model, when it has one. */
  tokenizerJson: string | null;
  /** Special tokens of the model (e.g. <context>, <response>), for tokenizer_config.json. */
  specialTokens: string[];
  options: ExportOptions;
  /** Cancels the export: writers check it between files and large steps. */
  signal: AbortSignal;
  /** Progress of this step, 0 to 1, with a short text ("writing model.onnx"). */
  progress(fraction: number, text: string): void;
}

export interface FormatWriter {
  format: ExportFormat;
  /** One line for the UI and docs. */
  description: string;
  /** Which of the export options this format reads (others are ignored and not stored). */
  options: ReadonlyArray<keyof ExportOptions>;
  /** Why this model or these options cannot be exported in this format (e.g. bf16 in ONNX), or null; checked before the job is queued. */
  refuse(model: ExportedModel, options: ExportOptions): string | null;
  /** Writes the artifact's files into ctx.outputDir; returns their paths relative to it. */
  write(ctx: FormatWriteContext): Promise<string[]>;
  /**
   * The logits (B·T·V float32, row-major) of the written artifact on `prompts`, computed by a
   * runtime other than EGen's generator: onnxruntime-node for ONNX, libtorch's torch::jit::load for
   * TorchScript, the weights re-read into a fresh native model for Hugging Face and PyTorch.
   */
  parityLogits(ctx: FormatWriteContext, prompts: number[][]): Promise<Float32Array>;
  /** What runs the parity check, in words ("onnxruntime-node 1.x"), stored with the figure. */
  parityRuntime: string;
}

/**
 * Largest |Δ logit| an export may show against the native model. fp32 exports hold the same
 * numbers and differ only by kernel rounding. Rounding every weight to fp16 (11-bit significand,
 * relative error ≤ 2^-11) or bf16 (8-bit, ≤ 2^-8) moves logits of order 1–10 by about that
 * relative amount per layer, so the tolerance scales with the format's epsilon.
 */
export const PARITY_TOLERANCE: Readonly<Record<ExportOptions['dtype'], number>> = { fp32: 1e-4, fp16: 2e-2, bf16: 1.5e-1 };

/** Tokens per parity prompt (at most the context length). */
const PARITY_PROMPT_LENGTH = 24;

/**
 * The fixed prompts every export is checked on: three rows of token ids spread over the whole
 * vocabulary (a deterministic linear congruential sequence), so the same version always gets the
 * same figure.
 */
export function parityPrompts(model: Pick<ExportedModel, 'vocabSize' | 'contextLength'>): number[][] {
  const length = Math.min(PARITY_PROMPT_LENGTH, model.contextLength);
  let state = 20261129;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % model.vocabSize;
  };
  return [0, 1, 2].map(() => Array.from({ length }, next));
}

/** max |a[i] − b[i]|; throws when the lengths differ (a writer returned the wrong shape). */
export function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`parity: the artifact returned ${b.length} logits where the native model returned ${a.length}`);
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d;
  }
  return max;
}
