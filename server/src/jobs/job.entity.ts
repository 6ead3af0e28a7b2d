// A background job: one row per enqueued piece of long work (export, dataset build, ...), claimed
// from the database like a training run. Doubles as the GraphQL object type (as training runs do);
// the input, the worker and the heartbeat stay server-side.
import { Field, Float, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ISO_DATE, JSON_TEXT } from '../db/columns.ts';
import { JobStatus } from './job.types.ts';

registerEnumType(JobStatus, { name: 'JobStatus' });

export const FINISHED_JOB_STATUSES: readonly JobStatus[] = [JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED];

@ObjectType({ description: 'Long work running in the background: an export, a dataset build, an evaluation, ...' })
@Entity({ name: 'jobs' })
@Index('idx_jobs_status_created', ['status', 'createdAt'])
@Index('idx_jobs_owner_created', ['ownerId', 'createdAt'])
export class Job {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => String, { description: "What kind of work, e.g. 'model.export'" })
  @Column({ type: 'varchar', length: 64 })
  kind!: string;

  @Field(() => String, { description: 'One line saying what the job does, e.g. "Export v3 of tiny-shakespeare as ONNX"' })
  @Column({ type: 'varchar', length: 500 })
  description!: string;

  @Field(() => ID, { description: 'The user who started it; the job acts with their rights' })
  @Column({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId!: string;

  @Field(() => JobStatus)
  @Column({ type: 'varchar', length: 16 })
  status!: JobStatus;

  @Field(() => Float, { description: 'From 0 to 1' })
  @Column({ type: 'double precision' })
  progress!: number;

  @Field(() => String, { description: 'What the job is doing now, e.g. "Writing model.onnx (3/5)"' })
  @Column({ name: 'progress_text', type: 'varchar', length: 500 })
  progressText!: string;

  /** The kind's input, as given to enqueue (JSON). */
  @Column({ type: 'text', transformer: JSON_TEXT })
  input!: unknown;

  @Field(() => String, { nullable: true, description: "The type of entity the job works on, e.g. 'ModelVersion'" })
  @Column({ name: 'target_type', type: 'varchar', length: 64, nullable: true })
  targetType!: string | null;

  @Field(() => ID, { nullable: true })
  @Column({ name: 'target_id', type: 'varchar', length: 36, nullable: true })
  targetId!: string | null;

  @Field(() => String, { nullable: true, description: "The type of entity a completed job produced, e.g. 'ModelArtifact'" })
  @Column({ name: 'result_type', type: 'varchar', length: 64, nullable: true })
  resultType!: string | null;

  @Field(() => ID, { nullable: true })
  @Column({ name: 'result_id', type: 'varchar', length: 36, nullable: true })
  resultId!: string | null;

  @Field(() => String, { nullable: true, description: 'Why a FAILED job failed' })
  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage!: string | null;

  @Field(() => String, { nullable: true, description: 'The error code of a FAILED job (as in GraphQL errors: BAD_USER_INPUT, JOB_INTERRUPTED, INTERNAL, ...)' })
  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  /** The worker (process) that holds the job while IN_PROGRESS; null otherwise. */
  @Column({ name: 'worker_id', type: 'varchar', length: 64, nullable: true })
  workerId!: string | null;

  @Column({ name: 'heartbeat_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  heartbeatAt!: Date | null;

  @Field(() => Boolean, { description: 'Cancel was asked for; a running job stops at its next check' })
  @Column({ name: 'requested_cancel', type: 'boolean' })
  requestedCancel!: boolean;

  @Field(() => Int, { description: 'Times the job was started (more than 1 when a kind that is safe to retry was requeued after a crash)' })
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
