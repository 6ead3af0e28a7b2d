// The contract between the job system (jobs/) and the domains whose long work runs as jobs
// (export now; dataset builds, tokenizer training, evaluation and simulation later). A domain
// declares a JobKind once and registers it with JobsService at startup; JobsService owns the
// queue (claimed from the database like training runs), progress, cancellation, the jobUpdated
// subscription and recovery after a crash. A kind never touches the Job table itself.
import type { Principal } from '../security/principal.ts';

export enum JobStatus {
  QUEUED = 'QUEUED',
  IN_PROGRESS = 'IN_PROGRESS',
  COMPLETED = 'COMPLETED',
  FAILED = 'FAILED',
  CANCELLED = 'CANCELLED',
}

/** What a job produced: an entity the client can link to (e.g. {type: 'ModelArtifact', id}). */
export interface JobResult {
  type: string;
  id: string;
}

/** What a running job sees. */
export interface JobRunContext<Input> {
  jobId: string;
  /** The user who started it (the job acts with their rights). */
  ownerId: string;
  input: Input;
  /** Aborted when the job is cancelled or the server shuts down; stop at the next check. */
  signal: AbortSignal;
  /** A folder inside the data directory for this job's temporary files, removed when the job ends (and at startup after a crash). */
  workDir: string;
  /** Reports progress (0 to 1, with a short text); cheap to call often (writes are throttled). */
  progress(fraction: number, text: string): void;
}

export interface JobKind<Input = unknown> {
  /** Stable name stored on the job, e.g. 'model.export'. */
  kind: string;
  /** One line for lists ("Export v3 of tiny-shakespeare as ONNX"), built from the input. */
  describe(input: Input): string;
  /**
   * Does the work. Throwing fails the job with the error's message (a DomainError keeps its code);
   * returning null (or throwing) after ctx.signal aborted ends it CANCELLED (or, when the server is
   * stopping, FAILED with JOB_INTERRUPTED); returning a result completes it even after a late
   * cancel, since its output exists. Whatever it wrote outside workDir must be complete (renamed
   * into place, rows committed) or absent.
   */
  run(ctx: JobRunContext<Input>): Promise<JobResult | null>;
  /**
   * Called at startup for jobs of this kind that were IN_PROGRESS when the server died, before they
   * are marked FAILED ("the server stopped during the job"): remove anything outside workDir the
   * job may have left. workDir itself is removed by JobsService.
   */
  recover?(input: Input, jobId: string): Promise<void>;
  /**
   * True when running the job again from the start is safe and gives the same result: a job of
   * this kind that a crash or shutdown interrupted goes back to the queue (after recover(), up to
   * MAX_JOB_ATTEMPTS starts) instead of ending FAILED. Defaults to false.
   */
  retryAfterInterruption?: boolean;
}

/** How a domain starts a job (JobsService.enqueue). */
export interface EnqueueJob<Input> {
  kind: JobKind<Input>;
  principal: Principal;
  input: Input;
  /** The entity the job works on, for lists and access checks (e.g. {type: 'ModelVersion', id}). */
  target: { type: string; id: string } | null;
}
