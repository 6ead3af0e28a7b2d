// Training runs, their metric points and checkpoints. Plain TypeORM classes that double as
// GraphQL object types (as models/model.entity.ts does).
import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ISO_DATE, JSON_TEXT } from '../db/columns.ts';

export enum RunStatus {
  QUEUED = 'QUEUED',
  IN_PROGRESS = 'IN_PROGRESS',
  PAUSED = 'PAUSED',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(RunStatus, { name: 'RunStatus' });

export const FINISHED_STATUSES: readonly RunStatus[] = [RunStatus.COMPLETED, RunStatus.FAILED, RunStatus.CANCELLED];

/** What a user asked of a run that another process (or a later step) carries out. */
export type RequestedAction = 'PAUSE' | 'RESUME' | 'CANCEL';

/** Doubles that may be stored as NULL (NaN and infinities are stored as NULL). */
const nullableDouble = { to: (value: number | null | undefined) => (value === undefined ? undefined : value === null || !Number.isFinite(value) ? null : value), from: (value: string | number | null) => (value === null ? null : Number(value)) };

/** The validated hyperparameters of a run, as stored (declared in schema/options/training-options.ts). */
export type { StoredTrainingConfig } from '../../../schema/options/training-options.ts';
import type { StoredTrainingConfig } from '../../../schema/options/training-options.ts';

@ObjectType({ description: 'Training of a model (or from a base version) on a dataset version' })
@Entity({ name: 'training_runs' })
@Index('idx_training_runs_status_created', ['status', 'createdAt'])
export class TrainingRun {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Column({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId!: string;

  @Field(() => ID)
  @Column({ name: 'model_id', type: 'varchar', length: 36 })
  modelId!: string;

  @Field(() => ID, { nullable: true, description: 'The model version training starts from; null for a freshly initialized model' })
  @Column({ name: 'base_version_id', type: 'varchar', length: 36, nullable: true })
  baseVersionId!: string | null;

  @Field(() => ID)
  @Column({ name: 'dataset_version_id', type: 'varchar', length: 36 })
  datasetVersionId!: string;

  @Column({ type: 'text', transformer: JSON_TEXT })
  config!: StoredTrainingConfig;

  @Field(() => RunStatus)
  @Column({ type: 'varchar', length: 16 })
  status!: RunStatus;

  @Field(() => String, { description: 'What the run is doing: queued, starting, training, paused, registering, done' })
  @Column({ type: 'varchar', length: 32 })
  stage!: string;

  @Field(() => String, { description: 'E.g. "Step 300/1000" or "Epoch 3/10 · Step 300/1000"' })
  @Column({ type: 'varchar', length: 100 })
  progress!: string;

  @Field(() => Int)
  @Column({ type: 'integer' })
  step!: number;

  @Field(() => Int)
  @Column({ name: 'max_steps', type: 'integer' })
  maxSteps!: number;

  @Field(() => Float, { nullable: true })
  @Column({ name: 'last_loss', type: 'double precision', nullable: true, transformer: nullableDouble })
  lastLoss!: number | null;

  @Field(() => Float, { nullable: true })
  @Column({ name: 'best_val_loss', type: 'double precision', nullable: true, transformer: nullableDouble })
  bestValLoss!: number | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason!: string | null;

  @Field(() => String, { nullable: true, description: 'Why it stopped before maxSteps (early stopping, gradient-norm threshold, cancel)' })
  @Column({ name: 'stop_reason', type: 'text', nullable: true })
  stopReason!: string | null;

  /** The worker (process) that holds the run while IN_PROGRESS or PAUSED; null otherwise. */
  @Column({ name: 'worker_id', type: 'varchar', length: 64, nullable: true })
  workerId!: string | null;

  @Column({ name: 'heartbeat_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  heartbeatAt!: Date | null;

  @Column({ name: 'requested_action', type: 'varchar', length: 16, nullable: true })
  requestedAction!: RequestedAction | null;

  @Field(() => String, { nullable: true, description: 'Newest checkpoint directory; a restarted run resumes from it' })
  @Column({ name: 'last_checkpoint', type: 'varchar', length: 1024, nullable: true })
  lastCheckpoint!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'best_checkpoint', type: 'varchar', length: 1024, nullable: true })
  bestCheckpoint!: string | null;

  @Field(() => ID, { nullable: true, description: 'The model version a completed run registered' })
  @Column({ name: 'result_version_id', type: 'varchar', length: 36, nullable: true })
  resultVersionId!: string | null;

  @Field(() => Int, { description: 'Times the run was started (more than 1 after a restart)' })
  @Column({ type: 'integer' })
  attempts!: number;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  @Column({ name: 'started_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  startedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  @Column({ name: 'finished_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  finishedAt!: Date | null;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'updated_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  updatedAt!: Date;
}

@ObjectType({ description: 'One value of one metric of a run at a step' })
@Entity({ name: 'metric_points' })
export class MetricPoint {
  @Field(() => ID)
  @PrimaryColumn({ name: 'run_id', type: 'varchar', length: 36 })
  runId!: string;

  @Field(() => String, { description: 'loss, lr, grad_norm, tokens_per_second, memory_bytes, val_loss, perplexity, val_accuracy (classifiers), ...' })
  @PrimaryColumn({ type: 'varchar', length: 64 })
  name!: string;

  @Field(() => Int)
  @PrimaryColumn({ type: 'integer' })
  step!: number;

  @Field(() => Float, { nullable: true, description: 'Null when the value was NaN or infinite' })
  @Column({ type: 'double precision', nullable: true, transformer: nullableDouble })
  value!: number | null;

  @Field(() => GraphQLISODateTime)
  @Column({ type: 'varchar', length: 32, transformer: ISO_DATE })
  time!: Date;
}

@ObjectType({ description: 'A checkpoint directory a run wrote' })
@Entity({ name: 'checkpoints' })
@Index('idx_checkpoints_run_step', ['runId', 'step'])
export class Checkpoint {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Column({ name: 'run_id', type: 'varchar', length: 36 })
  runId!: string;

  @Field(() => Int)
  @Column({ type: 'integer' })
  step!: number;

  @Field(() => String)
  @Column({ type: 'varchar', length: 1024 })
  path!: string;

  @Field(() => Boolean, { description: 'Best so far by validation loss when written' })
  @Column({ type: 'boolean' })
  best!: boolean;

  @Field(() => Boolean)
  @Column({ type: 'boolean' })
  final!: boolean;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;
}

export enum RunLogLevel {
  INFO = 'INFO',
  WARN = 'WARN',
  ERROR = 'ERROR',
}
registerEnumType(RunLogLevel, { name: 'RunLogLevel', description: 'INFO: what the run did; WARN: a stop or requeue worth a look; ERROR: why it failed' });

@ObjectType({ description: 'One line of the log of a run, written as the run moves through its life' })
@Entity({ name: 'run_log' })
@Index('uq_run_log_run_sequence', ['runId', 'sequence'], { unique: true })
export class RunLogLine {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Column({ name: 'run_id', type: 'varchar', length: 36 })
  runId!: string;

  @Field(() => Int, { description: '1, 2, 3, … per run, in the order the lines were written' })
  @Column({ type: 'integer' })
  sequence!: number;

  @Field(() => GraphQLISODateTime)
  @Column({ type: 'varchar', length: 32, transformer: ISO_DATE })
  time!: Date;

  @Field(() => RunLogLevel)
  @Column({ type: 'varchar', length: 8 })
  level!: RunLogLevel;

  @Field(() => String)
  @Column({ type: 'text' })
  message!: string;
}
