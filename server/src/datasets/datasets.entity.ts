// Datasets, their immutable versions, and uploads waiting to become one.
import { Column, Entity, PrimaryColumn } from 'typeorm';

/** bigint columns come back as strings from PostgreSQL; sizes here stay below 2^53. */
const bigintAsNumber = { to: (value: number | null) => value, from: (value: string | number | null) => (value === null ? null : Number(value)) };

export type UploadStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

/** A file received by POST /api/uploads; createDataset consumes it. */
@Entity({ name: 'uploads' })
export class Upload {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: UploadStatus;

  @Column({ type: 'varchar', length: 512 })
  filename!: string;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintAsNumber })
  sizeBytes!: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  sha256!: string | null;

  /** Who uploaded it; only they (or an admin) may use it. Null: from before owners (admins only). */
  @Column({ name: 'owner_id', type: 'varchar', length: 36, nullable: true })
  ownerId!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;
}

@Entity({ name: 'datasets' })
export class Dataset {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 200, unique: true })
  name!: string;

  @Column({ type: 'text', default: '' })
  description!: string;

  /** Who may change it besides an admin. Null: from before owners (admins only). */
  @Column({ name: 'owner_id', type: 'varchar', length: 36, nullable: true })
  ownerId!: string | null;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;
}

/**
 * One immutable state of a dataset: the source blob it was read from (v1) or the parent and
 * pipeline that produced it, plus what was derived into datasets/<id>/ (records, tokenizer,
 * shards, report).
 */
@Entity({ name: 'dataset_versions' })
export class DatasetVersion {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ name: 'dataset_id', type: 'varchar', length: 36 })
  datasetId!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ type: 'varchar', length: 16 })
  format!: string;

  /** JSON: reader options and column mapping as resolved. */
  @Column({ name: 'source_options', type: 'text' })
  sourceOptions!: string;

  /** SHA-256 of the uploaded bytes (blobs/sha256/<hash>); null for a derived version. */
  @Column({ name: 'source_sha256', type: 'varchar', length: 64, nullable: true })
  sourceSha256!: string | null;

  @Column({ name: 'source_bytes', type: 'bigint', transformer: bigintAsNumber })
  sourceBytes!: number;

  @Column({ name: 'source_filename', type: 'varchar', length: 512 })
  sourceFilename!: string;

  /** SHA-256 of records.jsonl: equal inputs and pipelines give equal hashes. */
  @Column({ name: 'records_sha256', type: 'varchar', length: 64 })
  recordsSha256!: string;

  @Column({ name: 'parent_version_id', type: 'varchar', length: 36, nullable: true })
  parentVersionId!: string | null;

  /** JSON of the declared pipeline; null for v1. */
  @Column({ type: 'text', nullable: true })
  pipeline!: string | null;

  @Column({ name: 'pipeline_hash', type: 'varchar', length: 64, nullable: true })
  pipelineHash!: string | null;

  @Column({ name: 'record_count', type: 'integer' })
  recordCount!: number;

  @Column({ name: 'train_tokens', type: 'bigint', transformer: bigintAsNumber })
  trainTokens!: number;

  @Column({ name: 'validation_tokens', type: 'bigint', transformer: bigintAsNumber })
  validationTokens!: number;

  @Column({ name: 'vocab_size', type: 'integer' })
  vocabSize!: number;

  /** JSON of the ValidationReport. */
  @Column({ type: 'text' })
  report!: string;

  @Column({ name: 'gate_passed', type: 'boolean' })
  gatePassed!: boolean;

  @Column({ name: 'created_at', type: 'varchar', length: 32 })
  createdAt!: string;
}
