// The run queue in the database, shared by every process that trains (the server and `egen
// worker`s): claiming a queued run atomically, heartbeats on the runs a worker holds, the
// control requests written on them, and recovery of runs whose worker stopped heartbeating.
import { type DataSource, In, IsNull, LessThan, Not } from 'typeorm';
import type { Logger } from '../logging/logger.ts';
import type { RunLog } from './run-log.ts';
import { type RequestedAction, RunLogLevel, RunStatus, TrainingRun } from './training.entity.ts';

/** Queued runs looked at per claim. */
const CANDIDATES = 20;

export interface RunQueueOptions {
  /** Written on the runs this worker holds. */
  workerId: string;
  /** Runs trained at once per device. */
  concurrency: number;
  /** A held run whose heartbeat is older than this is taken over. */
  staleAfterMs: number;
  logger: Logger;
  runLog: RunLog;
  publishRun(id: string): Promise<void>;
}

export class RunQueue {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: RunQueueOptions,
  ) {}

  private repo() {
    return this.dataSource.getRepository(TrainingRun);
  }

  /** Tells other workers that this one still holds these runs. */
  async heartbeat(runIds: string[]): Promise<void> {
    if (runIds.length === 0) return;
    await this.repo().update({ id: In(runIds), workerId: this.options.workerId }, { heartbeatAt: new Date() });
  }

  /** Control requests (pause, resume, cancel) written on these runs by whichever process took them. */
  async requestedActions(runIds: string[]): Promise<Array<{ id: string; action: RequestedAction }>> {
    if (runIds.length === 0) return [];
    const rows = await this.repo().find({ select: { id: true, requestedAction: true }, where: { id: In(runIds), requestedAction: Not(IsNull()) } });
    return rows.flatMap((row) => (row.requestedAction ? [{ id: row.id, action: row.requestedAction }] : []));
  }

  /** Takes a request off the run, unless a newer one replaced it meanwhile. */
  async clearRequestedAction(runId: string, action: RequestedAction): Promise<void> {
    await this.repo().update({ id: runId, requestedAction: action }, { requestedAction: null });
  }

  /**
   * Runs held by a worker that stopped heartbeating go back to the queue (PAUSED ones stay paused,
   * detached). `heldHere` runs are skipped; the log line is published for runs `launchedHere`.
   */
  async recoverStale(heldHere: (id: string) => boolean, launchedHere: (id: string) => boolean): Promise<void> {
    const cutoff = new Date(Date.now() - this.options.staleAfterMs);
    const stale = await this.repo().find({ where: { status: In([RunStatus.IN_PROGRESS, RunStatus.PAUSED]), heartbeatAt: LessThan(cutoff) } });
    for (const run of stale) {
      if (heldHere(run.id)) continue;
      const paused = run.status === RunStatus.PAUSED;
      const result = await this.repo().update(
        { id: run.id, status: run.status, workerId: run.workerId ?? IsNull(), heartbeatAt: LessThan(cutoff) },
        paused ? { workerId: null, heartbeatAt: null, stage: 'paused', updatedAt: new Date() } : { status: RunStatus.QUEUED, workerId: null, heartbeatAt: null, stage: 'queued', requestedAction: null, updatedAt: new Date() },
      );
      if (result.affected) {
        this.options.logger.warn({ runId: run.id, worker: run.workerId }, paused ? 'detached a paused run whose worker stopped' : 'requeued a run whose worker stopped');
        const silent = `worker ${run.workerId ?? '(none)'} stopped sending heartbeats at step ${run.step}`;
        await this.options.runLog.append(
          run.id,
          RunLogLevel.WARN,
          paused ? `The ${silent}; the run stays paused, and resuming queues it to continue from its last checkpoint` : `The ${silent}; the run is back in the queue to resume from ${run.lastCheckpoint ?? 'the start (no checkpoint yet)'}`,
          launchedHere(run.id),
        );
        await this.options.publishRun(run.id);
      }
    }
  }

  /**
   * Claims the oldest queued run whose device has a free slot (`busy`: runs this worker trains per
   * device); null when there is none, or once `stopping`.
   */
  async claimNext(busy: ReadonlyMap<string, number>, stopping: () => boolean): Promise<TrainingRun | null> {
    while (!stopping()) {
      const candidates = await this.repo().find({ where: { status: RunStatus.QUEUED }, order: { createdAt: 'ASC', id: 'ASC' }, take: CANDIDATES });
      const next = candidates.find((c) => (busy.get(c.config.device) ?? 0) < this.options.concurrency);
      if (!next) return null;
      const now = new Date();
      // Atomic on both engines: only one worker's UPDATE matches status = QUEUED.
      const claimed = await this.repo()
        .createQueryBuilder()
        .update(TrainingRun)
        .set({ status: RunStatus.IN_PROGRESS, workerId: this.options.workerId, heartbeatAt: now, stage: 'starting', requestedAction: null, attempts: () => 'attempts + 1', updatedAt: now })
        .where('id = :id AND status = :queued', { id: next.id, queued: RunStatus.QUEUED })
        .execute();
      if (!claimed.affected) continue;
      await this.repo().update({ id: next.id, startedAt: IsNull() }, { startedAt: now });
      return (await this.repo().findOneBy({ id: next.id }))!;
    }
    return null;
  }
}
