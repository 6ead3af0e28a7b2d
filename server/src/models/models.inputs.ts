import { ArgsType, Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { ARCHITECTURE_OPTIONS, type ModelArchitectureConfig, MODEL_OPTIONS, type ModelTaskValue } from '../../../schema/options/model-options.ts';
import { SortDirection } from '../graphql/connection.ts';
import { type Given, graphqlEnumOf, optionInputType } from '../graphql/option-fields.ts';

/** Architecture fields, derived from their declarations; with a preset each one given overrides the preset. */
export const ModelArchitectureInput = optionInputType<Given<ModelArchitectureConfig>>('ModelArchitectureInput', 'Architecture fields; with a preset each one given overrides the preset', ARCHITECTURE_OPTIONS);

/** The GraphQL enum ModelTask (CAUSAL_LM, CLASSIFICATION), derived from the task option's declaration. */
export const ModelTask = graphqlEnumOf(MODEL_OPTIONS.task);
export type ModelArchitectureInput = InstanceType<typeof ModelArchitectureInput>;

@InputType()
export class CreateModelInput {
  @Field(() => String, { description: '1 to 100 characters; unique among the owner’s models' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: 'tiny, small or gpt2-124M; without one, architecture must be complete' })
  preset?: string | null;

  @Field(() => ModelArchitectureInput, { nullable: true })
  architecture?: ModelArchitectureInput | null;

  @Field(() => String, { nullable: true })
  tokenizerId?: string | null;

  @Field(() => [String], { nullable: true, description: '<|endoftext|>, <context> and <response> always, then these' })
  specialTokens?: string[] | null;

  @Field(() => ModelTask, { nullable: true, description: 'Defaults to CAUSAL_LM' })
  task?: ModelTaskValue | null;

  @Field(() => [String], { nullable: true, description: 'CLASSIFICATION only (and required there): 2 to 1000 distinct label names, in the order of the head’s outputs' })
  labels?: string[] | null;
}

@InputType({ description: 'Fields to change; the architecture is fixed once a model exists' })
export class UpdateModelInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true })
  tokenizerId?: string | null;
}

@InputType()
export class CreateModelVersionInput {
  @Field(() => ID)
  modelId!: string;

  @Field(() => String, { nullable: true })
  checkpointPath?: string | null;

  @Field(() => ID, { nullable: true })
  parentVersionId?: string | null;

  @Field(() => ID, { nullable: true })
  runId?: string | null;

  @Field(() => ID, { nullable: true })
  datasetVersionId?: string | null;

  @Field(() => String, { nullable: true })
  notes?: string | null;
}

@InputType()
export class ModelFilter {
  @Field(() => ID, { nullable: true })
  ownerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Case-insensitive substring of the name' })
  nameContains?: string | null;

  @Field(() => String, { nullable: true })
  preset?: string | null;
}

export enum ModelOrderField {
  CREATED_AT = 'CREATED_AT',
  UPDATED_AT = 'UPDATED_AT',
  NAME = 'NAME',
}
registerEnumType(ModelOrderField, { name: 'ModelOrderField' });

@InputType()
export class ModelOrder {
  @Field(() => ModelOrderField)
  field!: ModelOrderField;

  @Field(() => SortDirection)
  direction!: SortDirection;
}

@ArgsType()
export class ModelVersionsArgs {
  @Field(() => Int, { nullable: true, description: 'Page size, 1 to 100. Defaults to 20.' })
  first?: number | null;

  @Field(() => String, { nullable: true })
  after?: string | null;
}

@InputType()
export class ModelVersionFilter {
  @Field(() => ID, { nullable: true })
  modelId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Versions produced by this training run' })
  runId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Versions trained on this dataset version' })
  datasetVersionId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Direct children of this version' })
  parentVersionId?: string | null;

  @Field(() => Int, { nullable: true, description: 'The version with this number (1, 2, 3…); with modelId, one version' })
  version?: number | null;
}
