// Every training option, declared once: the GraphQL TrainingConfigInput and its validation
// (server/src/training), the stored config, the training form (client/src/training/config.ts) and
// the checks at the native door (native/) derive from this table; native/test compares the C++
// defaults (TrainConfig in native/src/train/trainer.h) with it.
import { type ApiValues, bool, choice, float, int, list, type OptionValue, text } from './option-spec.ts';

/** The form's sections, in order. */
export const TRAINING_FORM_GROUPS = ['Schedule', 'Optimizer', 'Data', 'Validation and checkpoints', 'Hardware', 'Early stopping', 'LoRA'] as const;

const STEPS_MAX = 100_000_000;

export const TRAINING_OPTIONS = {
  // ---- schedule ----
  maxSteps: int({
    surface: 'both',
    group: 'Schedule',
    inputKey: 'steps',
    label: 'Steps',
    unit: 'steps',
    default: 1000,
    min: 1,
    max: STEPS_MAX,
    formInitial: '200',
    description: 'Optimizer steps (a resumed run continues the count). Give steps or epochs.',
  }),
  epochs: float({ surface: 'api', group: 'Schedule', label: 'Epochs', unit: 'passes', default: null, min: 0, exclusiveMin: true, max: 10_000, description: 'Passes over the training tokens, converted to steps.' }),
  learningRate: float({ surface: 'both', group: 'Schedule', label: 'Learning rate', default: 6e-4, min: 0, exclusiveMin: true, max: 10_000, description: 'Peak learning rate, reached after warmup.' }),
  minLearningRate: float({
    surface: 'both',
    group: 'Schedule',
    label: 'Minimum learning rate',
    default: null,
    derivedDefault: { text: 'learningRate / 10', from: (o) => (o.learningRate as number) / 10 },
    min: 0,
    max: 10_000,
    description: 'Learning rate at the end of the decay; at most learningRate.',
  }),
  warmupSteps: int({
    surface: 'both',
    group: 'Schedule',
    label: 'Warmup steps',
    unit: 'steps',
    default: null,
    derivedDefault: { text: 'min(100, steps)', from: (o) => Math.min(100, o.maxSteps as number) },
    min: 0,
    max: STEPS_MAX,
    description: 'Steps of linear warmup.',
  }),
  lrSchedule: choice({
    surface: 'both',
    group: 'Schedule',
    nativeKey: 'lrDecay',
    label: 'Learning-rate schedule',
    values: ['cosine', 'linear', 'constant'],
    default: 'cosine',
    graphqlEnum: { name: 'LrSchedule', description: 'Decay after warmup, down to minLearningRate' },
    description: 'Decay after warmup, down to the minimum learning rate.',
  }),
  lrDecaySteps: int({
    surface: 'native',
    label: 'Decay steps',
    unit: 'steps',
    default: null,
    derivedDefault: { text: 'maxSteps', from: (o) => o.maxSteps as number },
    min: 0,
    max: STEPS_MAX,
    description: 'Step at which the decay reaches minLearningRate.',
  }),

  // ---- optimizer (AdamW) ----
  batchSize: int({ surface: 'both', group: 'Optimizer', label: 'Batch size', unit: 'sequences', default: 12, min: 1, max: 65_536, description: 'Sequences per micro-batch.' }),
  gradientAccumulationSteps: int({ surface: 'both', group: 'Optimizer', label: 'Gradient accumulation', unit: 'micro-batches', default: 1, min: 1, max: 65_536, description: 'Micro-batches accumulated per optimizer step.' }),
  weightDecay: float({ surface: 'both', group: 'Optimizer', label: 'Weight decay', default: 0.1, min: 0, max: 10, description: 'AdamW decoupled weight decay, on linear weights only (not biases, norms, embeddings).' }),
  weightDecayOnEmbeddings: bool({ surface: 'native', label: 'Decay embeddings', default: false, description: 'Also decay the embeddings.' }),
  beta1: float({ surface: 'both', group: 'Optimizer', label: 'Beta 1', default: 0.9, min: 0, max: 1, exclusiveMax: true, description: 'AdamW first-moment decay.' }),
  beta2: float({ surface: 'both', group: 'Optimizer', label: 'Beta 2', default: 0.95, min: 0, max: 1, exclusiveMax: true, description: 'AdamW second-moment decay.' }),
  eps: float({ surface: 'native', label: 'Epsilon', default: 1e-8, min: 0, exclusiveMin: true, max: 1, description: 'AdamW epsilon.' }),
  gradClip: float({ surface: 'both', group: 'Optimizer', label: 'Gradient clipping', default: 1, min: 0, max: 1e6, description: 'Clip the global gradient L2 norm to this; 0 disables clipping (the norm is still reported).' }),
  gradNormThreshold: float({
    surface: 'api',
    group: 'Optimizer',
    label: 'Stop above gradient norm',
    default: null,
    min: 0,
    exclusiveMin: true,
    max: Infinity,
    description: 'A gradient norm (before clipping) above this stops the run or skips the step (gradNormAction).',
  }),
  gradNormAction: choice({
    surface: 'api',
    group: 'Optimizer',
    label: 'Above the threshold',
    values: ['stop', 'skip'],
    default: 'stop',
    formInitial: '',
    description: 'What a norm above gradNormThreshold does: "stop" the run (FAILED) or "skip" that step\'s update.',
  }),
  skipGradNormAbove: float({
    surface: 'native',
    label: 'Skip steps above gradient norm',
    default: 0,
    min: 0,
    max: Infinity,
    description: 'Skip the optimizer step (weights untouched, reported as skipped) when the gradient norm before clipping exceeds this or is not finite; 0 never skips.',
  }),

  // ---- data ----
  seed: int({ surface: 'both', group: 'Data', label: 'Seed', default: 1337, min: 0, max: 2 ** 31 - 1, description: 'Seed for initialization, data windows and dropout; makes a run reproducible.' }),
  sampling: choice({
    surface: 'both',
    group: 'Data',
    label: 'Sampling',
    values: ['random', 'sequential'],
    default: 'random',
    graphqlEnum: { name: 'DataSampling' },
    description: 'random: windows at seeded random offsets; sequential: consecutive windows in order.',
  }),

  // ---- validation and checkpoints ----
  evalEvery: int({ surface: 'both', group: 'Validation and checkpoints', label: 'Validate every (steps)', unit: 'steps', default: 0, min: 0, max: STEPS_MAX, description: 'Validate every N steps (and at the end); 0 validates only at the end.' }),
  evalBatches: int({ surface: 'both', group: 'Validation and checkpoints', label: 'Validation batches', unit: 'batches', default: 20, min: 1, max: 100_000, description: 'Batches per validation.' }),
  checkpointEvery: int({
    surface: 'both',
    group: 'Validation and checkpoints',
    label: 'Checkpoint every (steps)',
    unit: 'steps',
    default: 0,
    apiDefault: 'max(1, steps / 10)',
    min: 0,
    max: STEPS_MAX,
    description: 'Checkpoint every N steps; the end of the run is always checkpointed; 0 checkpoints only at the end.',
  }),
  keepLast: int({ surface: 'both', group: 'Validation and checkpoints', label: 'Checkpoints kept', unit: 'checkpoints', default: 3, min: 1, max: 1000, description: 'Newest checkpoints kept (the best by validation loss is kept too).' }),
  saveAdapterOnly: bool({ surface: 'native', label: 'Save adapters only', default: true, description: 'LoRA runs: checkpoints hold only the adapters (adapter_model.safetensors).' }),

  // ---- hardware ----
  device: text({ surface: 'both', group: 'Hardware', label: 'Device', default: 'auto', pattern: /^(auto|cpu|cuda(:\d+)?)$/, expects: 'auto, cpu, cuda or cuda:N', description: 'Where to train; auto uses CUDA when available.' }),
  precision: choice({
    surface: 'both',
    group: 'Hardware',
    label: 'Precision',
    values: ['fp32', 'bf16', 'fp16', 'auto'],
    default: 'fp32',
    graphqlEnum: { name: 'TrainingPrecision' },
    description: 'fp32; bf16 (autocast, CPU and CUDA); fp16 (CUDA only, dynamic loss scaling); auto (bf16 where the hardware supports it).',
  }),
  threads: int({
    surface: 'both',
    group: 'Hardware',
    label: 'Threads',
    unit: 'threads',
    default: null,
    min: 1,
    max: 1024,
    description: "Intra-op threads of the training thread; unset uses the server setting, else libtorch's default (the core count).",
  }),
  kernels: choice({
    surface: 'api',
    group: 'Hardware',
    label: 'Kernels',
    values: ['fast', 'deterministic'],
    default: 'fast',
    graphqlEnum: {
      name: 'TrainingKernels',
      description:
        'FAST: fused attention kernels; on CUDA two identical runs differ slightly (~1e-5 relative in bf16), so a resumed run only approximates the uninterrupted one. DETERMINISTIC: deterministic kernels; a run resumed from a checkpoint repeats the uninterrupted one exactly (slower on CUDA; CPU runs are deterministic either way).',
    },
    description: 'DETERMINISTIC: a resumed CUDA run repeats the uninterrupted one exactly (slower).',
  }),
  deterministic: bool({
    surface: 'native',
    label: 'Deterministic kernels',
    default: false,
    description: "Deterministic kernels on CUDA (attention in plain operations, libtorch's deterministic algorithms while the run lasts); CPU runs are deterministic either way.",
  }),
  peakFlops: float({
    surface: 'native',
    label: 'Peak FLOP/s',
    unit: 'FLOP/s',
    default: null,
    min: 0,
    exclusiveMin: true,
    max: Infinity,
    description: 'Peak FLOP/s of the device for the MFU estimate; unset guesses 312e12 on CUDA and threads × 80e9 on the CPU.',
  }),
} as const;

/** Low-rank adapters: base weights frozen, only the adapters train. */
export const LORA_OPTIONS = {
  rank: int({ surface: 'both', group: 'LoRA', label: 'LoRA rank', default: 8, min: 1, max: 4096, description: 'Rank r of the update B·A.' }),
  alpha: float({ surface: 'both', group: 'LoRA', label: 'LoRA alpha', default: 16, min: 0, exclusiveMin: true, max: Infinity, description: 'The update is scaled by alpha / rank.' }),
  dropout: float({ surface: 'both', group: 'LoRA', label: 'LoRA dropout', default: 0, min: 0, max: 1, exclusiveMax: true, description: 'Dropout on the adapter input.' }),
  targets: list({
    surface: 'both',
    group: 'LoRA',
    label: 'LoRA targets',
    values: ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'],
    default: ['attn.c_attn'],
    description: 'Linear layers that get adapters: attention qkv (attn.c_attn), attention projection (attn.c_proj), MLP (mlp.c_fc, mlp.c_proj).',
  }),
} as const;

/** Early stopping on the validation loss (a server policy; the native trainer only reports). */
export const EARLY_STOPPING_OPTIONS = {
  patience: int({ surface: 'api', group: 'Early stopping', label: 'Patience (validations)', unit: 'validations', default: 3, min: 1, max: 10_000, description: 'Validations without improvement before the run stops.' }),
  minDelta: float({ surface: 'api', group: 'Early stopping', label: 'Minimum improvement', default: 0, min: 0, max: Infinity, description: 'Smallest decrease of the validation loss that counts as an improvement.' }),
} as const;

export type LoraTarget = (typeof LORA_OPTIONS.targets.values)[number];
export const LORA_TARGETS: readonly LoraTarget[] = LORA_OPTIONS.targets.values;
export type LrSchedule = OptionValue<typeof TRAINING_OPTIONS.lrSchedule>;
export type Precision = OptionValue<typeof TRAINING_OPTIONS.precision>;
export type DataSampling = OptionValue<typeof TRAINING_OPTIONS.sampling>;

export type LoraConfig = ApiValues<typeof LORA_OPTIONS>;
export type EarlyStoppingConfig = ApiValues<typeof EARLY_STOPPING_OPTIONS>;

/**
 * The validated hyperparameters of a run, as stored with it: every API option, with the
 * defaults and derived values filled in.
 */
export type StoredTrainingConfig = Omit<ApiValues<typeof TRAINING_OPTIONS>, 'minLearningRate' | 'warmupSteps' | 'gradNormAction' | 'kernels'> & {
  minLearningRate: number;
  warmupSteps: number;
  lora: LoraConfig | null;
  earlyStopping: EarlyStoppingConfig | null;
  /** Absent in configs stored before it existed, which meant "stop". */
  gradNormAction?: OptionValue<typeof TRAINING_OPTIONS.gradNormAction>;
  /** Absent in configs stored before it existed, which meant "fast". */
  kernels?: OptionValue<typeof TRAINING_OPTIONS.kernels>;
};
