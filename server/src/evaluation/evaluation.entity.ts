import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ISO_DATE, JSON_TEXT } from '../db/columns.ts';

@ObjectType({ description: 'One metric value of an evaluation' })
export class MetricResult {
  @Field(() => String)
  name!: string;

  @Field(() => Float, { nullable: true, description: 'Null when the metric could not be computed (see error)' })
  value!: number | null;

  @Field(() => String, { nullable: true })
  error?: string | null;
}

@ObjectType({ description: 'Scores of one label of a classifier' })
export class LabelMetrics {
  @Field(() => String)
  label!: string;

  @Field(() => Float, { description: 'Of the examples predicted as this label, the share that has it (0 when none is predicted)' })
  precision!: number;

  @Field(() => Float, { description: 'Of the examples that have this label, the share predicted as it (0 when none has it)' })
  recall!: number;

  @Field(() => Float)
  f1!: number;

  @Field(() => Int, { description: 'Examples whose true label this is' })
  support!: number;

  @Field(() => Int, { description: 'Examples predicted as this label' })
  predicted!: number;
}

@ObjectType({ description: "A classifier's evaluation on the held-out split: accuracy, macro-F1, per-label scores and the confusion matrix" })
export class ClassificationEvaluation {
  @Field(() => [String], { description: "The model's labels; per-label rows and the matrix's rows and columns follow this order" })
  labels!: string[];

  @Field(() => Float)
  accuracy!: number;

  @Field(() => Float, { description: 'Mean F1 over the labels that occur in the references or the predictions' })
  macroF1!: number;

  @Field(() => [LabelMetrics])
  perLabel!: LabelMetrics[];

  @Field(() => [[Int]], { description: 'confusion[t][p]: examples of true label t predicted as p' })
  confusion!: number[][];

  @Field(() => Int)
  examples!: number;
}

/** Metrics of a model version on a dataset version; rows with the same dataset version compare versions. */
@ObjectType({ description: 'Metrics of a model version on a dataset version' })
@Entity({ name: 'evaluations' })
@Index('idx_evaluations_version', ['modelVersionId'])
@Index('idx_evaluations_dataset_version', ['datasetVersionId'])
export class Evaluation {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Column({ name: 'model_version_id', type: 'varchar', length: 36 })
  modelVersionId!: string;

  @Field(() => ID)
  @Column({ name: 'dataset_version_id', type: 'varchar', length: 36 })
  datasetVersionId!: string;

  @Field(() => [MetricResult])
  @Column({ type: 'text', transformer: JSON_TEXT })
  results!: MetricResult[];

  @Field(() => Int, { description: 'Validation examples generated from (generation metrics)' })
  @Column({ type: 'integer' })
  examples!: number;

  @Field(() => Int, { description: 'Validation tokens scored (perplexity, token accuracy)' })
  @Column({ name: 'scored_tokens', type: 'integer' })
  scoredTokens!: number;

  @Field(() => ClassificationEvaluation, { nullable: true, description: 'A CLASSIFICATION model’s per-label scores and confusion matrix; null for a causal LM' })
  @Column({ type: 'text', nullable: true, transformer: JSON_TEXT })
  classification!: ClassificationEvaluation | null;

  @Field(() => ID)
  @Column({ name: 'created_by', type: 'varchar', length: 36 })
  createdBy!: string;

  @Field(() => Int)
  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;
}
