// The one typed door into the libtorch addon: this entry is the public surface, the modules
// under lib/ hold it by area, and lib/addon.ts is the only place that loads the .node file.
//
// Every argument is validated before it crosses into C++ (lib/checks.ts), with a message that
// names it; C++ sees only plain, normalized values. Long native calls return promises, and a
// native failure is rethrown with the caller's stack (lib/crossing.ts), so it points at the
// user's line rather than at the addon.
export { ADDON_PATH, NativeAddonNotBuiltError, isNativeAvailable } from './lib/addon.ts';
export { optionDefaults, version } from './lib/runtime.ts';
export { createModel, inspectGradients, mergeLora, resizeEmbeddings, type CreateModelOptions, type InspectGradientsOptions, type MergeLoraOptions, type ResizeEmbeddingsOptions } from './lib/models.ts';
export { train, type LrDecay, type Precision, type TrainCallbacks, type TrainingHandle, type TrainOptions } from './lib/training.ts';
export { NativeModel, openModel, type ClassifyOptions, type GeneratedToken, type GenerateOptions, type OpenModelOptions, type ScoreOptions } from './lib/generation.ts';
export { trainBpe, type TrainBpeOptions } from './lib/tokenizer.ts';
export {
  checkpointFromHuggingFace,
  readPytorchStateDict,
  torchScriptLogits,
  writePytorchStateDict,
  writeTorchScript,
  type CheckpointFromHuggingFaceOptions,
  type ReadPytorchStateDictOptions,
  type TorchScriptLogitsOptions,
  type WriteArtifactOptions,
} from './lib/export.ts';
export { exampleShardPaths, ExampleShardWriter, tokenShardDtype, tokenShardPaths, TokenShardWriter, writeTokenShard, type ExampleShardHeader, type ExampleShardOptions, type TokenShardDtype, type TokenShardHeader } from './lib/shards.ts';
export type {
  ArtifactTensor,
  CheckpointEvent,
  CreatedModel,
  EvalReport,
  ExportDtype,
  FinishReason,
  Float32Tensor,
  GenerationResult,
  LoraOptions,
  LoraTarget,
  ModelConfig,
  ModelInfo,
  ModelTask,
  NativeDevice,
  NativeOptionDefaults,
  NativeRuntimeInfo,
  ScoreResult,
  StartEvent,
  StatusEvent,
  StepReport,
  TrainBpeResult,
  TrainingEvent,
  TrainingResult,
  TrainingStatus,
  WrittenArtifact,
} from './lib/types.ts';

// Diagnostics (the toolchain-check matmul): not part of the platform's surface, kept for tests and
// installation checks.
export * as diagnostics from './lib/diagnostics.ts';
