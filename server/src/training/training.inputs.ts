import { ArgsType, Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import type { ApiValues } from '../../../schema/options/option-spec.ts';
import { EARLY_STOPPING_OPTIONS, type EarlyStoppingConfig, LORA_OPTIONS, type LoraConfig, TRAINING_OPTIONS } from '../../../schema/options/training-options.ts';
import { SortDirection } from '../graphql/connection.ts';
import { declareOptionFields } from '../graphql/option-fields.ts';
import { RunStatus } from './training.entity.ts';

/** A field of the input: the option's value, or null/absent for its default. */
type Given<T> = { -readonly [K in keyof T]?: T[K] | null };

// LoRA, early stopping and the hyperparameters: fields derived from their declarations.
export class LoraInput {}
export interface LoraInput extends Given<LoraConfig> {}
declareOptionFields(LoraInput, LORA_OPTIONS);
InputType({ description: 'Low-rank adapters: base weights frozen, only the adapters train' })(LoraInput);

export class EarlyStoppingInput {}
export interface EarlyStoppingInput extends Given<EarlyStoppingConfig> {}
declareOptionFields(EarlyStoppingInput, EARLY_STOPPING_OPTIONS);
InputType({ description: 'Stop when the validation loss has not improved by minDelta for `patience` evaluations' })(EarlyStoppingInput);

/** The API's training options under their input names (steps for maxSteps). */
type TrainingOptionValues = Omit<ApiValues<typeof TRAINING_OPTIONS>, 'maxSteps'> & { steps: number };

export class TrainingConfigInput {
  @Field(() => LoraInput, { nullable: true, description: 'Train LoRA adapters instead of all weights (needs a base version)' })
  lora?: LoraInput | null;

  @Field(() => EarlyStoppingInput, { nullable: true, description: 'Early stopping on the validation loss; off when absent' })
  earlyStopping?: EarlyStoppingInput | null;
}
export interface TrainingConfigInput extends Given<TrainingOptionValues> {}
declareOptionFields(TrainingConfigInput, TRAINING_OPTIONS);
InputType({ description: 'Hyperparameters; everything the native trainer accepts' })(TrainingConfigInput);

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
