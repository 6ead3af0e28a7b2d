// Training: the options of train() with their defaults and checks, and the handle of a run on a
// native thread (pause, resume, cancel, events, the synchronous onStep answer).
import { load, type NativeRunHandle, type Plain } from './addon.ts';
import { TRAINING_OPTIONS } from '../../schema/options/training-options.ts';
import { checkDeclaredOptions, checkObject, checkString, checkStringList, declaredNames, expected, opt } from './checks.ts';
import { crossing } from './crossing.ts';
import { checkLora, checkModelConfig } from './models.ts';
import type { LoraOptions, ModelConfig, StepReport, TrainingEvent, TrainingResult, TrainingStatus } from './types.ts';

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
  /** Token shards for training (NAME, NAME.bin or NAME.json); for a classification model, labelled example shards (ExampleShardWriter) with its numLabels. */
  trainShards: string[];
  /** Shards of the same kind for validation loss and perplexity (a classifier: loss and accuracy). Defaults to none (no evaluation). */
  validationShards?: string[];
  /** Sequences per micro-batch. Defaults to 12. */
  batchSize?: number;
  /** Micro-batches accumulated per optimizer step. Defaults to 1. */
  gradientAccumulationSteps?: number;
  /** Optimizer steps to reach (a resumed run continues counting). Defaults to 1000. */
  maxSteps?: number;
  /**
   * "random": windows at seeded random offsets; "sequential": consecutive windows in order. A
   * classifier reads whole examples (right-padded batches, each example truncated to its first
   * contextLength tokens): shuffled anew every epoch from the seed, or in stored order. Defaults to "random".
   */
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

/** What a run works on, besides its declared hyperparameters (schema/options/training-options.ts). */
const RUN_INPUTS = ['model', 'initFrom', 'resumeFrom', 'lora', 'trainShards', 'validationShards', 'checkpointDir'];

export function normalizeTrainOptions(options: TrainOptions): Record<string, Plain> {
  const o = checkObject('options', options);
  const known = new Set([...RUN_INPUTS, ...declaredNames(TRAINING_OPTIONS)]);
  for (const key of Object.keys(o)) if (!known.has(key)) throw new TypeError(`Unknown training option "${key}"`);
  const p = 'options.';
  const model = o.model === undefined ? undefined : checkModelConfig('options.model', o.model);
  const initFrom = opt(o, 'initFrom', p, undefined as string | undefined, checkString);
  const resumeFrom = opt(o, 'resumeFrom', p, undefined as string | undefined, checkString);
  if (!model && !initFrom && !resumeFrom) throw new TypeError('Expected options.model (or options.initFrom / options.resumeFrom) but received undefined');
  const out: Record<string, Plain> = {
    trainShards: checkStringList('options.trainShards', o.trainShards, false),
    validationShards: opt(o, 'validationShards', p, [] as string[], (n, v) => checkStringList(n, v, true)),
    ...checkDeclaredOptions(TRAINING_OPTIONS, o, p),
  };
  if (model) out.model = model as unknown as Plain;
  if (initFrom) out.initFrom = initFrom;
  if (resumeFrom) out.resumeFrom = resumeFrom;
  if (initFrom && resumeFrom) throw new TypeError('Expected only one of options.initFrom and options.resumeFrom');
  if (o.lora !== undefined) out.lora = checkLora('options.lora', o.lora) as unknown as Plain;
  const checkpointDir = opt(o, 'checkpointDir', p, undefined as string | undefined, checkString);
  if (checkpointDir) out.checkpointDir = checkpointDir;
  if ((out.minLearningRate as number) > (out.learningRate as number)) {
    throw new RangeError(`Expected options.minLearningRate (${out.minLearningRate}) to be at most options.learningRate (${out.learningRate})`);
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
    throw new Error((error as Error).message, { cause: error });
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
