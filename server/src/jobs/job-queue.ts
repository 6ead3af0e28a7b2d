// The job queue in the database, shared by every process that runs jobs: inserting, claiming a
// queued job atomically (one UPDATE … WHERE status = 'QUEUED' matches for one process only, on
// SQLite and PostgreSQL alike), heartbeats on the jobs a worker holds, cancel requests written on
// them, taking over jobs whose worker stopped, and the guarded writes of progress and end states.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type DataSource, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { Job } from './job.entity.ts';
import { JobStatus } from './job.types.ts';

/** Queued jobs looked at per claim. */
const CANDIDATES = 20;

/** What ends a job: its status and the fields that go with it. */
export type JobEnd = Pick<Job, 'status' | 'progress' | 'progressText' | 'resultType' | 'resultId' | 'errorMessage' | 'errorCode'>;

/** A worker id is "<host>:<pid>:<random>"; the parts say whether a worker can still be alive. */
export function parseWorkerId(workerId: string): { host: string; pid: number } | null {
  const match = /^(.*):(\d+):[^:]+$/.exec(workerId);
  return match ? { host: match[1]!, pid: Number(match[2]) } : null;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Worker ids of the JobsServices alive in this process (tests and `egen worker` may run several). */
const liveHere = new Set<string>();

/** A fresh worker id for a JobsService of this process: "<host>:<pid>:<random>". */
export function newWorkerId(): string {
  const id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  liveHere.add(id);
  return id;
}

/** Called when a JobsService stopped: its jobs may be recovered like those of a dead process. */
export function retireWorkerId(id: string): void {
  liveHere.delete(id);
}

/**
 * True when the worker that wrote `workerId` is certainly gone: it ran on this host and its
 * process no longer exists, or it had this very pid (a container's pid 1 restarted) but is not a
 * live service of this process. Other workers are judged by their heartbeat.
 */
export function isPreviousLife(workerId: string | null): boolean {
  if (!workerId || liveHere.has(workerId)) return false;
  const parsed = parseWorkerId(workerId);
  if (!parsed || parsed.host !== hostname()) return false;
  return parsed.pid === process.pid || !processAlive(parsed.pid);
}

export class JobQueue {
  constructor(
    private readonly dataSource: DataSource,
    private readonly workerId: string,
  ) {}

  repo() {
    return this.dataSource.getRepository(Job);
  }

  async insert(job: Job): Promise<void> {
    // The input is any JSON (the JSON_TEXT transformer stores it); TypeORM's types want an entity shape.
    await this.repo().insert(job as QueryDeepPartialEntity<Job>);
  }

  /** Tells other workers that this one still holds these jobs. */
  async heartbeat(jobIds: string[]): Promise<void> {
    if (jobIds.length === 0) return;
    await this.repo().update({ id: In(jobIds), workerId: this.workerId }, { heartbeatAt: new Date() });
  }

  /** Which of these jobs someone asked to cancel (possibly through another process). */
  async cancelRequested(jobIds: string[]): Promise<string[]> {
    if (jobIds.length === 0) return [];
    const rows = await this.repo().find({ select: { id: true }, where: { id: In(jobIds), requestedCancel: true } });
    return rows.map((row) => row.id);
  }

  /** Claims the oldest queued job of one of `kinds`; null when there is none. */
  async claimNext(kinds: string[]): Promise<Job | null> {
    if (kinds.length === 0) return null;
    for (;;) {
      const candidates = await this.repo().find({ where: { status: JobStatus.QUEUED, kind: In(kinds) }, order: { createdAt: 'ASC', id: 'ASC' }, take: CANDIDATES });
      if (candidates.length === 0) return null;
      for (const candidate of candidates) {
        const now = new Date();
        const claimed = await this.repo()
          .createQueryBuilder()
          .update(Job)
          .set({ status: JobStatus.IN_PROGRESS, workerId: this.workerId, heartbeatAt: now, startedAt: now, updatedAt: now, attempts: () => 'attempts + 1' })
          .where('id = :id AND status = :queued', { id: candidate.id, queued: JobStatus.QUEUED })
          .execute();
        if (claimed.affected) return (await this.repo().findOneBy({ id: candidate.id }))!;
      }
    }
  }

  /** Cancels a job that has not started; false when it is no longer QUEUED. */
  async cancelQueued(id: string): Promise<boolean> {
    const now = new Date();
    const result = await this.repo().update({ id, status: JobStatus.QUEUED }, { status: JobStatus.CANCELLED, requestedCancel: true, progressText: 'Cancelled before it started', finishedAt: now, updatedAt: now });
    return Boolean(result.affected);
  }

  /** Asks whichever process holds a running job to cancel it; false when it is no longer IN_PROGRESS. */
  async requestCancel(id: string): Promise<boolean> {
    const result = await this.repo().update({ id, status: JobStatus.IN_PROGRESS }, { requestedCancel: true, updatedAt: new Date() });
    return Boolean(result.affected);
  }

  /** Writes progress of a job this worker holds; false when it does not hold it any more. */
  async writeProgress(id: string, progress: number, progressText: string, at: Date): Promise<boolean> {
    const result = await this.repo().update({ id, workerId: this.workerId, status: JobStatus.IN_PROGRESS }, { progress, progressText, updatedAt: at });
    return Boolean(result.affected);
  }

  /** Ends a job held by `workerId` (this worker unless given); false when another took it over meanwhile. */
  async end(id: string, end: JobEnd, workerId = this.workerId): Promise<boolean> {
    const now = new Date();
    const result = await this.repo().update({ id, workerId, status: JobStatus.IN_PROGRESS }, { ...end, workerId: null, heartbeatAt: null, finishedAt: now, updatedAt: now });
    return Boolean(result.affected);
  }

  /** Puts a job held by this worker back in the queue, as if it had never started. */
  async requeue(id: string): Promise<boolean> {
    const now = new Date();
    const result = await this.repo().update(
      { id, workerId: this.workerId, status: JobStatus.IN_PROGRESS },
      { status: JobStatus.QUEUED, progress: 0, progressText: 'Queued again after an interruption', workerId: null, heartbeatAt: null, startedAt: null, updatedAt: now },
    );
    return Boolean(result.affected);
  }

  /**
   * IN_PROGRESS jobs of `kinds` whose worker is gone: a previous life of this process (or another
   * dead process on this host), or silent for longer than `staleAfterMs`.
   */
  async orphans(kinds: string[], staleAfterMs: number, heldHere: (id: string) => boolean): Promise<Job[]> {
    if (kinds.length === 0) return [];
    const cutoff = new Date(Date.now() - staleAfterMs);
    const running = await this.repo().find({ where: { status: JobStatus.IN_PROGRESS, kind: In(kinds) } });
    return running.filter((job) => !heldHere(job.id) && (isPreviousLife(job.workerId) || !job.heartbeatAt || job.heartbeatAt < cutoff));
  }

  /**
   * Takes an orphan over (so that only one process recovers it): it becomes held by this worker,
   * unless its worker came back to life (a fresh heartbeat) or another process took it first.
   */
  async takeOver(job: Job, staleAfterMs: number): Promise<boolean> {
    const qb = this.repo().createQueryBuilder().update(Job).set({ workerId: this.workerId, heartbeatAt: new Date() }).where('id = :id AND status = :running', { id: job.id, running: JobStatus.IN_PROGRESS });
    if (job.workerId === null) qb.andWhere('worker_id IS NULL');
    else qb.andWhere('worker_id = :worker', { worker: job.workerId });
    if (!isPreviousLife(job.workerId)) qb.andWhere('(heartbeat_at IS NULL OR heartbeat_at < :cutoff)', { cutoff: new Date(Date.now() - staleAfterMs).toISOString() });
    return Boolean((await qb.execute()).affected);
  }
}
