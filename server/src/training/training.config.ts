// The hyperparameters of a run: validated field by field (every problem named), stored with the
// run, and turned into the native trainer's TrainOptions when the run starts.
import type { ModelConfig, TrainOptions } from '../../../native/index.ts';
import { inputName, keysOn, listItemProblem, type OptionTable, type OptionValue, optionProblem } from '../../../schema/options/option-spec.ts';
import { EARLY_STOPPING_OPTIONS, LORA_OPTIONS, type StoredTrainingConfig, TRAINING_OPTIONS } from '../../../schema/options/training-options.ts';
import type { FieldError } from '../errors/domain-error.ts';
import type { TrainingConfigInput } from './training.inputs.ts';

/** What the config is checked against. */
export interface ConfigContext {
  /** Tokens in the training split; epochs convert to steps with it. */
  trainTokens: number;
  validationTokens: number;
  contextLength: number;
  /** Training starts from a model version (LoRA needs one). */
  hasBase: boolean;
}

type Values = Record<string, unknown>;

/**
 * Reads the API options of `table` from `given` (input names), each checked against its
 * declaration; absent ones take their declared default (null where the default is derived).
 */
function readOptions(table: OptionTable, given: Values, field: (name: string) => string, errors: FieldError[]): Values {
  const values: Values = {};
  for (const key of keysOn(table, 'api')) {
    const spec = table[key]!;
    const name = inputName(key, spec);
    const value = given[name];
    if (value === null || value === undefined) {
      values[key] = Array.isArray(spec.default) ? [...spec.default] : spec.default;
      continue;
    }
    const problem = optionProblem(spec, value);
    if (problem) errors.push({ field: field(name), message: problem });
    if (spec.kind === 'list' && Array.isArray(value)) {
      value.forEach((item, k) => {
        const itemProblem = listItemProblem(spec, item);
        if (itemProblem) errors.push({ field: field(`${name}[${k}]`), message: itemProblem });
      });
    }
    values[key] = value;
  }
  return values;
}

export function validateTrainingConfig(input: TrainingConfigInput | null | undefined, context: ConfigContext, prefix = 'input.config'): { config: StoredTrainingConfig; errors: FieldError[] } {
  const given = (input ?? {}) as Values;
  const errors: FieldError[] = [];
  const field = (name: string): string => `${prefix}.${name}`;
  const v = readOptions(TRAINING_OPTIONS, given, field, errors);
  const option = <K extends keyof typeof TRAINING_OPTIONS>(key: K): OptionValue<(typeof TRAINING_OPTIONS)[K]> => v[key] as OptionValue<(typeof TRAINING_OPTIONS)[K]>;

  // Steps, or epochs converted to steps.
  let maxSteps = option('maxSteps');
  const epochs = option('epochs');
  if (given.steps != null && given.epochs != null) errors.push({ field: field('epochs'), message: 'give either steps or epochs, not both' });
  else if (epochs !== null && Number.isFinite(epochs) && epochs > 0) {
    const tokensPerStep = option('batchSize') * option('gradientAccumulationSteps') * context.contextLength;
    maxSteps = Math.max(1, Math.ceil((epochs * context.trainTokens) / tokensPerStep));
  }

  // Derived defaults (as the declarations describe them).
  const learningRate = option('learningRate');
  const derived = { ...v, maxSteps };
  const minLearningRate = option('minLearningRate') ?? TRAINING_OPTIONS.minLearningRate.derivedDefault.from(derived);
  if (minLearningRate > learningRate) errors.push({ field: field('minLearningRate'), message: `must be at most learningRate (${learningRate})` });
  const warmupSteps = option('warmupSteps') ?? TRAINING_OPTIONS.warmupSteps.derivedDefault.from(derived);
  // Runs started through the API checkpoint about ten times unless told otherwise.
  const checkpointEvery = given.checkpointEvery == null ? Math.max(1, Math.floor(maxSteps / 10)) : option('checkpointEvery');

  let lora: StoredTrainingConfig['lora'] = null;
  if (given.lora) {
    if (!context.hasBase) errors.push({ field: field('lora'), message: 'LoRA trains adapters on a base model version: give baseVersionId' });
    lora = readOptions(LORA_OPTIONS, given.lora as Values, (name) => field(`lora.${name}`), errors) as StoredTrainingConfig['lora'];
  }
  let earlyStopping: StoredTrainingConfig['earlyStopping'] = null;
  if (given.earlyStopping) {
    earlyStopping = readOptions(EARLY_STOPPING_OPTIONS, given.earlyStopping as Values, (name) => field(`earlyStopping.${name}`), errors) as StoredTrainingConfig['earlyStopping'];
    if (context.validationTokens === 0) errors.push({ field: field('earlyStopping'), message: 'needs a dataset version with a validation split' });
    if (option('evalEvery') === 0) errors.push({ field: field('evalEvery'), message: 'must be set (above 0) for early stopping, which counts evaluations' });
  }
  if (given.gradNormAction != null && given.gradNormThreshold == null) errors.push({ field: field('gradNormThreshold'), message: 'must be set when gradNormAction is given' });
  if (context.trainTokens <= context.contextLength) errors.push({ field: 'input.datasetVersionId', message: `the training split has ${context.trainTokens} tokens; more than the context length (${context.contextLength}) are needed` });

  const config: StoredTrainingConfig = {
    maxSteps,
    epochs,
    batchSize: option('batchSize'),
    gradientAccumulationSteps: option('gradientAccumulationSteps'),
    learningRate,
    minLearningRate,
    warmupSteps,
    lrSchedule: option('lrSchedule'),
    weightDecay: option('weightDecay'),
    beta1: option('beta1'),
    beta2: option('beta2'),
    gradClip: option('gradClip'),
    precision: option('precision'),
    seed: option('seed'),
    sampling: option('sampling'),
    evalEvery: option('evalEvery'),
    evalBatches: option('evalBatches'),
    checkpointEvery,
    keepLast: option('keepLast'),
    lora,
    earlyStopping,
    gradNormThreshold: option('gradNormThreshold'),
    gradNormAction: option('gradNormAction') === 'skip' ? 'skip' : 'stop',
    device: option('device'),
    threads: option('threads'),
    kernels: option('kernels'),
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
  if (config.lora) options.lora = { ...config.lora, targets: [...config.lora.targets] };
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
