// The one typed door into the libtorch addon. Nothing else loads the .node file.
//
// Every argument is validated here, with a message that names it, before it crosses into C++;
// C++ sees only plain, normalized values. Long native calls return promises, and a native
// failure is rethrown with the caller's stack (captured before crossing), so it points at the
// user's line rather than at the addon.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Plain data crossing the boundary (JSON-like). */
type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

interface NativeRunHandle {
  done: Promise<TrainingResult>;
  pause(): void;
  resume(): void;
  cancel(): void;
}

interface NativeGeneration {
  done: Promise<{ sequences: number[][]; finishReasons: FinishReason[] }>;
  cancel(): void;
}

interface NativeServedModel {
  info: ModelInfo;
  generate(options: Plain, onEvent: (event: { type: 'tokens'; step: number; tokens: number[] }) => void): NativeGeneration;
}

/** The shape of the addon's export table (native/src/addon.cc). */
interface AddonExports {
  version(): NativeRuntimeInfo;
  matmul(a: Float32Tensor, b: Float32Tensor): Promise<Float32Tensor>;
  createModel(options: Plain): Promise<CreatedModel>;
  resizeEmbeddings(options: Plain): Promise<CreatedModel & { addedTokens: number }>;
  mergeLora(options: Plain): Promise<CreatedModel>;
  inspectGradients(options: Plain): Promise<{ loss: number; outputPath: string }>;
  startTraining(options: Plain, onEvent: (event: TrainingEvent & { ask?: boolean }) => unknown): NativeRunHandle;
  openModel(options: Plain): Promise<NativeServedModel>;
  // tokenizer (native/src/bindings/tokenizer_bindings.cc)
  trainBpe(options: NativeTrainBpeArgs): Promise<TrainBpeResult>;
}

export const ADDON_PATH = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'Release', 'egen_native.node');

export class NativeAddonNotBuiltError extends Error {
  constructor() {
    super(`The native addon is not built (${ADDON_PATH} is missing); run ./start.sh or npm run build:native`);
    this.name = 'NativeAddonNotBuiltError';
  }
}

let addon: AddonExports | null = null;

function load(): AddonExports {
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

// ---- argument checks (one line each, messages a user understands) ----

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  return typeof value;
}

/** Throws a TypeError: `Expected <what> for <name> but received <value> of type <type>`. */
function expected(what: string, name: string, value: unknown): never {
  if (value === null || value === undefined) throw new TypeError(`Expected ${what} for ${name} but received ${String(value)}`);
  const shown = typeof value === 'string' ? `"${value}"` : typeof value === 'object' && value !== null ? '' : String(value);
  throw new TypeError(`Expected ${what} for ${name} but received ${shown ? `${shown} of type ` : ''}${describe(value)}`);
}

function checkTensor(name: string, value: unknown): Float32Tensor {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) expected('an object { data: Float32Array, shape: number[] }', name, value);
  const { data, shape } = value as Partial<Float32Tensor>;
  if (!(data instanceof Float32Array)) expected('Float32Array', `${name}.data`, data);
  if (!Array.isArray(shape) || shape.length === 0) expected('a non-empty array of dimensions', `${name}.shape`, shape);
  shape.forEach((dim, i) => {
    if (!Number.isSafeInteger(dim) || dim < 0) expected('a non-negative integer', `${name}.shape[${i}]`, dim);
  });
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new RangeError(`Expected ${name}.data to hold ${count} elements for shape [${shape.join(', ')}] but it holds ${data.length}`);
  }
  return { data, shape: [...shape] };
}

/**
 * Runs a native promise, keeping the caller's stack on failure: the Error is captured before
 * crossing, with frames above `publicFunction` removed, so it points at the user's line.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
async function crossing<T>(publicFunction: Function, call: () => Promise<T>): Promise<T> {
  const callerStack = new Error(publicFunction.name);
  Error.captureStackTrace(callerStack, publicFunction);
  try {
    return await call();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    callerStack.message = message;
    throw callerStack;
  }
}

// ---- public surface ----

/** libtorch version, whether CUDA is available, and the devices it sees. */
export function version(): NativeRuntimeInfo {
  return load().version();
}

/**
 * Matrix product with torch.matmul semantics (batched, broadcasting), computed by libtorch off
 * the JavaScript thread.
 */
export function matmul(a: Float32Tensor, b: Float32Tensor): Promise<Float32Tensor> {
  const left = checkTensor('a', a);
  const right = checkTensor('b', b);
  const native = load();
  return crossing(matmul, () => native.matmul(left, right));
}

// ---- more argument checks ----

function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) expected('an object', name, value);
  return value as Record<string, unknown>;
}

function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) expected(min === 1 ? 'a positive integer' : min === 0 ? 'a non-negative integer' : 'an integer', name, value);
  if (value < min || value > max) {
    throw new RangeError(`Expected ${name} to be ${max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`} but received ${value}`);
  }
  return value;
}

function checkNumber(name: string, value: unknown, min: number, max: number, options: { minExclusive?: boolean; maxExclusive?: boolean } = {}): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) expected('a finite number', name, value);
  const low = options.minExclusive ? value <= min : value < min;
  const high = options.maxExclusive ? value >= max : value > max;
  if (low || high) {
    const range = `${options.minExclusive ? '(' : '['}${min}, ${max === Infinity ? '∞' : max}${options.maxExclusive || max === Infinity ? ')' : ']'}`;
    throw new RangeError(`Expected ${name} to be in ${range} but received ${value}`);
  }
  return value;
}

function checkBoolean(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') expected('a boolean', name, value);
  return value;
}

function checkString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) expected('a non-empty string', name, value);
  return value;
}

function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !choices.includes(value as T)) expected(`one of ${choices.map((c) => `"${c}"`).join(', ')}`, name, value);
  return value as T;
}

function checkStringList(name: string, value: unknown, allowEmpty: boolean): string[] {
  if (!Array.isArray(value) || (!allowEmpty && value.length === 0)) expected(`${allowEmpty ? 'an' : 'a non-empty'} array of strings`, name, value);
  return value.map((v, i) => checkString(`${name}[${i}]`, v));
}

function checkTokenList(name: string, value: unknown, vocabSize = Number.MAX_SAFE_INTEGER): number[] {
  if (!Array.isArray(value) && !(value instanceof Uint16Array) && !(value instanceof Uint32Array) && !(value instanceof Int32Array)) {
    expected('an array of token ids', name, value);
  }
  return Array.from(value as ArrayLike<unknown>, (t, i) => checkInteger(`${name}[${i}]`, t, 0, vocabSize - 1));
}

/** Applies `check` when the option is present, else returns the default. */
function opt<T>(options: Record<string, unknown>, key: string, prefix: string, fallback: T, check: (name: string, value: unknown) => T): T {
  const value = options[key];
  return value === undefined ? fallback : check(`${prefix}${key}`, value);
}

function checkDevice(name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^(auto|cpu|cuda(:\d+)?)$/.test(value)) expected('"auto", "cpu", "cuda" or "cuda:N"', name, value);
  return value;
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
}

function checkModelConfig(name: string, value: unknown): Required<ModelConfig> {
  const o = checkObject(name, value);
  const config: Required<ModelConfig> = {
    vocabSize: checkInteger(`${name}.vocabSize`, o.vocabSize, 1, 2 ** 32),
    contextLength: checkInteger(`${name}.contextLength`, o.contextLength, 1, 1 << 20),
    nLayer: checkInteger(`${name}.nLayer`, o.nLayer, 1, 1024),
    nHead: checkInteger(`${name}.nHead`, o.nHead, 1, 1024),
    nEmbd: checkInteger(`${name}.nEmbd`, o.nEmbd, 1, 1 << 16),
    dropout: opt(o, 'dropout', `${name}.`, 0, (n, v) => checkNumber(n, v, 0, 1, { maxExclusive: true })),
    bias: opt(o, 'bias', `${name}.`, true, checkBoolean),
  };
  if (config.nEmbd % config.nHead !== 0) {
    throw new RangeError(`Expected ${name}.nEmbd (${config.nEmbd}) to be divisible by ${name}.nHead (${config.nHead})`);
  }
  return config;
}

/** Modules that can carry LoRA adapters (Hugging Face GPT-2 names inside each block). */
export type LoraTarget = 'attn.c_attn' | 'attn.c_proj' | 'mlp.c_fc' | 'mlp.c_proj';
const LORA_TARGETS: readonly LoraTarget[] = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'];

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

function checkLora(name: string, value: unknown): Required<LoraOptions> {
  const o = checkObject(name, value);
  const targets = opt(o, 'targets', `${name}.`, ['attn.c_attn'] as LoraTarget[], (n, v) => {
    if (!Array.isArray(v) || v.length === 0) expected('a non-empty array of module names', n, v);
    return v.map((t, i) => checkChoice(`${n}[${i}]`, t, LORA_TARGETS));
  });
  return {
    rank: opt(o, 'rank', `${name}.`, 8, (n, v) => checkInteger(n, v, 1, 4096)),
    alpha: opt(o, 'alpha', `${name}.`, 16, (n, v) => checkNumber(n, v, 0, Infinity, { minExclusive: true })),
    dropout: opt(o, 'dropout', `${name}.`, 0, (n, v) => checkNumber(n, v, 0, 1, { maxExclusive: true })),
    targets,
  };
}

/** What createModel, resizeEmbeddings and mergeLora return. */
export interface CreatedModel {
  /** The checkpoint directory written. */
  path: string;
  model: Required<ModelConfig>;
  /** Total parameters (createModel only). */
  parameters?: number;
}

/** Options of createModel. */
export interface CreateModelOptions {
  model: ModelConfig;
  /** Directory to write (atomically; replaced if it exists). */
  outputDir: string;
  /** Seed of the GPT-2 initialization. Defaults to 1337. */
  seed?: number;
}

/** Writes a freshly initialized model (GPT-2 initialization) as a checkpoint directory. */
export function createModel(options: CreateModelOptions): Promise<CreatedModel> {
  const o = checkObject('options', options);
  const plain = {
    model: checkModelConfig('options.model', o.model),
    outputDir: checkString('options.outputDir', o.outputDir),
    seed: opt(o, 'seed', 'options.', 1337, (n, v) => checkInteger(n, v, 0)),
  };
  const native = load();
  return crossing(createModel, () => native.createModel(plain));
}

/** Options of resizeEmbeddings. */
export interface ResizeEmbeddingsOptions {
  /** The checkpoint whose model grows (it is not modified). */
  checkpoint: string;
  /** New vocabulary size, at least the current one (e.g. after adding special tokens). */
  vocabSize: number;
  /** Directory to write the resized model to. */
  outputDir: string;
}

/**
 * Grows the vocabulary of a model: existing embedding rows are kept and new rows start at the
 * mean of the old ones; the tied LM head follows. Writes a new checkpoint.
 */
export function resizeEmbeddings(options: ResizeEmbeddingsOptions): Promise<CreatedModel & { addedTokens: number }> {
  const o = checkObject('options', options);
  const plain = {
    checkpoint: checkString('options.checkpoint', o.checkpoint),
    vocabSize: checkInteger('options.vocabSize', o.vocabSize, 1, 2 ** 32),
    outputDir: checkString('options.outputDir', o.outputDir),
  };
  const native = load();
  return crossing(resizeEmbeddings, () => native.resizeEmbeddings(plain));
}

/** Options of mergeLora. */
export interface MergeLoraOptions {
  /** A LoRA checkpoint (adapter-only checkpoints name their base checkpoint). */
  checkpoint: string;
  /** Directory to write the merged, adapter-free model to. */
  outputDir: string;
}

/** Folds LoRA adapters into the base weights (W += B·A·alpha/r) and writes a plain model checkpoint. */
export function mergeLora(options: MergeLoraOptions): Promise<CreatedModel> {
  const o = checkObject('options', options);
  const plain = { checkpoint: checkString('options.checkpoint', o.checkpoint), outputDir: checkString('options.outputDir', o.outputDir) };
  const native = load();
  return crossing(mergeLora, () => native.mergeLora(plain));
}

/** Options of inspectGradients. */
export interface InspectGradientsOptions {
  checkpoint: string;
  /** Input token ids, one row per sequence (B rows of T tokens). */
  inputs: number[][];
  /** Next-token targets, the same shape as inputs. */
  targets: number[][];
  /** safetensors file to write: logits (B, T, V), loss, and grad/<parameter name> for every parameter. */
  outputPath: string;
  /** Intra-op threads. Defaults to libtorch's default. */
  threads?: number;
}

/**
 * Diagnostic: one forward and backward pass on a given batch, writing logits, loss and every
 * parameter gradient to a safetensors file (used to check the model against PyTorch).
 */
export function inspectGradients(options: InspectGradientsOptions): Promise<{ loss: number; outputPath: string }> {
  const o = checkObject('options', options);
  const rows = (name: string, value: unknown): number[][] => {
    if (!Array.isArray(value) || value.length === 0) expected('a non-empty array of token rows', name, value);
    return value.map((row, i) => checkTokenList(`${name}[${i}]`, row));
  };
  const plain = {
    checkpoint: checkString('options.checkpoint', o.checkpoint),
    inputs: rows('options.inputs', o.inputs),
    targets: rows('options.targets', o.targets),
    outputPath: checkString('options.outputPath', o.outputPath),
    threads: opt(o, 'threads', 'options.', 0, (n, v) => checkInteger(n, v, 1, 1024)),
  };
  const native = load();
  return crossing(inspectGradients, () => native.inspectGradients(plain));
}

// ---- token shards ----

/**
 * The JSON header next to a token shard. A shard is two files: NAME.bin (flat little-endian
 * uint16 or uint32 token ids) and NAME.json (this header).
 */
export interface TokenShardHeader {
  format: 'egen-tokens';
  version: 1;
  dtype: 'uint16' | 'uint32';
  /** Number of tokens in NAME.bin. */
  count: number;
  /** Size of the tokenizer's vocabulary; every token id is below it. */
  vocabSize: number;
}

/** The two file paths of a shard named by its stem, NAME.bin or NAME.json. */
export function tokenShardPaths(path: string): { bin: string; header: string } {
  const stem = path.replace(/\.(bin|json)$/, '');
  return { bin: `${stem}.bin`, header: `${stem}.json` };
}

function writeAtomically(path: string, data: Uint8Array | string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, data, { flush: true });
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Writes a token shard (NAME.bin + NAME.json) atomically: each file goes to a temp name and is
 * renamed into place, the header last, so a reader that sees the header sees the whole shard.
 * `path` is the stem or NAME.bin. Uint16Array writes dtype "uint16", Uint32Array "uint32".
 */
export function writeTokenShard(path: string, tokens: Uint16Array | Uint32Array, vocabSize: number): TokenShardHeader {
  checkString('path', path);
  if (!(tokens instanceof Uint16Array) && !(tokens instanceof Uint32Array)) expected('Uint16Array or Uint32Array', 'tokens', tokens);
  checkInteger('vocabSize', vocabSize, 1, 2 ** 32);
  let largest = -1;
  for (let i = 0; i < tokens.length; i++) if (tokens[i]! > largest) largest = tokens[i]!;
  if (largest >= vocabSize) throw new RangeError(`Expected every token id to be below vocabSize ${vocabSize} but tokens holds ${largest}`);
  const { bin, header } = tokenShardPaths(path);
  mkdirSync(dirname(bin), { recursive: true });
  let bytes = new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength);
  if (endianness() === 'BE') {
    const swapped = new Uint8Array(tokens.byteLength);
    const view = new DataView(swapped.buffer);
    tokens.forEach((t, i) => (tokens instanceof Uint16Array ? view.setUint16(i * 2, t, true) : view.setUint32(i * 4, t, true)));
    bytes = swapped;
  }
  const head: TokenShardHeader = { format: 'egen-tokens', version: 1, dtype: tokens instanceof Uint16Array ? 'uint16' : 'uint32', count: tokens.length, vocabSize };
  writeAtomically(bin, bytes);
  writeAtomically(header, JSON.stringify(head) + '\n');
  return head;
}

// ---- training ----

export type Precision = 'fp32' | 'bf16' | 'fp16' | 'auto';
export type LrDecay = 'cosine' | 'linear' | 'constant';

/** Options of train(). Paths are used as given (the caller keeps them inside the data directory). */
export interface TrainOptions {
  /** The architecture. Required for a fresh model; with initFrom/resumeFrom it must match the checkpoint (its dropout is used). Defaults to the checkpoint's. */
  model?: ModelConfig;
  /** Full fine-tuning (or the base of LoRA): start from this checkpoint's weights, with a fresh optimizer. Defaults to none (a freshly initialized model). */
  initFrom?: string;
  /** Continue a run exactly from this training checkpoint: weights, optimizer, RNG, data cursor, step. Defaults to none. */
  resumeFrom?: string;
  /** Train LoRA adapters instead of all weights. Defaults to none (full training). */
  lora?: LoraOptions;
  /** Token shards for training (NAME, NAME.bin or NAME.json). */
  trainShards: string[];
  /** Token shards for validation loss and perplexity. Defaults to none (no evaluation). */
  validationShards?: string[];
  /** Sequences per micro-batch. Defaults to 12. */
  batchSize?: number;
  /** Micro-batches accumulated per optimizer step. Defaults to 1. */
  gradientAccumulationSteps?: number;
  /** Optimizer steps to reach (a resumed run continues counting). Defaults to 1000. */
  maxSteps?: number;
  /** "random": windows at seeded random offsets; "sequential": consecutive windows in order. Defaults to "random". */
  sampling?: 'random' | 'sequential';
  /** Seed for initialization, data windows and dropout. Defaults to 1337. */
  seed?: number;
  /** Peak learning rate, reached after warmup. Defaults to 6e-4. */
  learningRate?: number;
  /** Learning rate at the end of the decay. Defaults to learningRate / 10. */
  minLearningRate?: number;
  /** Steps of linear warmup. Defaults to 100, capped at maxSteps. */
  warmupSteps?: number;
  /** Decay after warmup, down to minLearningRate. Defaults to "cosine". */
  lrDecay?: LrDecay;
  /** Step at which the decay reaches minLearningRate. Defaults to maxSteps. */
  lrDecaySteps?: number;
  /** AdamW decoupled weight decay, on linear weights only (not biases, norms, embeddings). Defaults to 0.1. */
  weightDecay?: number;
  /** Also decay the embeddings. Defaults to false. */
  weightDecayOnEmbeddings?: boolean;
  /** AdamW beta1. Defaults to 0.9. */
  beta1?: number;
  /** AdamW beta2. Defaults to 0.95. */
  beta2?: number;
  /** AdamW epsilon. Defaults to 1e-8. */
  eps?: number;
  /** Clip the global gradient L2 norm to this; 0 disables clipping (the norm is still reported). Defaults to 1.0. */
  gradClip?: number;
  /** Skip the optimizer step (weights untouched, reported as `skipped`) when the gradient norm before clipping exceeds this or is not finite; 0 never skips. Defaults to 0. */
  skipGradNormAbove?: number;
  /** fp32; bf16 (autocast, CPU and CUDA); fp16 (CUDA only, dynamic loss scaling); auto (bf16 where the hardware supports it). Defaults to "fp32". */
  precision?: Precision;
  /** "auto" uses CUDA when available. Defaults to "auto". */
  device?: string;
  /** Intra-op threads of the training thread; set it for reproducible CPU results. Defaults to libtorch's default (the core count). */
  threads?: number;
  /** Validate every N steps (and at the end) when validationShards are given; 0 = only at the end. Defaults to 0. */
  evalEvery?: number;
  /** Batches per validation. Defaults to 20. */
  evalBatches?: number;
  /** Directory for step-NNNNNNNN checkpoints. Defaults to none (no checkpoints). */
  checkpointDir?: string;
  /** Checkpoint every N steps; the end of the run is always checkpointed when checkpointDir is set. 0 = only at the end. Defaults to 0. */
  checkpointEvery?: number;
  /** Newest checkpoints to keep (the best by validation loss is kept in addition). Defaults to 3. */
  keepLast?: number;
  /** LoRA runs: checkpoints hold only the adapters (adapter_model.safetensors). Defaults to true. */
  saveAdapterOnly?: boolean;
  /** Peak FLOP/s of the device for the MFU estimate. Defaults to 312e12 on CUDA (nanoGPT's A100 figure) and threads × 80e9 on the CPU. */
  peakFlops?: number;
  /**
   * Deterministic kernels on CUDA: attention in plain operations instead of the fused kernels, and
   * libtorch's deterministic algorithms (a process-wide setting while the run lasts), because
   * several CUDA backward kernels accumulate atomically and two identical bf16 runs otherwise differ
   * by ~1e-5 relative after a few steps. Slower and more memory. CPU runs are deterministic either
   * way. Defaults to false.
   */
  deterministic?: boolean;
}

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
  perplexity: number;
  bestValLoss: number;
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
  bestCheckpoint: string | null;
  lastCheckpoint: string | null;
  tokensSeen: number;
  /** Data cursor (windows drawn). */
  cursor: number;
  device: string;
  precision: 'fp32' | 'bf16' | 'fp16';
}

export interface TrainCallbacks {
  /** Every event, delivered without ever stalling training (events queue while JavaScript is busy). */
  onProgress?: (event: TrainingEvent) => void;
  /**
   * Called after every step; training waits for the answer (one event-loop round trip per
   * step). Return true to stop the run after this step (early stopping).
   */
  onStep?: (report: StepReport) => boolean | void;
}

/** A running training job. */
export interface TrainingHandle {
  /** IN_PROGRESS, PAUSED, then the final status. */
  readonly status: TrainingStatus;
  /** Stops at the next step boundary until resume(). */
  pause(): void;
  resume(): void;
  /** Stops at the next step boundary (writing a final checkpoint when checkpointDir is set) and returns the final state. */
  cancel(): Promise<TrainingResult>;
  /** Settles when the run ends; rejects on bad input (missing shard, mismatched checkpoint, ...). */
  readonly done: Promise<TrainingResult>;
}

function normalizeTrainOptions(options: TrainOptions): Record<string, Plain> {
  const o = checkObject('options', options);
  const known = new Set(['model', 'initFrom', 'resumeFrom', 'lora', 'trainShards', 'validationShards', 'batchSize', 'gradientAccumulationSteps', 'maxSteps', 'sampling', 'seed', 'learningRate', 'minLearningRate', 'warmupSteps', 'lrDecay', 'lrDecaySteps', 'weightDecay', 'weightDecayOnEmbeddings', 'beta1', 'beta2', 'eps', 'gradClip', 'skipGradNormAbove', 'precision', 'device', 'threads', 'evalEvery', 'evalBatches', 'checkpointDir', 'checkpointEvery', 'keepLast', 'saveAdapterOnly', 'peakFlops', 'deterministic']);
  for (const key of Object.keys(o)) if (!known.has(key)) throw new TypeError(`Unknown training option "${key}"`);
  const p = 'options.';
  const model = o.model === undefined ? undefined : checkModelConfig('options.model', o.model);
  const initFrom = opt(o, 'initFrom', p, undefined as string | undefined, checkString);
  const resumeFrom = opt(o, 'resumeFrom', p, undefined as string | undefined, checkString);
  if (!model && !initFrom && !resumeFrom) throw new TypeError('Expected options.model (or options.initFrom / options.resumeFrom) but received undefined');
  const maxSteps = opt(o, 'maxSteps', p, 1000, (n, v) => checkInteger(n, v, 1));
  const learningRate = opt(o, 'learningRate', p, 6e-4, (n, v) => checkNumber(n, v, 0, Infinity));
  const out: Record<string, Plain> = {
    trainShards: checkStringList('options.trainShards', o.trainShards, false),
    validationShards: opt(o, 'validationShards', p, [] as string[], (n, v) => checkStringList(n, v, true)),
    batchSize: opt(o, 'batchSize', p, 12, (n, v) => checkInteger(n, v, 1, 1 << 20)),
    gradientAccumulationSteps: opt(o, 'gradientAccumulationSteps', p, 1, (n, v) => checkInteger(n, v, 1, 1 << 20)),
    maxSteps,
    sampling: opt(o, 'sampling', p, 'random' as const, (n, v) => checkChoice(n, v, ['random', 'sequential'] as const)),
    seed: opt(o, 'seed', p, 1337, (n, v) => checkInteger(n, v, 0)),
    learningRate,
    minLearningRate: opt(o, 'minLearningRate', p, learningRate / 10, (n, v) => checkNumber(n, v, 0, Infinity)),
    warmupSteps: opt(o, 'warmupSteps', p, Math.min(100, maxSteps), (n, v) => checkInteger(n, v, 0)),
    lrDecay: opt(o, 'lrDecay', p, 'cosine' as const, (n, v) => checkChoice(n, v, ['cosine', 'linear', 'constant'] as const)),
    lrDecaySteps: opt(o, 'lrDecaySteps', p, maxSteps, (n, v) => checkInteger(n, v, 0)),
    weightDecay: opt(o, 'weightDecay', p, 0.1, (n, v) => checkNumber(n, v, 0, Infinity)),
    weightDecayOnEmbeddings: opt(o, 'weightDecayOnEmbeddings', p, false, checkBoolean),
    beta1: opt(o, 'beta1', p, 0.9, (n, v) => checkNumber(n, v, 0, 1, { maxExclusive: true })),
    beta2: opt(o, 'beta2', p, 0.95, (n, v) => checkNumber(n, v, 0, 1, { maxExclusive: true })),
    eps: opt(o, 'eps', p, 1e-8, (n, v) => checkNumber(n, v, 0, 1, { minExclusive: true })),
    gradClip: opt(o, 'gradClip', p, 1.0, (n, v) => checkNumber(n, v, 0, Infinity)),
    skipGradNormAbove: opt(o, 'skipGradNormAbove', p, 0, (n, v) => checkNumber(n, v, 0, Infinity)),
    precision: opt(o, 'precision', p, 'fp32' as const, (n, v) => checkChoice(n, v, ['fp32', 'bf16', 'fp16', 'auto'] as const)),
    device: opt(o, 'device', p, 'auto', checkDevice),
    threads: opt(o, 'threads', p, 0, (n, v) => checkInteger(n, v, 1, 1024)),
    evalEvery: opt(o, 'evalEvery', p, 0, (n, v) => checkInteger(n, v, 0)),
    evalBatches: opt(o, 'evalBatches', p, 20, (n, v) => checkInteger(n, v, 1)),
    checkpointEvery: opt(o, 'checkpointEvery', p, 0, (n, v) => checkInteger(n, v, 0)),
    keepLast: opt(o, 'keepLast', p, 3, (n, v) => checkInteger(n, v, 1)),
    saveAdapterOnly: opt(o, 'saveAdapterOnly', p, true, checkBoolean),
    peakFlops: opt(o, 'peakFlops', p, 0, (n, v) => checkNumber(n, v, 0, Infinity, { minExclusive: true })),
    deterministic: opt(o, 'deterministic', p, false, checkBoolean),
  };
  if (model) out.model = model as unknown as Plain;
  if (initFrom) out.initFrom = initFrom;
  if (resumeFrom) out.resumeFrom = resumeFrom;
  if (initFrom && resumeFrom) throw new TypeError('Expected only one of options.initFrom and options.resumeFrom');
  if (o.lora !== undefined) out.lora = checkLora('options.lora', o.lora) as unknown as Plain;
  const checkpointDir = opt(o, 'checkpointDir', p, undefined as string | undefined, checkString);
  if (checkpointDir) out.checkpointDir = checkpointDir;
  if ((out.minLearningRate as number) > learningRate) {
    throw new RangeError(`Expected options.minLearningRate (${out.minLearningRate}) to be at most options.learningRate (${learningRate})`);
  }
  return out;
}

/**
 * Trains a model on a native thread; the event loop stays free. Progress arrives through
 * `callbacks`; the handle pauses, resumes and cancels at step boundaries.
 */
export function train(options: TrainOptions, callbacks: TrainCallbacks = {}): TrainingHandle {
  const plain = normalizeTrainOptions(options);
  const cb = checkObject('callbacks', callbacks) as TrainCallbacks;
  if (cb.onProgress !== undefined && typeof cb.onProgress !== 'function') expected('a function', 'callbacks.onProgress', cb.onProgress);
  if (cb.onStep !== undefined && typeof cb.onStep !== 'function') expected('a function', 'callbacks.onStep', cb.onStep);
  plain.stepHook = cb.onStep !== undefined;
  const native = load();
  let status: TrainingStatus = 'IN_PROGRESS';
  let callbackError: unknown = null;
  let handle: NativeRunHandle;
  const onEvent = (event: TrainingEvent & { ask?: boolean }): unknown => {
    try {
      if (event.ask) {
        const { ask: _ask, ...report } = event;
        const answer: unknown = cb.onStep?.(report as StepReport);
        if (typeof (answer as { then?: unknown } | null)?.then === 'function') {
          throw new TypeError('Expected callbacks.onStep to return a boolean synchronously but it returned a promise');
        }
        return answer === true;
      }
      if (event.type === 'status') status = event.status;
      cb.onProgress?.(event);
    } catch (error) {
      // A throwing callback stops the run; done rejects with that error.
      callbackError ??= error;
      handle.cancel();
      return true;
    }
    return undefined;
  };
  try {
    handle = native.startTraining(plain, onEvent);
  } catch (error) {
    throw new Error((error as Error).message);
  }
  const done = crossing(train, async () => {
    const result = await handle.done;
    status = result.status;
    if (callbackError) throw callbackError;
    return result;
  });
  return {
    get status() {
      return status;
    },
    pause: () => handle.pause(),
    resume: () => handle.resume(),
    cancel: () => {
      handle.cancel();
      return done;
    },
    done,
  };
}

// ---- generation ----

export type FinishReason = 'stop' | 'length' | 'cancelled';

/** Options of NativeModel.generate. */
export interface GenerateOptions {
  /** One or more prompts (token ids), generated together as a left-padded batch. */
  prompts: number[][];
  /** Tokens to generate per prompt, at most; generation also ends at the context length. Defaults to 64. */
  maxNewTokens?: number;
  /** Sampling temperature; 0 = greedy. Defaults to 1. */
  temperature?: number;
  /** Keep only the k most likely tokens; 0 = off. Defaults to 0. */
  topK?: number;
  /** Nucleus sampling: keep the most likely tokens holding this much probability; 1 = off. Defaults to 1. */
  topP?: number;
  /** > 1 discourages tokens already in the sequence (Hugging Face's rule). Defaults to 1. */
  repetitionPenalty?: number;
  /** Generation of a prompt ends after one of these tokens. Defaults to none. */
  stopTokens?: number[];
  /** Seed of the sampler. Defaults to 0. */
  seed?: number;
  /** Reuse keys and values of past positions (the result is the same without it, only slower). Defaults to true. */
  useCache?: boolean;
  /** Intra-op threads. Defaults to libtorch's default. */
  threads?: number;
  /** Cancels the generation; the promise resolves with what was generated so far. Defaults to none. */
  signal?: AbortSignal;
}

/** One token, streamed as produced. */
export interface GeneratedToken {
  /** Which prompt it continues. */
  prompt: number;
  token: number;
  /** 0-based position among the generated tokens. */
  index: number;
}

export interface GenerationResult {
  /** Generated tokens per prompt (without the prompt). */
  sequences: number[][];
  finishReasons: FinishReason[];
}

export interface ModelInfo {
  model: Required<ModelConfig>;
  lora: Required<LoraOptions> | null;
  parameters: number;
  device: string;
}

/** A model loaded for generation. Generation calls on one model run one at a time. */
export class NativeModel {
  #native: NativeServedModel | null;
  readonly info: ModelInfo;

  /** @internal use openModel */
  constructor(native: NativeServedModel) {
    this.#native = native;
    this.info = native.info;
  }

  /** Generates continuations, streaming each token to `onToken` as it is produced. */
  generate(options: GenerateOptions, onToken?: (token: GeneratedToken) => void): Promise<GenerationResult> {
    if (!this.#native) throw new Error('The model is disposed');
    const o = checkObject('options', options);
    const vocab = this.info.model.vocabSize;
    if (!Array.isArray(o.prompts) || o.prompts.length === 0) expected('a non-empty array of prompts', 'options.prompts', o.prompts);
    const prompts = o.prompts.map((prompt, i) => {
      const tokens = checkTokenList(`options.prompts[${i}]`, prompt, vocab);
      if (tokens.length === 0) throw new RangeError(`Expected options.prompts[${i}] to hold at least one token`);
      if (tokens.length > this.info.model.contextLength) throw new RangeError(`Expected options.prompts[${i}] to fit the context length ${this.info.model.contextLength} but it holds ${tokens.length} tokens`);
      return tokens;
    });
    const p = 'options.';
    const plain: Record<string, Plain> = {
      prompts,
      maxNewTokens: opt(o, 'maxNewTokens', p, 64, (n, v) => checkInteger(n, v, 1)),
      temperature: opt(o, 'temperature', p, 1, (n, v) => checkNumber(n, v, 0, Infinity)),
      topK: opt(o, 'topK', p, 0, (n, v) => checkInteger(n, v, 0)),
      topP: opt(o, 'topP', p, 1, (n, v) => checkNumber(n, v, 0, 1, { minExclusive: true })),
      repetitionPenalty: opt(o, 'repetitionPenalty', p, 1, (n, v) => checkNumber(n, v, 0, Infinity, { minExclusive: true })),
      stopTokens: opt(o, 'stopTokens', p, [] as number[], (n, v) => checkTokenList(n, v, vocab)),
      seed: opt(o, 'seed', p, 0, (n, v) => checkInteger(n, v, 0)),
      useCache: opt(o, 'useCache', p, true, checkBoolean),
      threads: opt(o, 'threads', p, 0, (n, v) => checkInteger(n, v, 1, 1024)),
    };
    if (onToken !== undefined && typeof onToken !== 'function') expected('a function', 'onToken', onToken);
    const signal = o.signal as AbortSignal | undefined;
    if (signal !== undefined && !(signal instanceof AbortSignal)) expected('an AbortSignal', 'options.signal', signal);
    const native = this.#native;
    if (signal?.aborted) {
      return Promise.resolve({ sequences: prompts.map(() => []), finishReasons: prompts.map(() => 'cancelled' as const) });
    }
    return crossing(this.generate, async () => {
      let callbackError: unknown = null;
      const job = native.generate(plain, (event) => {
        if (!onToken || callbackError) return;
        try {
          event.tokens.forEach((token, prompt) => {
            if (token >= 0) onToken({ prompt, token, index: event.step });
          });
        } catch (error) {
          callbackError = error;
          job.cancel();
        }
      });
      const abort = () => job.cancel();
      signal?.addEventListener('abort', abort, { once: true });
      try {
        const result = await job.done;
        if (callbackError) throw callbackError;
        return result;
      } finally {
        signal?.removeEventListener('abort', abort);
      }
    });
  }

  /** Drops the native model (memory is released once no generation still uses it). */
  dispose(): void {
    this.#native = null;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** Options of openModel. */
export interface OpenModelOptions {
  /** A checkpoint directory (full weights, or LoRA adapters naming their base). */
  checkpoint: string;
  /** "auto" uses CUDA when available. Defaults to "auto". */
  device?: string;
}

/** Loads a checkpoint for generation (off the JavaScript thread). */
export async function openModel(options: OpenModelOptions): Promise<NativeModel> {
  const o = checkObject('options', options);
  const plain = { checkpoint: checkString('options.checkpoint', o.checkpoint), device: opt(o, 'device', 'options.', 'auto', checkDevice) };
  const native = load();
  const served = await crossing(openModel, () => native.openModel(plain));
  return new NativeModel(served);
}

// ---- tokenizer ----

/** Options of {@link trainBpe}. */
export interface TrainBpeOptions {
  /** UTF-8 text files; each line (with its line ending) is one training sequence. */
  files: string[];
  /** Final vocabulary size: special tokens + 256 byte symbols + merges. */
  vocabSize: number;
  /** Tokens given the first ids, in order. Defaults to none. */
  specialTokens?: string[];
  /** Pairs seen fewer times are never merged. Defaults to 0. */
  minFrequency?: number;
  /** Counting threads. Defaults to 0 (all cores). */
  threads?: number;
}

export interface TrainBpeResult {
  /** Token of each id, in the byte-level alphabet. */
  vocab: string[];
  /** Merges in rank order. */
  merges: Array<[string, string]>;
  /** Distinct pre-tokenized words counted. */
  words: number;
  bytesRead: number;
}

interface NativeTrainBpeArgs {
  files: string[];
  vocabSize: number;
  specialTokens: string[];
  minFrequency: number;
  threads: number;
  charClasses: Uint8Array;
}

let charClasses: Uint8Array | null = null;

/** Unicode classes of every code point (1 letter, 2 number, 4 white space), from V8's tables. */
function unicodeCharClasses(): Uint8Array {
  if (charClasses) return charClasses;
  const table = new Uint8Array(0x110000);
  const letter = /\p{L}/u;
  const number = /\p{N}/u;
  const space = /\s/u;
  for (let cp = 0; cp < 0x110000; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    table[cp] = (letter.test(ch) ? 1 : 0) | (number.test(ch) ? 2 : 0) | (space.test(ch) ? 4 : 0);
  }
  charClasses = table;
  return table;
}

/**
 * Trains a byte-level BPE vocabulary the way Hugging Face tokenizers' BpeTrainer does (GPT-2
 * pre-tokenization, byte alphabet, highest-count merges), in C++ off the JavaScript thread.
 */
export function trainBpe(options: TrainBpeOptions): Promise<TrainBpeResult> {
  if (typeof options !== 'object' || options === null) expected('an options object', 'options', options);
  if (!Array.isArray(options.files) || options.files.length === 0) expected('a non-empty array of file paths', 'options.files', options.files);
  options.files.forEach((file, i) => {
    if (typeof file !== 'string' || file === '') expected('a file path', `options.files[${i}]`, file);
  });
  const specialTokens = options.specialTokens ?? [];
  if (!Array.isArray(specialTokens)) expected('an array of strings', 'options.specialTokens', specialTokens);
  specialTokens.forEach((token, i) => {
    if (typeof token !== 'string' || token === '') expected('a non-empty string', `options.specialTokens[${i}]`, token);
  });
  const minimum = specialTokens.length + 256;
  if (!Number.isSafeInteger(options.vocabSize) || options.vocabSize < minimum || options.vocabSize > 1_000_000) {
    expected(`an integer between ${minimum} and 1000000`, 'options.vocabSize', options.vocabSize);
  }
  const minFrequency = options.minFrequency ?? 0;
  if (!Number.isSafeInteger(minFrequency) || minFrequency < 0) expected('a non-negative integer', 'options.minFrequency', minFrequency);
  const threads = options.threads ?? 0;
  if (!Number.isSafeInteger(threads) || threads < 0 || threads > 256) expected('an integer between 0 and 256', 'options.threads', threads);
  const native = load();
  const args: NativeTrainBpeArgs = { files: [...options.files], vocabSize: options.vocabSize, specialTokens: [...specialTokens], minFrequency, threads, charClasses: unicodeCharClasses() };
  return crossing(trainBpe, () => native.trainBpe(args));
}
