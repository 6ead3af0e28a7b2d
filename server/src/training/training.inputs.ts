import { ArgsType, Field, Float, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { SortDirection } from '../graphql/connection.ts';
import { RunStatus } from './training.entity.ts';

export enum LrSchedule {
  COSINE = 'cosine',
  LINEAR = 'linear',
  CONSTANT = 'constant',
}
registerEnumType(LrSchedule, { name: 'LrSchedule', description: 'Decay after warmup, down to minLearningRate' });

export enum TrainingPrecision {
  FP32 = 'fp32',
  BF16 = 'bf16',
  FP16 = 'fp16',
  AUTO = 'auto',
}
registerEnumType(TrainingPrecision, { name: 'TrainingPrecision' });

export enum DataSampling {
  RANDOM = 'random',
  SEQUENTIAL = 'sequential',
}
registerEnumType(DataSampling, { name: 'DataSampling' });

export enum TrainingKernels {
  FAST = 'fast',
  DETERMINISTIC = 'deterministic',
}
registerEnumType(TrainingKernels, {
  name: 'TrainingKernels',
  description:
    'FAST: fused attention kernels; on CUDA two identical runs differ slightly (~1e-5 relative in bf16), so a resumed run only approximates the uninterrupted one. DETERMINISTIC: deterministic kernels; a run resumed from a checkpoint repeats the uninterrupted one exactly (slower on CUDA; CPU runs are deterministic either way).',
});

@InputType({ description: 'Low-rank adapters: base weights frozen, only the adapters train' })
export class LoraInput {
  @Field(() => Int, { nullable: true, description: 'Rank r. Defaults to 8.' })
  rank?: number | null;

  @Field(() => Float, { nullable: true, description: 'The update is scaled by alpha / rank. Defaults to 16.' })
  alpha?: number | null;

  @Field(() => Float, { nullable: true, description: 'Defaults to 0.' })
  dropout?: number | null;

  @Field(() => [String], { nullable: true, description: 'attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj. Defaults to ["attn.c_attn"].' })
  targets?: string[] | null;
}

@InputType({ description: 'Stop when the validation loss has not improved by minDelta for `patience` evaluations' })
export class EarlyStoppingInput {
  @Field(() => Int, { nullable: true, description: 'Evaluations without improvement. Defaults to 3.' })
  patience?: number | null;

  @Field(() => Float, { nullable: true, description: 'Smallest decrease that counts as an improvement. Defaults to 0.' })
  minDelta?: number | null;
}

@InputType({ description: 'Hyperparameters; everything the native trainer accepts' })
export class TrainingConfigInput {
  @Field(() => Int, { nullable: true, description: 'Optimizer steps. Give steps or epochs. Defaults to 1000 when neither is given.' })
  steps?: number | null;

  @Field(() => Float, { nullable: true, description: 'Passes over the training tokens (converted to steps)' })
  epochs?: number | null;

  @Field(() => Int, { nullable: true, description: 'Sequences per micro-batch. Defaults to 12.' })
  batchSize?: number | null;

  @Field(() => Int, { nullable: true, description: 'Micro-batches per optimizer step. Defaults to 1.' })
  gradientAccumulationSteps?: number | null;

  @Field(() => Float, { nullable: true, description: 'Peak learning rate. Defaults to 6e-4.' })
  learningRate?: number | null;

  @Field(() => Float, { nullable: true, description: 'Defaults to learningRate / 10.' })
  minLearningRate?: number | null;

  @Field(() => Int, { nullable: true, description: 'Linear warmup steps. Defaults to min(100, steps).' })
  warmupSteps?: number | null;

  @Field(() => LrSchedule, { nullable: true, description: 'Defaults to cosine.' })
  lrSchedule?: LrSchedule | null;

  @Field(() => Float, { nullable: true, description: 'AdamW weight decay. Defaults to 0.1.' })
  weightDecay?: number | null;

  @Field(() => Float, { nullable: true, description: 'Defaults to 0.9.' })
  beta1?: number | null;

  @Field(() => Float, { nullable: true, description: 'Defaults to 0.95.' })
  beta2?: number | null;

  @Field(() => Float, { nullable: true, description: 'Clip the global gradient norm; 0 disables. Defaults to 1.' })
  gradClip?: number | null;

  @Field(() => TrainingPrecision, { nullable: true, description: 'Defaults to fp32.' })
  precision?: TrainingPrecision | null;

  @Field(() => Int, { nullable: true, description: 'Defaults to 1337.' })
  seed?: number | null;

  @Field(() => DataSampling, { nullable: true, description: 'Defaults to random.' })
  sampling?: DataSampling | null;

  @Field(() => Int, { nullable: true, description: 'Validate every N steps (and at the end); 0 = only at the end. Defaults to 0.' })
  evalEvery?: number | null;

  @Field(() => Int, { nullable: true, description: 'Batches per validation. Defaults to 20.' })
  evalBatches?: number | null;

  @Field(() => Int, { nullable: true, description: 'Checkpoint every N steps (the end is always checkpointed). Defaults to max(1, steps / 10).' })
  checkpointEvery?: number | null;

  @Field(() => Int, { nullable: true, description: 'Newest checkpoints kept (plus the best). Defaults to 3.' })
  keepLast?: number | null;

  @Field(() => LoraInput, { nullable: true, description: 'Train LoRA adapters instead of all weights (needs a base version)' })
  lora?: LoraInput | null;

  @Field(() => EarlyStoppingInput, { nullable: true, description: 'Early stopping on the validation loss; off when absent' })
  earlyStopping?: EarlyStoppingInput | null;

  @Field(() => Float, { nullable: true, description: 'A gradient norm (before clipping) above this stops the run or skips the step (gradNormAction)' })
  gradNormThreshold?: number | null;

  @Field(() => String, { nullable: true, description: 'What a norm above gradNormThreshold does: "stop" the run (FAILED) or "skip" that step\'s update. Defaults to stop.' })
  gradNormAction?: string | null;

  @Field(() => String, { nullable: true, description: 'auto, cpu, cuda or cuda:N. Defaults to auto.' })
  device?: string | null;

  @Field(() => Int, { nullable: true, description: 'Intra-op threads. Defaults to the server setting.' })
  threads?: number | null;

  @Field(() => TrainingKernels, { nullable: true, description: 'Defaults to FAST.' })
  kernels?: TrainingKernels | null;
}

@InputType()
export class StartTrainingRunInput {
  @Field(() => ID, { nullable: true, description: 'Train this model from scratch (its architecture), unless baseVersionId is given' })
  modelId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Fine-tune from this model version; the result becomes the next version of its model' })
  baseVersionId?: string | null;

  @Field(() => ID)
  datasetVersionId!: string;

  @Field(() => TrainingConfigInput, { nullable: true })
  config?: TrainingConfigInput | null;
}

@InputType()
export class TrainingRunFilter {
  @Field(() => RunStatus, { nullable: true })
  status?: RunStatus | null;

  @Field(() => ID, { nullable: true })
  modelId?: string | null;

  @Field(() => ID, { nullable: true })
  ownerId?: string | null;

  @Field(() => ID, { nullable: true })
  datasetVersionId?: string | null;
}

export enum TrainingRunOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
}
registerEnumType(TrainingRunOrderField, { name: 'TrainingRunOrderField' });

@InputType()
export class TrainingRunOrder {
  @Field(() => TrainingRunOrderField)
  field!: TrainingRunOrderField;

  @Field(() => SortDirection)
  direction!: SortDirection;
}

@ArgsType()
export class MetricHistoryArgs {
  @Field(() => [String], { nullable: true, description: 'Metric names. Defaults to all.' })
  names?: string[] | null;

  @Field(() => Int, { nullable: true, description: 'Only points after this step' })
  afterStep?: number | null;

  @Field(() => Int, { nullable: true, description: 'At most this many points per metric (min/max buckets keep the shape). Defaults to 1000.' })
  maxPoints?: number | null;
}
