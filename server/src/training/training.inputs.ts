import { ArgsType, Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import type { ApiValues } from '../../../schema/options/option-spec.ts';
import { EARLY_STOPPING_OPTIONS, type EarlyStoppingConfig, LORA_OPTIONS, type LoraConfig, TRAINING_OPTIONS } from '../../../schema/options/training-options.ts';
import { SortDirection } from '../graphql/connection.ts';
import { type Given, optionInputType } from '../graphql/option-fields.ts';
import { RunStatus } from './training.entity.ts';

// LoRA, early stopping and the hyperparameters: input types derived from their declarations.
export const LoraInput = optionInputType<Given<LoraConfig>>('LoraInput', 'Low-rank adapters: base weights frozen, only the adapters train', LORA_OPTIONS);
export type LoraInput = InstanceType<typeof LoraInput>;

export const EarlyStoppingInput = optionInputType<Given<EarlyStoppingConfig>>('EarlyStoppingInput', 'Stop when the validation loss has not improved by minDelta for `patience` evaluations', EARLY_STOPPING_OPTIONS);
export type EarlyStoppingInput = InstanceType<typeof EarlyStoppingInput>;

/** The API's training options under their input names (steps for maxSteps). */
type TrainingOptionValues = Omit<ApiValues<typeof TRAINING_OPTIONS>, 'maxSteps'> & { steps: number };

export const TrainingConfigInput = optionInputType<Given<TrainingOptionValues> & { lora?: LoraInput | null; earlyStopping?: EarlyStoppingInput | null }>(
  'TrainingConfigInput',
  'Hyperparameters; everything the native trainer accepts',
  TRAINING_OPTIONS,
  (prototype) => {
    Field(() => LoraInput, { nullable: true, description: 'Train LoRA adapters instead of all weights (needs a base version)' })(prototype, 'lora');
    Field(() => EarlyStoppingInput, { nullable: true, description: 'Early stopping on the validation loss; off when absent' })(prototype, 'earlyStopping');
  },
);
export type TrainingConfigInput = InstanceType<typeof TrainingConfigInput>;

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
