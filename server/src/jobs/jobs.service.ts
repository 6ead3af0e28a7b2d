// Background jobs: domains register their JobKinds at startup and enqueue jobs; this service
// claims queued jobs from the database (job-queue.ts, shared by every process that runs jobs),
// runs at most `concurrency` at once, writes throttled progress and publishes every change on
// the jobUpdated topics, cancels through the database (so a job another process runs is
// cancelled too), and recovers jobs whose process died: the kind cleans up, workDir is removed,
// and the job ends FAILED with JOB_INTERRUPTED ("the server stopped during the job"), or goes
// back to the queue when its kind says a rerun is safe (JobKind.retryAfterInterruption).
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { In, MoreThan, type DataSource } from 'typeorm';
import { ConflictError, DomainError, ForbiddenError, NotFoundError, ValidationError } from '../errors/domain-error.ts';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import type { Logger } from '../logging/logger.ts';
import type { InProcessPubSub } from '../pubsub/pubsub.ts';
import { assertCanModify, requireUser } from '../security/ownership.ts';
import type { Principal } from '../security/principal.ts';
import { Role } from '../security/roles.ts';
import { FINISHED_JOB_STATUSES, Job } from './job.entity.ts';
// Other domains name the Job GraphQL type (e.g. a mutation that starts one) through this module.
export { Job };
import { type JobEnd, JobQueue, newWorkerId, retireWorkerId } from './job-queue.ts';
import { type EnqueueJob, type JobKind, type JobResult, JobStatus } from './job.types.ts';
import { JobError, SERVER_STOPPED_MESSAGE } from './jobs.errors.ts';
import type { JobFilter } from './jobs.inputs.ts';
import { JOB_UPDATED_TOPIC, OWNER_JOBS_TOPIC } from './jobs.topics.ts';

/** Jobs one process runs at once, unless configured (EGEN_JOB_CONCURRENCY). */
export const DEFAULT_JOB_CONCURRENCY = 2;
/** Starts of a job whose kind is safe to retry, before an interruption fails it for good. */
export const MAX_JOB_ATTEMPTS = 3;
/** Longest stored description and progress text. */
const MAX_TEXT = 500;
/** Kind names: lowercase words joined by dots or dashes ('model.export'), at most 64 characters. */
const KIND_NAME = /^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/;

export interface JobsServiceOptions {
  /** Each job's workDir is <dataDir>/jobs/<id>. */
  dataDir: string;
  logger: Logger;
  /** Changes are published here; jobs other processes change reach this process's subscribers through the database (relayed every poll). */
  pubSub: InProcessPubSub;
  /** Jobs this process runs at once. Defaults to DEFAULT_JOB_CONCURRENCY (2). */
  concurrency?: number;
  /** A held job whose heartbeat is older than this is taken over and recovered. Defaults to 30,000 ms. */
  staleAfterMs?: number;
  /** How often the queue, cancel requests and orphans are looked at, and heartbeats written. Defaults to 500 ms. */
  pollIntervalMs?: number;
  /** At most one progress write (and publish) per job per this interval. Defaults to 250 ms. */
  progressIntervalMs?: number;
  /** How long stop() waits for aborted jobs to return before it leaves them to recovery. Defaults to 10,000 ms. */
  shutdownGraceMs?: number;
}

type StopReason = 'cancel' | 'shutdown';

interface ActiveJob {
  /** The row as last written by this process. */
  job: Job;
  kind: JobKind<unknown>;
  controller: AbortController;
  stopReason: StopReason | null;
  pending: { fraction: number; text: string } | null;
  lastWrite: number;
  timer: NodeJS.Timeout | null;
  /** Progress writes, in order. */
  writing: Promise<void>;
  ended: boolean;
  /** Settles when the job ended and left the active set. */
  finished: Promise<void>;
}

type Outcome = { result: JobResult | null } | { error: unknown };

export class JobsService {
  readonly workerId = newWorkerId();
  private readonly kinds = new Map<string, JobKind<unknown>>();
  private readonly active = new Map<string, ActiveJob>();
  private readonly queue: JobQueue;
  private readonly concurrency: number;
  private readonly staleAfterMs: number;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private started = false;
  private stopping = false;
  /** updatedAt (ms) of the row last published per job, so the relay does not repeat what this process published. */
  private readonly published = new Map<string, number>();
  /** Rows changed after this time (ISO, as stored) are looked at by the next relay pass. */
  private relayFrom = new Date().toISOString();

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: JobsServiceOptions,
  ) {
    this.queue = new JobQueue(dataSource, this.workerId);
    this.concurrency = options.concurrency ?? DEFAULT_JOB_CONCURRENCY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) throw new RangeError(`JobsService: concurrency must be a positive integer (got ${this.concurrency})`);
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
  }

  /** Declares a kind this process can run (and recover). Call at startup, before start(). */
  register<Input>(kind: JobKind<Input>): void {
    if (!KIND_NAME.test(kind.kind) || kind.kind.length > 64) throw new Error(`job kind "${kind.kind}": the name must be lowercase words joined by dots or dashes, at most 64 characters`);
    const known = this.kinds.get(kind.kind);
    if (known && known !== kind) throw new Error(`job kind "${kind.kind}" is registered twice`);
    this.kinds.set(kind.kind, kind as JobKind<unknown>);
  }

  /** Where a job keeps its temporary files. */
  workDir(jobId: string): string {
    return join(this.options.dataDir, 'jobs', jobId);
  }

  /** Queues a job and returns it at once (QUEUED); a free slot of this or another process runs it. */
  async enqueue<Input>(request: EnqueueJob<Input>): Promise<Job> {
    const user = requireUser(request.principal);
    if (this.kinds.get(request.kind.kind) !== request.kind) throw new Error(`job kind "${request.kind.kind}" is not registered; register it with JobsService.register at startup`);
    if (JSON.stringify(request.input) === undefined) throw new Error(`job kind "${request.kind.kind}": the input must be JSON`);
    const now = new Date();
    const job: Job = {
      id: randomUUID(),
      kind: request.kind.kind,
      description: request.kind.describe(request.input).slice(0, MAX_TEXT),
      ownerId: user.id,
      status: JobStatus.QUEUED,
      progress: 0,
      progressText: 'Queued',
      input: request.input,
      targetType: request.target?.type ?? null,
      targetId: request.target?.id ?? null,
      resultType: null,
      resultId: null,
      errorMessage: null,
      errorCode: null,
      workerId: null,
      heartbeatAt: null,
      requestedCancel: false,
      attempts: 0,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    };
    await this.queue.insert(job);
    this.publish(job);
    void this.poll();
    return job;
  }

  /** A job its owner or an admin may see; NOT_FOUND for anyone else. */
  async get(principal: Principal, id: string): Promise<Job> {
    const user = requireUser(principal);
    const job = await this.queue.repo().findOneBy({ id });
    if (!job || (user.role !== Role.ADMIN && job.ownerId !== user.id)) throw new NotFoundError('Job', id);
    return job;
  }

  /** The caller's jobs (an admin's: everyone's, or one user's with filter.ownerId), newest first. */
  async list(principal: Principal, filter: JobFilter | null | undefined, page: PageArgs): Promise<Connection<Job>> {
    const user = requireUser(principal);
    if (filter?.ownerId && filter.ownerId !== user.id && user.role !== Role.ADMIN) throw new ForbiddenError("Only admins may list other users' jobs");
    if ((filter?.targetId ?? null) !== null && !filter?.targetType) throw ValidationError.single('filter.targetType', 'is needed with filter.targetId');
    const qb = this.queue.repo().createQueryBuilder('j');
    const ownerId = user.role === Role.ADMIN ? filter?.ownerId : user.id;
    if (ownerId) qb.andWhere('j.ownerId = :ownerId', { ownerId });
    if (filter?.statuses?.length) qb.andWhere('j.status IN (:...statuses)', { statuses: filter.statuses });
    if (filter?.kind) qb.andWhere('j.kind = :kind', { kind: filter.kind });
    if (filter?.targetType) qb.andWhere('j.targetType = :targetType', { targetType: filter.targetType });
    if (filter?.targetId) qb.andWhere('j.targetId = :targetId', { targetId: filter.targetId });
    return paginate(qb, { alias: 'j', sortProperty: 'createdAt', sortValue: (j) => j.createdAt.toISOString(), direction: SortDirection.DESC, page });
  }

  /**
   * Cancels a job (its owner or an admin): a QUEUED one ends CANCELLED at once; a running one is
   * asked through the database, and whichever process runs it aborts its signal (at once when
   * that is this process). CONFLICT when it has already ended.
   */
  async cancel(principal: Principal, id: string): Promise<Job> {
    const job = await this.get(principal, id);
    assertCanModify(principal, job.ownerId, 'job', 'cancel');
    if (job.status === JobStatus.QUEUED && (await this.queue.cancelQueued(id))) {
      const cancelled = await this.reload(id);
      this.publish(cancelled);
      return cancelled;
    }
    if (!(await this.queue.requestCancel(id))) {
      const now = await this.reload(id);
      throw new ConflictError(`Job ${id} has already ended (${now.status})`);
    }
    this.abort(id, 'cancel');
    const requested = await this.reload(id);
    this.publish(requested);
    return requested;
  }

  /** Updates of one job (the owner's or, for an admin, anyone's); NOT_FOUND before subscribing otherwise. */
  async watch(principal: Principal, id: string): Promise<AsyncIterable<unknown>> {
    await this.get(principal, id);
    return this.options.pubSub.subscribe(JOB_UPDATED_TOPIC, id);
  }

  /** Updates of every job of the caller. */
  watchOwn(principal: Principal): AsyncIterable<unknown> {
    return this.options.pubSub.subscribe(OWNER_JOBS_TOPIC, requireUser(principal).id);
  }

  /** Recovers jobs whose process died, clears leftover work folders, and starts taking jobs. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.recoverOrphans();
    await this.removeLeftoverWorkDirs();
    this.pollTimer = setInterval(() => void this.poll(), this.options.pollIntervalMs ?? 500);
    void this.poll();
  }

  /**
   * Stops taking jobs and aborts the running ones; each ends as its kind decides after an
   * interruption (FAILED with JOB_INTERRUPTED, or requeued). A job that ignores its signal past
   * the grace period stays IN_PROGRESS and is recovered by the next start.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.polling?.catch(() => undefined);
    for (const id of this.active.keys()) this.abort(id, 'shutdown');
    const running = [...this.active.values()].map((a) => a.finished);
    if (running.length) {
      let grace: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (grace = setTimeout(() => resolve('timeout'), this.options.shutdownGraceMs ?? 10_000)));
      if ((await Promise.race([Promise.all(running), timedOut])) === 'timeout') this.options.logger.warn({ jobs: [...this.active.keys()] }, 'jobs did not stop in time; the next start recovers them');
      clearTimeout(grace);
    }
    retireWorkerId(this.workerId);
  }

  /** Ids of the jobs this process runs now. */
  runningHere(): string[] {
    return [...this.active.keys()];
  }

  /** Looks at the queue, cancel requests and orphans now; resolves when that look is done. */
  poll(): Promise<void> {
    if (this.stopping || !this.started) return Promise.resolve();
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.pollAgain = false;
        try {
          const held = [...this.active.keys()];
          await this.queue.heartbeat(held);
          for (const id of await this.queue.cancelRequested(held)) this.abort(id, 'cancel');
          await this.recoverOrphans();
          await this.claim();
          await this.relayRemoteChanges();
        } catch (error) {
          if (!this.stopping) this.options.logger.error({ err: error }, 'job queue poll failed');
        }
      } while (this.pollAgain && !this.stopping);
    })().finally(() => (this.polling = null));
    return this.polling;
  }

  private async claim(): Promise<void> {
    while (!this.stopping && this.active.size < this.concurrency) {
      const job = await this.queue.claimNext([...this.kinds.keys()]);
      if (!job) return;
      this.launch(job);
    }
  }

  private launch(job: Job): void {
    const active: ActiveJob = {
      job,
      kind: this.kinds.get(job.kind)!,
      controller: new AbortController(),
      stopReason: null,
      pending: null,
      lastWrite: 0,
      timer: null,
      writing: Promise.resolve(),
      ended: false,
      finished: Promise.resolve(),
    };
    this.active.set(job.id, active);
    if (job.requestedCancel) this.abort(job.id, 'cancel');
    active.finished = this.execute(active)
      .catch((error: unknown) => this.options.logger.error({ err: error, jobId: job.id }, 'job bookkeeping failed'))
      .finally(() => {
        this.active.delete(job.id);
        void this.poll();
      });
  }

  private async execute(active: ActiveJob): Promise<void> {
    const { job, kind, controller } = active;
    const workDir = this.workDir(job.id);
    this.publish({ ...job });
    this.options.logger.info({ jobId: job.id, kind: job.kind, attempt: job.attempts }, 'job started');
    let outcome: Outcome;
    try {
      await rm(workDir, { recursive: true, force: true });
      await mkdir(workDir, { recursive: true });
      const result = await kind.run({ jobId: job.id, ownerId: job.ownerId, input: job.input, signal: controller.signal, workDir, progress: (fraction, text) => this.reportProgress(active, fraction, text) });
      outcome = { result: result ?? null };
    } catch (error) {
      outcome = { error };
    }
    active.ended = true;
    if (active.timer) clearTimeout(active.timer);
    await active.writing;
    await rm(workDir, { recursive: true, force: true }).catch((error: unknown) => this.options.logger.warn({ err: error, jobId: job.id, workDir }, 'could not remove the work folder of a job'));
    const end = this.endOf(active, outcome);
    const written = end === 'requeue' ? await this.queue.requeue(job.id) : await this.queue.end(job.id, end);
    if (!written) {
      this.options.logger.warn({ jobId: job.id }, 'another process took the job over before it ended here; its end is not recorded');
      return;
    }
    const row = await this.reload(job.id);
    this.options.logger.info({ jobId: job.id, kind: job.kind, status: row.status, error: row.errorMessage }, 'job ended');
    this.publish(row);
  }

  /** How a run that returned or threw ends, given why (and whether) its signal was aborted. */
  private endOf(active: ActiveJob, outcome: Outcome): JobEnd | 'requeue' {
    const base = { progress: active.job.progress, progressText: active.job.progressText, resultType: null, resultId: null, errorMessage: null, errorCode: null };
    // A result means the work is done and its output exists: a cancel that came too late does not undo it.
    if ('result' in outcome && (outcome.result || !active.controller.signal.aborted)) {
      return { ...base, status: JobStatus.COMPLETED, progress: 1, progressText: 'Done', resultType: outcome.result?.type ?? null, resultId: outcome.result?.id ?? null };
    }
    if (active.stopReason === 'cancel') return { ...base, status: JobStatus.CANCELLED, progressText: 'Cancelled' };
    if (active.stopReason === 'shutdown') {
      if (active.kind.retryAfterInterruption && active.job.attempts < MAX_JOB_ATTEMPTS) return 'requeue';
      return { ...base, status: JobStatus.FAILED, errorCode: 'JOB_INTERRUPTED', errorMessage: SERVER_STOPPED_MESSAGE };
    }
    const error = 'error' in outcome ? outcome.error : new Error('the job stopped without a result');
    if (error instanceof DomainError) return { ...base, status: JobStatus.FAILED, errorCode: error.code, errorMessage: error.message };
    this.options.logger.error({ err: error, jobId: active.job.id, kind: active.job.kind }, 'job failed');
    return { ...base, status: JobStatus.FAILED, errorCode: 'INTERNAL', errorMessage: error instanceof Error ? error.message : String(error) };
  }

  private abort(id: string, reason: StopReason): void {
    const active = this.active.get(id);
    if (!active || active.controller.signal.aborted) return;
    active.stopReason = reason;
    active.controller.abort(reason === 'cancel' ? new Error('the job was cancelled') : new JobError('JOB_INTERRUPTED', SERVER_STOPPED_MESSAGE));
  }

  private reportProgress(active: ActiveJob, fraction: number, text: string): void {
    if (typeof fraction !== 'number' || !Number.isFinite(fraction) || fraction < 0 || fraction > 1) throw new RangeError(`job progress must be a number from 0 to 1 (got ${String(fraction)})`);
    if (active.ended) return;
    active.pending = { fraction, text: String(text).slice(0, MAX_TEXT) };
    const wait = active.lastWrite + (this.options.progressIntervalMs ?? 250) - Date.now();
    if (wait <= 0) this.writeProgress(active);
    else
      active.timer ??= setTimeout(() => {
        active.timer = null;
        this.writeProgress(active);
      }, wait);
  }

  private writeProgress(active: ActiveJob): void {
    const pending = active.pending;
    if (!pending || active.ended) return;
    active.pending = null;
    active.lastWrite = Date.now();
    active.writing = active.writing
      .then(async () => {
        const at = new Date();
        if (!(await this.queue.writeProgress(active.job.id, pending.fraction, pending.text, at))) return;
        Object.assign(active.job, { progress: pending.fraction, progressText: pending.text, updatedAt: at });
        this.publish({ ...active.job });
      })
      .catch((error: unknown) => this.options.logger.warn({ err: error, jobId: active.job.id }, 'writing job progress failed'));
  }

  /**
   * Jobs of known kinds whose process died (a previous life of this one, or silent too long):
   * taken over one at a time, cleaned up by their kind, work folder removed, then FAILED with
   * JOB_INTERRUPTED or requeued.
   */
  private async recoverOrphans(): Promise<void> {
    for (const job of await this.queue.orphans([...this.kinds.keys()], this.staleAfterMs, (id) => this.active.has(id))) {
      if (!(await this.queue.takeOver(job, this.staleAfterMs))) continue;
      const kind = this.kinds.get(job.kind)!;
      try {
        await kind.recover?.(job.input, job.id);
      } catch (error) {
        this.options.logger.error({ err: error, jobId: job.id, kind: job.kind }, 'cleaning up after an interrupted job failed');
      }
      await rm(this.workDir(job.id), { recursive: true, force: true });
      const retry = Boolean(kind.retryAfterInterruption) && job.attempts < MAX_JOB_ATTEMPTS;
      const done = retry
        ? await this.queue.requeue(job.id)
        : await this.queue.end(job.id, { status: JobStatus.FAILED, progress: job.progress, progressText: job.progressText, resultType: null, resultId: null, errorCode: 'JOB_INTERRUPTED', errorMessage: SERVER_STOPPED_MESSAGE });
      if (!done) continue;
      this.options.logger.warn({ jobId: job.id, kind: job.kind, worker: job.workerId }, retry ? 'requeued a job whose worker stopped' : 'failed a job whose worker stopped');
      this.publish(await this.reload(job.id));
    }
  }

  /** Work folders of jobs that are neither queued nor running (a crash between the end and the cleanup). */
  private async removeLeftoverWorkDirs(): Promise<void> {
    const root = join(this.options.dataDir, 'jobs');
    const names = await readdir(root).catch(() => [] as string[]);
    if (names.length === 0) return;
    const live = await this.queue.repo().find({ select: { id: true }, where: { id: In(names), status: In([JobStatus.QUEUED, JobStatus.IN_PROGRESS]) } });
    const keep = new Set(live.map((j) => j.id));
    for (const name of names) if (!keep.has(name)) await rm(join(root, name), { recursive: true, force: true });
  }

  private async reload(id: string): Promise<Job> {
    const job = await this.queue.repo().findOneBy({ id });
    if (!job) throw new NotFoundError('Job', id);
    return job;
  }

  private publish(job: Job): void {
    this.published.set(job.id, job.updatedAt.getTime());
    this.options.pubSub.publish(JOB_UPDATED_TOPIC, job.id, job);
    this.options.pubSub.publish(OWNER_JOBS_TOPIC, job.ownerId, job);
  }

  /**
   * Publishes changes that other processes (another server or worker on the same database) made
   * to jobs someone here subscribes to: only those jobs and owners are read, from the time of the
   * previous pass on (with a second of overlap against clock skew between writers).
   */
  private async relayRemoteChanges(): Promise<void> {
    const jobIds = this.options.pubSub.idsWithSubscribers(JOB_UPDATED_TOPIC);
    const ownerIds = this.options.pubSub.idsWithSubscribers(OWNER_JOBS_TOPIC);
    const from = this.relayFrom;
    this.relayFrom = new Date(Date.now() - 1000).toISOString();
    if (jobIds.length === 0 && ownerIds.length === 0) return;
    const since = MoreThan(new Date(Date.parse(from) - 1000));
    const where = [...(jobIds.length ? [{ id: In(jobIds), updatedAt: since }] : []), ...(ownerIds.length ? [{ ownerId: In(ownerIds), updatedAt: since }] : [])];
    const changed = await this.queue.repo().find({ where, order: { updatedAt: 'ASC' } });
    for (const job of changed) {
      if (this.active.has(job.id) || (this.published.get(job.id) ?? -1) >= job.updatedAt.getTime()) continue;
      this.publish(job);
    }
    // Forget jobs that ended long ago; a late relay of them would only repeat their end.
    if (this.published.size > 10_000) this.published.clear();
  }

  /** True when the job has ended (COMPLETED, FAILED or CANCELLED). */
  static isFinished(job: Pick<Job, 'status'>): boolean {
    return FINISHED_JOB_STATUSES.includes(job.status);
  }
}
