// The hyperparameters of a run: validated field by field (every problem named), stored with the
// run, and turned into the native trainer's TrainOptions when the run starts.
import type { LoraTarget, ModelConfig, TrainOptions } from '../../../native/index.ts';
import type { FieldError } from '../errors/domain-error.ts';
import type { StoredTrainingConfig } from './training.entity.ts';
import type { TrainingConfigInput } from './training.inputs.ts';

const LORA_TARGETS = ['attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj'];

/** What the config is checked against. */
export interface ConfigContext {
  /** Tokens in the training split; epochs convert to steps with it. */
  trainTokens: number;
  validationTokens: number;
  contextLength: number;
  /** Training starts from a model version (LoRA needs one). */
  hasBase: boolean;
}

export function validateTrainingConfig(input: TrainingConfigInput | null | undefined, context: ConfigContext, prefix = 'input.config'): { config: StoredTrainingConfig; errors: FieldError[] } {
  const i = input ?? {};
  const errors: FieldError[] = [];
  const field = (name: string): string => `${prefix}.${name}`;
  const int = (name: string, value: number | null | undefined, fallback: number, min: number, max: number): number => {
    if (value === null || value === undefined) return fallback;
    if (!Number.isInteger(value) || value < min || value > max) errors.push({ field: field(name), message: `must be an integer from ${min} to ${max} (got ${value})` });
    return value;
  };
  const num = (name: string, value: number | null | undefined, fallback: number, min: number, max: number, exclusiveMin = false): number => {
    if (value === null || value === undefined) return fallback;
    if (!Number.isFinite(value) || value > max || (exclusiveMin ? value <= min : value < min)) errors.push({ field: field(name), message: `must be a number ${exclusiveMin ? 'above' : 'from'} ${min}${max === Infinity ? '' : ` ${exclusiveMin ? 'and at most' : 'to'} ${max}`} (got ${value})` });
    return value;
  };

  const batchSize = int('batchSize', i.batchSize, 12, 1, 65_536);
  const gradientAccumulationSteps = int('gradientAccumulationSteps', i.gradientAccumulationSteps, 1, 1, 65_536);
  let maxSteps = 1000;
  let epochs: number | null = null;
  if (i.steps != null && i.epochs != null) errors.push({ field: field('epochs'), message: 'give either steps or epochs, not both' });
  else if (i.epochs != null) {
    epochs = num('epochs', i.epochs, 1, 0, 10_000, true);
    const tokensPerStep = batchSize * gradientAccumulationSteps * context.contextLength;
    if (Number.isFinite(epochs) && epochs > 0) maxSteps = Math.max(1, Math.ceil((epochs * context.trainTokens) / tokensPerStep));
  } else maxSteps = int('steps', i.steps, 1000, 1, 100_000_000);

  const learningRate = num('learningRate', i.learningRate, 6e-4, 0, 10_000, true);
  const minLearningRate = num('minLearningRate', i.minLearningRate, learningRate / 10, 0, 10_000);
  if (minLearningRate > learningRate) errors.push({ field: field('minLearningRate'), message: `must be at most learningRate (${learningRate})` });
  const warmupSteps = int('warmupSteps', i.warmupSteps, Math.min(100, maxSteps), 0, 100_000_000);
  const evalEvery = int('evalEvery', i.evalEvery, 0, 0, 100_000_000);
  const checkpointEvery = int('checkpointEvery', i.checkpointEvery, Math.max(1, Math.floor(maxSteps / 10)), 1, 100_000_000);
  const device = i.device ?? 'auto';
  if (!/^(auto|cpu|cuda(:\d+)?)$/.test(device)) errors.push({ field: field('device'), message: `must be auto, cpu, cuda or cuda:N (got "${device}")` });

  let lora: StoredTrainingConfig['lora'] = null;
  if (i.lora) {
    if (!context.hasBase) errors.push({ field: field('lora'), message: 'LoRA trains adapters on a base model version: give baseVersionId' });
    const targets = i.lora.targets ?? ['attn.c_attn'];
    if (targets.length === 0) errors.push({ field: field('lora.targets'), message: 'must name at least one module' });
    targets.forEach((t, k) => {
      if (!LORA_TARGETS.includes(t)) errors.push({ field: field(`lora.targets[${k}]`), message: `must be one of ${LORA_TARGETS.join(', ')} (got "${t}")` });
    });
    lora = { rank: int('lora.rank', i.lora.rank, 8, 1, 4096), alpha: num('lora.alpha', i.lora.alpha, 16, 0, Infinity, true), dropout: num('lora.dropout', i.lora.dropout, 0, 0, 0.999), targets };
  }
  let earlyStopping: StoredTrainingConfig['earlyStopping'] = null;
  if (i.earlyStopping) {
    earlyStopping = { patience: int('earlyStopping.patience', i.earlyStopping.patience, 3, 1, 10_000), minDelta: num('earlyStopping.minDelta', i.earlyStopping.minDelta, 0, 0, Infinity) };
    if (context.validationTokens === 0) errors.push({ field: field('earlyStopping'), message: 'needs a dataset version with a validation split' });
    if (evalEvery === 0) errors.push({ field: field('evalEvery'), message: 'must be set (above 0) for early stopping, which counts evaluations' });
  }
  const gradNormAction = i.gradNormAction ?? 'stop';
  if (gradNormAction !== 'stop' && gradNormAction !== 'skip') errors.push({ field: field('gradNormAction'), message: `must be stop or skip (got "${gradNormAction}")` });
  if (i.gradNormAction != null && i.gradNormThreshold == null) errors.push({ field: field('gradNormThreshold'), message: 'must be set when gradNormAction is given' });
  if (context.trainTokens <= context.contextLength) errors.push({ field: 'input.datasetVersionId', message: `the training split has ${context.trainTokens} tokens; more than the context length (${context.contextLength}) are needed` });

  const config: StoredTrainingConfig = {
    maxSteps,
    epochs,
    batchSize,
    gradientAccumulationSteps,
    learningRate,
    minLearningRate,
    warmupSteps,
    lrSchedule: i.lrSchedule ?? 'cosine',
    weightDecay: num('weightDecay', i.weightDecay, 0.1, 0, 10),
    beta1: num('beta1', i.beta1, 0.9, 0, 0.999999),
    beta2: num('beta2', i.beta2, 0.95, 0, 0.999999),
    gradClip: num('gradClip', i.gradClip, 1, 0, 1e6),
    precision: i.precision ?? 'fp32',
    seed: int('seed', i.seed, 1337, 0, 2 ** 31 - 1),
    sampling: i.sampling ?? 'random',
    evalEvery,
    evalBatches: int('evalBatches', i.evalBatches, 20, 1, 100_000),
    checkpointEvery,
    keepLast: int('keepLast', i.keepLast, 3, 1, 1000),
    lora,
    earlyStopping,
    gradNormThreshold: i.gradNormThreshold == null ? null : num('gradNormThreshold', i.gradNormThreshold, 0, 0, Infinity, true),
    gradNormAction: gradNormAction === 'skip' ? 'skip' : 'stop',
    device,
    threads: i.threads == null ? null : int('threads', i.threads, 1, 1, 1024),
    kernels: i.kernels ?? 'fast',
  };
  return { config, errors };
}

/** Where a run's data lives and what it starts from. */
export interface RunInputs {
  model: ModelConfig;
  /** Base model version checkpoint (fine-tuning / LoRA); null trains a fresh model. */
  initFrom: string | null;
  /** Resume exactly from this training checkpoint. */
  resumeFrom: string | null;
  trainShards: string[];
  validationShards: string[];
  checkpointDir: string;
  /** Server default for intra-op threads; null leaves libtorch's. */
  defaultThreads: number | null;
}

export function toTrainOptions(config: StoredTrainingConfig, inputs: RunInputs): TrainOptions {
  const threads = config.threads ?? inputs.defaultThreads;
  const options: TrainOptions = {
    model: inputs.model,
    trainShards: inputs.trainShards,
    validationShards: inputs.validationShards,
    batchSize: config.batchSize,
    gradientAccumulationSteps: config.gradientAccumulationSteps,
    maxSteps: config.maxSteps,
    sampling: config.sampling,
    seed: config.seed,
    learningRate: config.learningRate,
    minLearningRate: config.minLearningRate,
    warmupSteps: config.warmupSteps,
    lrDecay: config.lrSchedule,
    weightDecay: config.weightDecay,
    beta1: config.beta1,
    beta2: config.beta2,
    gradClip: config.gradClip,
    ...(config.gradNormAction === 'skip' && config.gradNormThreshold !== null ? { skipGradNormAbove: config.gradNormThreshold } : {}),
    precision: config.precision,
    device: config.device,
    evalEvery: config.evalEvery,
    evalBatches: config.evalBatches,
    checkpointDir: inputs.checkpointDir,
    checkpointEvery: config.checkpointEvery,
    keepLast: config.keepLast,
    ...(threads ? { threads } : {}),
    deterministic: config.kernels === 'deterministic',
  };
  if (config.lora) options.lora = { ...config.lora, targets: config.lora.targets as LoraTarget[] };
  if (inputs.resumeFrom) options.resumeFrom = inputs.resumeFrom;
  else if (inputs.initFrom) options.initFrom = inputs.initFrom;
  return options;
}

/** "Step 300/1000", or "Epoch 3/10 · Step 300/1000" for runs configured in epochs. */
export function progressText(step: number, config: StoredTrainingConfig): string {
  const steps = `Step ${step}/${config.maxSteps}`;
  if (config.epochs === null) return steps;
  const epoch = Math.min(config.epochs, Math.floor((step / config.maxSteps) * config.epochs) + (step < config.maxSteps ? 1 : 0));
  return `Epoch ${epoch}/${config.epochs} · ${steps}`;
}
