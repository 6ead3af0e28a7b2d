// GraphQL shapes of version lineage and version comparison (tags are ModelVersionTag rows).
import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType } from 'type-graphql';
import { RunStatus } from '../training/training.types.ts';
import { ModelArchitecture, ModelVersion } from './model.entity.ts';
import { ModelVersionTag } from './model-version-tag.entity.ts';

export { ModelVersionTag };

@ObjectType({ description: 'The version another version was trained from' })
export class LineageVersion {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  modelId!: string;

  @Field(() => String)
  modelName!: string;

  @Field(() => Int)
  version!: number;
}

@ObjectType({ description: 'The training run that produced a version' })
export class LineageRun {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: 'Model name and the first 8 characters of the run id, as the runs list shows it' })
  name!: string;

  @Field(() => RunStatus)
  status!: RunStatus;

  @Field(() => GraphQLISODateTime, { nullable: true })
  finishedAt!: Date | null;
}

@ObjectType({ description: 'The dataset version a version was trained on' })
export class LineageDatasetVersion {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  datasetId!: string;

  @Field(() => String)
  datasetName!: string;

  @Field(() => Int)
  version!: number;
}

@ObjectType({ description: 'The checkpoint an imported version came from (importModel)' })
export class LineageImport {
  @Field(() => String, { description: '"imported from <archive or folder>, sha256 <digest>"' })
  source!: string;

  @Field(() => String, { description: 'The archive or folder name' })
  from!: string;

  @Field(() => String, { description: 'sha256 of the archive (or of the folder’s sha256sum listing)' })
  sha256!: string;

  @Field(() => [String], { description: 'Special tokens the import added to the tokenizer (and the embeddings)' })
  addedTokens!: string[];

  @Field(() => String, { description: 'The activation config.json declared (EGen computes exact GELU)' })
  activation!: string;

  @Field(() => String, { nullable: true, description: 'What differs from the source model, if anything (e.g. gelu_new computed as exact GELU)' })
  note!: string | null;
}

@ObjectType({ description: 'Where a version came from; each part is null when the version has none or it no longer exists' })
export class ModelVersionLineage {
  @Field(() => LineageImport, { nullable: true, description: 'Set when the version was imported rather than trained here' })
  imported!: LineageImport | null;

  @Field(() => LineageVersion, { nullable: true })
  parent!: LineageVersion | null;

  @Field(() => LineageRun, { nullable: true })
  run!: LineageRun | null;

  @Field(() => LineageDatasetVersion, { nullable: true })
  datasetVersion!: LineageDatasetVersion | null;
}

@ObjectType({ description: 'One side of a comparison: the version, its architecture and its training config' })
export class ComparedVersion {
  @Field(() => ModelVersion)
  version!: ModelVersion;

  @Field(() => String)
  modelName!: string;

  @Field(() => ModelArchitecture)
  architecture!: ModelArchitecture;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The config of the run that produced it; null when it was not trained here' })
  trainingConfig!: Record<string, unknown> | null;

  @Field(() => LineageRun, { nullable: true })
  run!: LineageRun | null;
}

@ObjectType({ description: 'A setting whose values differ between the two versions' })
export class VersionDifference {
  @Field(() => String, { description: 'Flattened path, e.g. architecture.layers or training.learningRate' })
  key!: string;

  @Field(() => String, { nullable: true, description: 'Value on version a; null when a has no such setting' })
  a!: string | null;

  @Field(() => String, { nullable: true, description: 'Value on version b; null when b has no such setting' })
  b!: string | null;
}

@ObjectType({ description: "A metric's latest result for one version and the evaluation it came from" })
export class VersionMetric {
  @Field(() => Float, { nullable: true, description: 'Null when the metric could not be computed (see error)' })
  value!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;

  @Field(() => ID)
  evaluationId!: string;

  @Field(() => ID, { description: 'The dataset version it was evaluated on' })
  datasetVersionId!: string;

  @Field(() => GraphQLISODateTime)
  evaluatedAt!: Date;
}

@ObjectType({ description: 'One metric of both versions side by side (latest evaluation per version and metric)' })
export class MetricComparison {
  @Field(() => String)
  name!: string;

  @Field(() => VersionMetric, { nullable: true, description: 'Null when version a was never evaluated on it' })
  a!: VersionMetric | null;

  @Field(() => VersionMetric, { nullable: true, description: 'Null when version b was never evaluated on it' })
  b!: VersionMetric | null;
}

@ObjectType({ description: 'Two versions compared: configs, their differences and evaluation metrics' })
export class ModelVersionComparison {
  @Field(() => ComparedVersion)
  a!: ComparedVersion;

  @Field(() => ComparedVersion)
  b!: ComparedVersion;

  @Field(() => [VersionDifference], { description: 'Architecture and training settings that differ, architecture first, each part by key' })
  differences!: VersionDifference[];

  @Field(() => [MetricComparison], { description: 'Every metric either version has a result for, by name' })
  metrics!: MetricComparison[];
}
