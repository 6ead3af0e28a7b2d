// The metric writer of one run: buffers the points the native trainer reports, writes them in
// batches with the run row's progress, and publishes both. Every write of a run (points, log
// lines, checkpoints, state changes) goes through its one queue, so rows are stored and
// published in step order.
import type { DataSource } from 'typeorm';
import type { PubSub } from 'type-graphql';
import type { Logger } from '../logging/logger.ts';
import { progressText } from './training.config.ts';
import { MetricPoint, type RunLogLevel, TrainingRun } from './training.entity.ts';
import { type MetricBatchPayload, RUN_METRICS_TOPIC, RUN_UPDATED_TOPIC } from './training.topics.ts';
import type { RunLog } from './run-log.ts';

/** Points per INSERT (SQLite binds at most 999 parameters per statement in old builds). */
const POINTS_PER_INSERT = 150;

export interface MetricWriterOptions {
  dataSource: DataSource;
  pubSub: PubSub;
  logger: Logger;
  runLog: RunLog;
}

/** Cuts a list into chunks. */
function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Reads a run row and publishes it to runUpdated subscribers. */
export async function publishRun(dataSource: DataSource, pubSub: PubSub, id: string): Promise<void> {
  const run = await dataSource.getRepository(TrainingRun).findOneBy({ id });
  if (run) pubSub.publish(RUN_UPDATED_TOPIC, id, run);
}

export class MetricWriter {
  /** Metric points not yet written. */
  private buffer: MetricPoint[] = [];
  /** Serializes writes so points are stored and published in step order. */
  private writes: Promise<void> = Promise.resolve();
  /** The run row changed since the last flush. */
  private dirty = false;

  /** `run` is the caller's live copy of the row; flushes write its progress fields. */
  constructor(
    private readonly run: TrainingRun,
    private readonly options: MetricWriterOptions,
  ) {}

  point(step: number, name: string, value: number): void {
    this.buffer.push({ runId: this.run.id, step, name, value, time: new Date() });
  }

  /** Marks the run row as changed, so the next flush writes and publishes it even without points. */
  touch(): void {
    this.dirty = true;
  }

  /** Queues work after the writes queued before it; a failure is logged, never thrown. */
  enqueue(work: () => Promise<void>): void {
    this.writes = this.writes.then(work).catch((error: unknown) => this.options.logger.error({ err: error, runId: this.run.id }, 'writing training progress failed'));
  }

  /** Resolves when the writes queued so far are done. */
  settled(): Promise<void> {
    return this.writes;
  }

  /** Appends a line to the run's log after the writes queued before it, and publishes it. */
  log(level: RunLogLevel, message: string): void {
    this.enqueue(async () => {
      await this.options.runLog.append(this.run.id, level, message, true);
    });
  }

  /** Writes buffered points in one batch, updates the run row, and publishes both. */
  flush(): void {
    if (this.buffer.length === 0 && !this.dirty) return;
    const points = this.buffer;
    this.buffer = [];
    this.dirty = false;
    const { run } = this;
    const { dataSource, pubSub } = this.options;
    const snapshot = { step: run.step, progress: progressText(run.step, run.config), lastLoss: run.lastLoss, bestValLoss: run.bestValLoss, stage: run.stage };
    this.enqueue(async () => {
      for (const part of chunks(points, POINTS_PER_INSERT)) await dataSource.getRepository(MetricPoint).createQueryBuilder().insert().values(part).orIgnore().execute();
      const now = new Date();
      await dataSource.getRepository(TrainingRun).update({ id: run.id }, { ...snapshot, heartbeatAt: now, updatedAt: now });
      run.updatedAt = now;
      if (points.length) pubSub.publish(RUN_METRICS_TOPIC, run.id, { runId: run.id, points, dropped: 0 } satisfies MetricBatchPayload);
      // The row as just written (this runner holds the run, so nothing else changed it): no read back.
      pubSub.publish(RUN_UPDATED_TOPIC, run.id, { ...run, ...snapshot, heartbeatAt: now, updatedAt: now });
    });
  }
}
