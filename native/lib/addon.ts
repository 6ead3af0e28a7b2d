// The one place that loads the .node file, and the shape of its whole export table
// (native/src/addon.cc). Every other module reaches C++ through load().
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ArtifactTensor, CreatedModel, Float32Tensor, FinishReason, ModelInfo, NativeOptionDefaults, NativeRuntimeInfo, ScoreResult, TrainBpeResult, TrainingEvent, TrainingResult, WrittenArtifact } from './types.ts';

/** Plain data crossing the boundary (JSON-like). */
export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

export interface NativeRunHandle {
  done: Promise<TrainingResult>;
  pause(): void;
  resume(): void;
  cancel(): void;
}

export interface NativeGeneration {
  done: Promise<{ sequences: number[][]; finishReasons: FinishReason[] }>;
  cancel(): void;
}

export interface NativeServedModel {
  info: ModelInfo;
  generate(options: Plain, onEvent: (event: { type: 'tokens'; step: number; tokens: number[] }) => void): NativeGeneration;
  score(options: Plain): Promise<ScoreResult>;
  logits(options: Plain): Promise<Float32Tensor>;
  classify(options: Plain): Promise<Float32Tensor>;
  /** Frees the model once no call in flight holds it; later calls throw. Idempotent. */
  dispose(): void;
}

export interface NativeTrainBpeArgs {
  files: string[];
  vocabSize: number;
  specialTokens: string[];
  minFrequency: number;
  threads: number;
  charClasses: Uint8Array;
}

/** The shape of the addon's export table (native/src/addon.cc). */
export interface AddonExports {
  version(): NativeRuntimeInfo;
  // diagnostic: the toolchain check (native/src/ops)
  matmul(a: Float32Tensor, b: Float32Tensor): Promise<Float32Tensor>;
  createModel(options: Plain): Promise<CreatedModel>;
  resizeEmbeddings(options: Plain): Promise<CreatedModel & { addedTokens: number }>;
  mergeLora(options: Plain): Promise<CreatedModel>;
  inspectGradients(options: Plain): Promise<{ loss: number; outputPath: string }>;
  startTraining(options: Plain, onEvent: (event: TrainingEvent & { ask?: boolean }) => unknown): NativeRunHandle;
  openModel(options: Plain): Promise<NativeServedModel>;
  optionDefaults(): NativeOptionDefaults;
  // diagnostic: loaded models not yet freed (checks dispose)
  openModelCount(): number;
  // model artifacts (native/src/io/torch_export.cc)
  writePytorchStateDict(options: Plain): Promise<WrittenArtifact>;
  readPytorchStateDict(options: Plain): Promise<{ path: string; tensors: ArtifactTensor[] }>;
  checkpointFromHuggingFace(options: Plain): Promise<CreatedModel>;
  writeTorchScript(options: Plain): Promise<WrittenArtifact>;
  torchScriptLogits(options: Plain): Promise<Float32Tensor>;
  // tokenizer (native/src/bindings/tokenizer_bindings.cc)
  trainBpe(options: NativeTrainBpeArgs): Promise<TrainBpeResult>;
}

// native/lib/ → the repository root
export const ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'build', 'Release', 'egen_native.node');

export class NativeAddonNotBuiltError extends Error {
  constructor() {
    super(`The native addon is not built (${ADDON_PATH} is missing); run ./start.sh or npm run build:native`);
    this.name = 'NativeAddonNotBuiltError';
  }
}

let addon: AddonExports | null = null;

/** The addon's export table, loaded on first use. */
export function load(): AddonExports {
  if (addon) return addon;
  if (!existsSync(ADDON_PATH)) throw new NativeAddonNotBuiltError();
  addon = createRequire(import.meta.url)(ADDON_PATH) as AddonExports;
  return addon;
}

/** True when the addon file exists and loads. */
export function isNativeAvailable(): boolean {
  try {
    load();
    return true;
  } catch {
    return false;
  }
}
