// Live updates for runs trained by another process (an `egen worker`, or another server on the
// same database). Their points and status reach this process only through the database, so for
// each run that has subscribers here but is not trained here, the relay reads what is new every
// interval and publishes it on the same topics the local runner uses. Runs trained here are
// published by the runner itself and are skipped.
import type { DataSource } from 'typeorm';
import type { Logger } from '../logging/logger.ts';
import type { InProcessPubSub } from '../pubsub/pubsub.ts';
import { MetricPoint, TrainingRun } from './training.entity.ts';
import { type MetricBatchPayload, RUN_METRICS_TOPIC, RUN_UPDATED_TOPIC } from './training.runner.ts';

interface Cursor {
  /** updatedAt of the run row last published. */
  updatedAt: number;
  /** Points are read from this time on (ISO, as stored)... */
  time: string;
  /** ...except those already published with exactly that time ("name@step"). */
  seenAtTime: Set<string>;
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
      const watched = new Set([...pubSub.idsWithSubscribers(RUN_METRICS_TOPIC), ...pubSub.idsWithSubscribers(RUN_UPDATED_TOPIC)].filter((id) => !isLocal(id)));
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
    if (!cursor) {
      // Subscribers asked for what comes next; history is for queries.
      cursor = { updatedAt: run.updatedAt.getTime(), time: new Date().toISOString(), seenAtTime: new Set() };
      this.cursors.set(runId, cursor);
      return;
    }
    const fresh = await dataSource
      .getRepository(MetricPoint)
      .createQueryBuilder('p')
      .where('p.run_id = :runId AND p.time >= :time', { runId, time: cursor.time })
      .orderBy('p.time', 'ASC')
      .addOrderBy('p.step', 'ASC')
      .getMany();
    // Claimed by this process's runner while we read: the runner publishes it (and did already).
    if (this.options.isLocal(runId)) {
      this.cursors.delete(runId);
      return;
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
