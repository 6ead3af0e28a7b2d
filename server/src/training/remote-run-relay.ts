// Live updates for runs trained by another process (an `egen worker`, or another server on the
// same database). Their points, status and log lines reach this process only through the
// database, so for each run that has subscribers here but is not trained here, the relay reads
// what is new every interval and publishes it on the same topics the local runner uses. Runs trained here are
// published by the runner itself and are skipped.
import type { DataSource } from 'typeorm';
import type { Logger } from '../logging/logger.ts';
import type { InProcessPubSub } from '../pubsub/pubsub.ts';
import { MetricPoint, RunLogLine, TrainingRun } from './training.entity.ts';
import { type MetricBatchPayload, RUN_LOG_TOPIC, RUN_METRICS_TOPIC, RUN_UPDATED_TOPIC } from './training.topics.ts';

interface Cursor {
  /** updatedAt of the run row last published. */
  updatedAt: number;
  /** Points are read from this time on (ISO, as stored)... */
  time: string;
  /** ...except those already published with exactly that time ("name@step"). */
  seenAtTime: Set<string>;
  /** Log lines up to this sequence were published (or came before the first subscriber). */
  logSequence: number;
}

export interface RemoteRunRelayOptions {
  dataSource: DataSource;
  pubSub: InProcessPubSub;
  logger: Logger;
  /** True for runs this process trains or trained (their updates are published already). */
  isLocal: (runId: string) => boolean;
  /** Defaults to 250 ms. */
  intervalMs?: number;
}

export class RemoteRunRelay {
  private readonly cursors = new Map<string, Cursor>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;

  constructor(private readonly options: RemoteRunRelayOptions) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One pass over the watched remote runs; exposed for tests. */
  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const { pubSub, isLocal } = this.options;
      const watched = new Set([RUN_METRICS_TOPIC, RUN_UPDATED_TOPIC, RUN_LOG_TOPIC].flatMap((topic) => pubSub.idsWithSubscribers(topic)).filter((id) => !isLocal(id)));
      for (const id of this.cursors.keys()) if (!watched.has(id)) this.cursors.delete(id);
      for (const id of watched) await this.relay(id);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'relaying remote run updates failed');
    } finally {
      this.ticking = false;
    }
  }

  private async relay(runId: string): Promise<void> {
    const { dataSource, pubSub } = this.options;
    const run = await dataSource.getRepository(TrainingRun).findOneBy({ id: runId });
    if (!run) return;
    let cursor = this.cursors.get(runId);
    const logs = dataSource.getRepository(RunLogLine);
    if (!cursor) {
      // Subscribers asked for what comes next; history is for queries.
      const last = await logs.createQueryBuilder('l').select('MAX(l.sequence)', 'last').where('l.run_id = :runId', { runId }).getRawOne<{ last: number | string | null }>();
      cursor = { updatedAt: run.updatedAt.getTime(), time: new Date().toISOString(), seenAtTime: new Set(), logSequence: Number(last?.last ?? 0) };
      this.cursors.set(runId, cursor);
      return;
    }
    const lines = await logs.createQueryBuilder('l').where('l.run_id = :runId AND l.sequence > :after', { runId, after: cursor.logSequence }).orderBy('l.sequence', 'ASC').getMany();
    const fresh = await dataSource.getRepository(MetricPoint).createQueryBuilder('p').where('p.run_id = :runId AND p.time >= :time', { runId, time: cursor.time }).orderBy('p.time', 'ASC').addOrderBy('p.step', 'ASC').getMany();
    // Claimed by this process's runner while we read: the runner publishes it (and did already).
    if (this.options.isLocal(runId)) {
      this.cursors.delete(runId);
      return;
    }
    for (const line of lines) {
      // A gap is a line still being written by another process: the rest wait for the next pass.
      if (line.sequence !== cursor.logSequence + 1) break;
      cursor.logSequence = line.sequence;
      pubSub.publish(RUN_LOG_TOPIC, runId, line);
    }
    const points = fresh.filter((p) => !(p.time.toISOString() === cursor.time && cursor.seenAtTime.has(`${p.name}@${p.step}`)));
    if (points.length) {
      const lastTime = points[points.length - 1]!.time.toISOString();
      if (lastTime !== cursor.time) cursor.seenAtTime = new Set();
      cursor.time = lastTime;
      for (const p of points) if (p.time.toISOString() === lastTime) cursor.seenAtTime.add(`${p.name}@${p.step}`);
      pubSub.publish(RUN_METRICS_TOPIC, runId, { runId, points, dropped: 0 } satisfies MetricBatchPayload);
    }
    if (run.updatedAt.getTime() !== cursor.updatedAt) {
      cursor.updatedAt = run.updatedAt.getTime();
      pubSub.publish(RUN_UPDATED_TOPIC, runId, run);
    }
  }
}
