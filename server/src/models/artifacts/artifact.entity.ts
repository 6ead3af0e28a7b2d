import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ISO_DATE, JSON_TEXT } from '../../db/columns.ts';
import { ExportFormat } from '../export/export-format.ts';

registerEnumType(ExportFormat, { name: 'ExportFormat', description: 'Formats a model version exports to' });

/** Stored artifacts are complete (the folder is renamed into place with the row); MISSING when the folder vanished from the data directory since. */
export enum ArtifactStatus {
  READY = 'READY',
  MISSING = 'MISSING',
}
registerEnumType(ArtifactStatus, { name: 'ArtifactStatus' });

@ObjectType({ description: 'One file of an artifact, content-addressed' })
export class ArtifactFile {
  @Field(() => String, { description: 'Path inside the artifact folder' })
  name!: string;

  @Field(() => Float)
  bytes!: number;

  @Field(() => String, { description: 'SHA-256 of the file, hex' })
  sha256!: string;
}

@ObjectType({ description: 'The export-time parity check: native logits against the artifact’s own runtime on fixed prompts' })
export class ArtifactParity {
  @Field(() => Float, { description: 'Largest |Δ logit| over every position and vocabulary entry' })
  maxAbsDifference!: number;

  @Field(() => Float, { description: 'The largest the export accepted (follows the weight precision)' })
  tolerance!: number;

  @Field(() => String, { description: 'What computed the artifact’s logits' })
  runtime!: string;

  @Field(() => Int, { description: 'Prompts checked' })
  prompts!: number;

  @Field(() => Int, { description: 'Tokens per prompt' })
  promptTokens!: number;
}

/** manifest.json of an artifact folder, also stored with the row. */
export interface ArtifactManifest {
  egenVersion: string;
  artifactId: string;
  source: { modelId: string; modelName: string; versionId: string; version: number };
  format: ExportFormat;
  options: Record<string, string | number | boolean>;
  files: ArtifactFile[];
  /** SHA-256 over the sorted "sha256  name" lines of the files: the artifact's content address. */
  sha256: string;
  parity: ArtifactParity;
  createdAt: string;
}

/** An exported model version: a folder under <dataDir>/artifacts/<id> with its files and manifest.json. */
@ObjectType({ description: 'A model version exported to a format, verified against the native model' })
@Entity({ name: 'model_artifacts' })
@Index('idx_model_artifacts_version', ['versionId'])
export class ModelArtifact {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Column({ name: 'version_id', type: 'varchar', length: 36 })
  versionId!: string;

  @Field(() => ExportFormat)
  @Column({ type: 'varchar', length: 32 })
  format!: ExportFormat;

  @Field(() => GraphQLJSON, { description: 'The export options this format reads, as applied' })
  @Column({ type: 'text', transformer: JSON_TEXT })
  options!: Record<string, string | number | boolean>;

  @Field(() => ArtifactStatus)
  @Column({ type: 'varchar', length: 16 })
  status!: ArtifactStatus;

  @Field(() => [ArtifactFile])
  @Column({ type: 'text', transformer: JSON_TEXT })
  files!: ArtifactFile[];

  @Column({ type: 'text', transformer: JSON_TEXT })
  manifest!: ArtifactManifest;

  @Field(() => String, { description: 'SHA-256 over the files’ hashes: the artifact’s content address' })
  @Column({ type: 'varchar', length: 64 })
  sha256!: string;

  @Field(() => Float)
  @Column({ name: 'total_bytes', type: 'double precision' })
  totalBytes!: number;

  /** Folder name inside <dataDir>/artifacts/. */
  @Column({ type: 'varchar', length: 1024 })
  path!: string;

  @Field(() => ID, { nullable: true, description: 'The export job that produced it' })
  @Column({ name: 'job_id', type: 'varchar', length: 36, nullable: true })
  jobId!: string | null;

  @Field(() => ID)
  @Column({ name: 'created_by', type: 'varchar', length: 36 })
  createdBy!: string;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;
}
