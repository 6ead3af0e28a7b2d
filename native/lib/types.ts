// The plain data that crosses the addon boundary: what C++ reads (model and LoRA configs) and
// what it returns (runtime info, created models, training events and results, generation and
// tokenizer results). It lives apart from the area modules so that addon.ts can declare the
// export table without importing them (they import addon.ts). No imports, no code.

// ---- runtime ----

/** A device libtorch can run on. */
export interface NativeDevice {
  type: 'cpu' | 'cuda';
  index: number;
  name: string;
  /** Total device memory in bytes; 0 for the CPU. */
  totalMemoryBytes: number;
}

/** What the loaded libtorch is and can do. */
export interface NativeRuntimeInfo {
  libtorch: string;
  cudaAvailable: boolean;
  /** CUDA version libtorch was built with, or null for a CPU build. */
  cudaVersion: string | null;
  intraOpThreads: number;
  devices: NativeDevice[];
  /**
   * EGen's own float32 CPU kernels in use (the rest runs on libtorch's): causal attention for
   * contexts up to 256 (needs the BLAS libtorch exports) and GELU that keeps its derivative (needs
   * AVX2). `EGEN_CPU_KERNELS=off` in the environment turns both off.
   */
  cpuKernels: { causalAttention: boolean; gelu: boolean };
}

/** A dense float32 tensor in row-major order. */
export interface Float32Tensor {
  data: Float32Array;
  shape: number[];
}

// ---- models ----

/**
 * A GPT-style decoder-only transformer (GPT-2 / nanoGPT architecture): token and learned
 * position embeddings, pre-norm blocks with causal self-attention and a GELU MLP, a final
 * LayerNorm and an LM head tied to the token embeddings.
 */
export interface ModelConfig {
  /** Vocabulary size (rows of the token embedding). Must exceed every token id in the data. */
  vocabSize: number;
  /** Longest sequence the model reads (position embeddings). */
  contextLength: number;
  /** Number of transformer blocks. */
  nLayer: number;
  /** Attention heads per block; must divide nEmbd. */
  nHead: number;
  /** Embedding width. */
  nEmbd: number;
  /** Dropout on embeddings, attention and residual branches, in [0, 1). Defaults to 0. */
  dropout?: number;
  /** Biases in linear layers and LayerNorms. Defaults to true (as GPT-2). */
  bias?: boolean;
  /**
   * "causal-lm": next-token prediction with the LM head tied to the token embeddings.
   * "classification": no LM head; a score head Linear(nEmbd → numLabels, no bias) over the hidden
   * state (after ln_f) of each sequence's last token (transformers' GPT2ForSequenceClassification).
   * Defaults to "causal-lm".
   */
  task?: ModelTask;
  /** Classes of a classification model (at least 2); 0 for causal-lm. Defaults to 0. */
  numLabels?: number;
}

export type ModelTask = 'causal-lm' | 'classification';

/** Modules that can carry LoRA adapters (Hugging Face GPT-2 names inside each block). */
export type LoraTarget = 'attn.c_attn' | 'attn.c_proj' | 'mlp.c_fc' | 'mlp.c_proj';

/** Low-rank adapters: base weights frozen, only the adapters train. */
export interface LoraOptions {
  /** Rank r of the update B·A. Defaults to 8. */
  rank?: number;
  /** The update is scaled by alpha / rank. Defaults to 16. */
  alpha?: number;
  /** Dropout on the adapter input, in [0, 1). Defaults to 0. */
  dropout?: number;
  /** Which linear layers get adapters: attention qkv ("attn.c_attn"), attention projection ("attn.c_proj"), MLP ("mlp.c_fc", "mlp.c_proj"). Defaults to ["attn.c_attn"]. */
  targets?: LoraTarget[];
}

/** What createModel, resizeEmbeddings and mergeLora return. */
export interface CreatedModel {
  /** The checkpoint directory written. */
  path: string;
  model: Required<ModelConfig>;
  /** Total parameters (createModel only). */
  parameters?: number;
}

// ---- training ----

/** Reported once when the run starts. */
export interface StartEvent {
  type: 'start';
  step: number;
  maxSteps: number;
  device: string;
  precision: 'fp32' | 'bf16' | 'fp16';
  threads: number;
  parameters: number;
  trainableParameters: number;
  model: Required<ModelConfig>;
  trainTokens: number;
}

/** Reported after every optimizer step. */
export interface StepReport {
  type: 'step';
  /** Steps completed (1 after the first). */
  step: number;
  /** Mean training loss over the step's micro-batches. */
  loss: number;
  lr: number;
  /** Global gradient L2 norm before clipping. */
  gradNorm: number;
  tokensPerSecond: number;
  stepTimeMs: number;
  /** CPU time the process used during the step, all threads together (on a shared machine a steadier measure of the work than wall time). */
  cpuTimeMs: number;
  /** Model FLOPs utilization: (6N + 12·L·H·Q·T) FLOPs per token × tokens/s ÷ peakFlops. */
  mfu: number;
  /** CUDA: bytes allocated by the caching allocator; CPU: the process's resident set. */
  memoryBytes: number;
  /** Tokens trained on so far (a classifier: the real tokens of its examples, without padding). */
  tokensSeen: number;
  /** The optimizer step was skipped: fp16 gradients overflowed, or the norm exceeded skipGradNormAbove. */
  skipped: boolean;
  /** fp16 only: the current loss scale. */
  lossScale?: number;
}

/** Reported every evalEvery steps and at the end when validation shards are given. */
export interface EvalReport {
  type: 'eval';
  step: number;
  valLoss: number;
  /** exp(valLoss); for a classifier, of its label cross-entropy. */
  perplexity: number;
  bestValLoss: number;
  /** Classification models only: the share of validation examples whose argmax is their label. */
  valAccuracy?: number;
}

/** Reported after a checkpoint directory is in place. */
export interface CheckpointEvent {
  type: 'checkpoint';
  step: number;
  path: string;
  /** It is the best so far by validation loss. */
  best: boolean;
  final: boolean;
}

/** Reported when the run pauses and resumes. */
export interface StatusEvent {
  type: 'status';
  status: 'PAUSED' | 'IN_PROGRESS';
  step: number;
}

export type TrainingEvent = StartEvent | StepReport | EvalReport | CheckpointEvent | StatusEvent;

export type TrainingStatus = 'IN_PROGRESS' | 'PAUSED' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

/** How a run ended. NaN/inf losses end it as FAILED with the reason; bad input rejects `done` instead. */
export interface TrainingResult {
  status: 'COMPLETED' | 'FAILED' | 'CANCELLED';
  /** Why it stopped early, failed or was cancelled; null when it simply completed. */
  reason: string | null;
  /** The onStep hook asked to stop. */
  stoppedEarly: boolean;
  step: number;
  loss: number;
  gradNorm: number;
  valLoss: number | null;
  bestValLoss: number | null;
  /** Classification models with validation shards: accuracy at the last evaluation; otherwise null. */
  valAccuracy: number | null;
  bestCheckpoint: string | null;
  lastCheckpoint: string | null;
  tokensSeen: number;
  /** Data cursor (windows drawn). */
  cursor: number;
  device: string;
  precision: 'fp32' | 'bf16' | 'fp16';
}

// ---- generation ----

export type FinishReason = 'stop' | 'length' | 'cancelled';

export interface GenerationResult {
  /** Generated tokens per prompt (without the prompt). */
  sequences: number[][];
  finishReasons: FinishReason[];
}

/** What NativeModel.score returns. */
export interface ScoreResult {
  /** Mean next-token cross-entropy over every target (nats). */
  loss: number;
  /** Log-probability of each target under the model, row by row (B × T values). */
  logProbs: Float32Array;
  /** Targets that are the model's most likely token (argmax). */
  correct: number;
  /** Targets scored (B × T). */
  tokens: number;
}

/** The defaults of the native option structs, under the JavaScript option names. */
export interface NativeOptionDefaults {
  /** TrainConfig's defaults (lrDecaySteps -1 stands for maxSteps). */
  training: Readonly<Record<string, number | string | boolean>>;
  model: Required<ModelConfig>;
  lora: Required<LoraOptions>;
}

export interface ModelInfo {
  model: Required<ModelConfig>;
  lora: Required<LoraOptions> | null;
  parameters: number;
  device: string;
}

// ---- tokenizer ----

export interface TrainBpeResult {
  /** Token of each id, in the byte-level alphabet. */
  vocab: string[];
  /** Merges in rank order. */
  merges: Array<[string, string]>;
  /** Distinct pre-tokenized words counted. */
  words: number;
  bytesRead: number;
}

// ---- model artifacts ----

/** Precision of exported weights (EXPORT_OPTIONS.dtype). */
export type ExportDtype = 'fp32' | 'fp16' | 'bf16';

/** One tensor of a written or read artifact: its name, libtorch dtype name ("Float", "Half", "BFloat16") and shape. */
export interface ArtifactTensor {
  name: string;
  dtype: string;
  shape: number[];
}

/** A written artifact file. */
export interface WrittenArtifact {
  path: string;
  bytes: number;
  tensors: ArtifactTensor[];
}
