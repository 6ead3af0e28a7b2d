import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { MODEL_OPTIONS, type ModelTaskValue } from '../../../schema/options/model-options.ts';
import { graphqlEnumOf } from '../graphql/option-fields.ts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ISO_DATE, JSON_TEXT } from '../db/columns.ts';

@ObjectType({ description: 'Shape of a GPT-style decoder' })
export class ModelArchitecture {
  @Field(() => Int)
  vocabSize!: number;

  @Field(() => Int, { description: 'Longest sequence the model attends over (block size)' })
  contextLength!: number;

  @Field(() => Int)
  layers!: number;

  @Field(() => Int)
  heads!: number;

  @Field(() => Int, { description: 'Channels of the residual stream (n_embd); a multiple of heads' })
  embeddingWidth!: number;

  @Field(() => Float)
  dropout!: number;

  @Field(() => Boolean)
  bias!: boolean;

  @Field(() => Float, { description: 'Parameters, counting the tied embedding once' })
  parameterCount!: number;
}

/** A named model: an architecture, a tokenizer and special tokens. Its weights live in versions. */
@ObjectType({ description: 'A language model definition; trained weights are its versions' })
@Entity({ name: 'models' })
@Index('uq_models_owner_name', ['ownerId', 'name'], { unique: true })
export class Model {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => String)
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Field(() => ID)
  @Column({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId!: string;

  @Field(() => String, { nullable: true, description: 'The preset it started from, if any' })
  @Column({ type: 'varchar', length: 32, nullable: true })
  preset!: string | null;

  @Column({ name: 'vocab_size', type: 'integer' })
  vocabSize!: number;

  @Column({ name: 'context_length', type: 'integer' })
  contextLength!: number;

  @Column({ type: 'integer' })
  layers!: number;

  @Column({ type: 'integer' })
  heads!: number;

  @Column({ name: 'embedding_width', type: 'integer' })
  embeddingWidth!: number;

  @Column({ type: 'double precision' })
  dropout!: number;

  @Column({ type: 'boolean' })
  bias!: boolean;

  @Field(() => String, { nullable: true, description: 'Id of the tokenizer this model uses' })
  @Column({ name: 'tokenizer_id', type: 'varchar', length: 128, nullable: true })
  tokenizerId!: string | null;

  @Field(() => [String])
  @Column({ name: 'special_tokens', type: 'text', transformer: JSON_TEXT })
  specialTokens!: string[];

  @Field(() => graphqlEnumOf(MODEL_OPTIONS.task), { description: 'What the model predicts' })
  @Column({ type: 'varchar', length: 32, default: MODEL_OPTIONS.task.default })
  task!: ModelTaskValue;

  @Field(() => [String], { nullable: true, description: 'Label names of a CLASSIFICATION model, in the order of its outputs (label id = position); null for CAUSAL_LM' })
  @Column({ type: 'text', nullable: true, transformer: JSON_TEXT })
  labels!: string[] | null;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'updated_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  updatedAt!: Date;
}

/** Weights of a model at one point, with where they came from. */
@ObjectType({ description: 'A version of a model: its weights and lineage' })
@Entity({ name: 'model_versions' })
@Index('uq_model_versions_model_version', ['modelId', 'version'], { unique: true })
export class ModelVersion {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Column({ name: 'model_id', type: 'varchar', length: 36 })
  modelId!: string;

  @Field(() => Int, { description: '1, 2, 3… within the model' })
  @Column({ type: 'integer' })
  version!: number;

  @Field(() => String, { nullable: true, description: 'Checkpoint directory of the weights, inside the data directory' })
  @Column({ name: 'checkpoint_path', type: 'varchar', length: 1024, nullable: true })
  checkpointPath!: string | null;

  @Field(() => ID, { nullable: true })
  @Column({ name: 'parent_version_id', type: 'varchar', length: 36, nullable: true })
  parentVersionId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The training run that produced it' })
  @Column({ name: 'run_id', type: 'varchar', length: 36, nullable: true })
  runId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The dataset version it was trained on' })
  @Column({ name: 'dataset_version_id', type: 'varchar', length: 64, nullable: true })
  datasetVersionId!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  notes!: string | null;

  @Field(() => String, { nullable: true, description: 'Where the weights came from when they were not trained here, e.g. "imported from gpt2.tar.gz, sha256 …"' })
  @Column({ type: 'text', nullable: true })
  source!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: 'What was done to the weights on the way in (an import: the source config, activation, added special tokens, embedding resize)' })
  @Column({ type: 'text', nullable: true, transformer: JSON_TEXT })
  metadata!: object | null;

  @Field(() => ID)
  @Column({ name: 'created_by', type: 'varchar', length: 36 })
  createdBy!: string;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;
}
