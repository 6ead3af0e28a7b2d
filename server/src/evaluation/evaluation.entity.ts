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
