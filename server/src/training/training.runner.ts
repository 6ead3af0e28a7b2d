// The runner: claims queued runs from the database (atomically, so several processes — the
// server and `egen worker`s — can share one queue), drives the native trainer, writes metric
// points in batches, publishes live updates, and keeps runs durable: a run whose worker stops
// heartbeating is requeued and resumes exactly from its last checkpoint. This file composes the
// parts: the queue (run-queue.ts), one execution per run (run-execution.ts) and its metric
// writer (metric-writer.ts).
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { DataSource } from 'typeorm';
import type { PubSub } from 'type-graphql';
import type { UserAdminService } from '../admin/user-admin.service.ts';
import type { DatasetsService } from '../datasets/datasets.service.ts';
import type { Logger } from '../logging/logger.ts';
import type { ModelsService } from '../models/models.service.ts';
import { publishRun } from './metric-writer.ts';
import { RunExecution, type RunExecutionContext } from './run-execution.ts';
import { RunLog } from './run-log.ts';
import { RunQueue } from './run-queue.ts';
import type { TrainingRun } from './training.entity.ts';

export interface RunnerOptions {
  dataDir: string;
  logger: Logger;
  pubSub: PubSub;
  models: ModelsService;
  /** Looks up a run's owner, on whose behalf its model version is registered. */
  users: Pick<UserAdminService, 'get'>;
  datasets: DatasetsService;
  /** Runs trained at once per device ("cpu", "cuda:0", ...). Defaults to 1. */
  concurrency?: number;
  /** Intra-op threads for runs that do not set their own. Defaults to libtorch's default. */
  threads?: number | null;
  /** A held run whose heartbeat is older than this is taken over. Defaults to 30,000 ms. */
  staleAfterMs?: number;
  /** How often the queue and requested actions are polled. Defaults to 500 ms. */
  pollIntervalMs?: number;
  /** How often buffered metric points are written and published. Defaults to 100 ms. */
  flushIntervalMs?: number;
}

interface ActiveRun {
  execution: RunExecution;
  /** Settles when the run's bookkeeping is done and it left the active set. */
  finished: Promise<void>;
}

export class TrainingRunner {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly active = new Map<string, ActiveRun>();
  private readonly launched = new Set<string>();
  private readonly queue: RunQueue;
  private readonly context: RunExecutionContext;
  private pollTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: RunnerOptions,
  ) {
    const runLog = new RunLog(dataSource, options.pubSub);
    this.queue = new RunQueue(dataSource, {
      workerId: this.workerId,
      concurrency: options.concurrency ?? 1,
      staleAfterMs: options.staleAfterMs ?? 30_000,
      logger: options.logger,
      runLog,
      publishRun: (id) => this.publishRun(id),
    });
    this.context = {
      dataSource,
      pubSub: options.pubSub,
      logger: options.logger,
      runLog,
      models: options.models,
      users: options.users,
      datasets: options.datasets,
      dataDir: options.dataDir,
      threads: options.threads ?? null,
      workerId: this.workerId,
      isStopping: () => this.stopping,
    };
  }

  /** Starts polling the queue. */
  start(): void {
    this.pollTimer = setInterval(() => this.poll(), this.options.pollIntervalMs ?? 500);
    this.flushTimer = setInterval(() => this.flushAll(), this.options.flushIntervalMs ?? 100);
    this.poll();
  }

  /** True for a run this process trains or has trained (it published that run's updates itself). */
  hasTrained(id: string): boolean {
    return this.launched.has(id);
  }

  /**
   * Looks at the queue and requested actions now (after startTrainingRun, pauseRun, ...).
   * Resolves when that look is done.
   */
  poll(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    if (this.polling) {
      this.pollAgain = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.pollAgain = false;
        try {
          await this.queue.heartbeat([...this.active.keys()]);
          await this.applyRequestedActions();
          await this.queue.recoverStale(
            (id) => this.active.has(id),
            (id) => this.launched.has(id),
          );
          await this.claim();
        } catch (error) {
          if (!this.stopping) this.options.logger.error({ err: error }, 'training runner poll failed');
        }
      } while (this.pollAgain && !this.stopping);
    })().finally(() => (this.polling = null));
    return this.polling;
  }

  /**
   * Stops this worker: active runs stop at the next step boundary with a final checkpoint and go
   * back to the queue, so the next server (or another worker) resumes them exactly.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.pollTimer) clearInterval(this.pollTimer);
    await this.polling?.catch(() => undefined);
    for (const { execution } of this.active.values()) execution.interrupt();
    await Promise.all([...this.active.values()].map((a) => a.finished));
    if (this.flushTimer) clearInterval(this.flushTimer);
  }

  async publishRun(id: string): Promise<void> {
    await publishRun(this.dataSource, this.options.pubSub, id);
  }

  private async applyRequestedActions(): Promise<void> {
    for (const { id, action } of await this.queue.requestedActions([...this.active.keys()])) {
      const execution = this.active.get(id)?.execution;
      if (!execution?.started) continue;
      await this.queue.clearRequestedAction(id, action);
      execution.apply(action);
    }
  }

  private async claim(): Promise<void> {
    for (;;) {
      const busy = new Map<string, number>();
      for (const { execution } of this.active.values()) busy.set(execution.device, (busy.get(execution.device) ?? 0) + 1);
      const run = await this.queue.claimNext(busy, () => this.stopping);
      if (!run) return;
      this.launch(run);
    }
  }

  private launch(run: TrainingRun): void {
    this.launched.add(run.id);
    const execution = new RunExecution(run, this.context);
    const finished = execution
      .execute()
      .catch((error: unknown) => this.options.logger.error({ err: error, runId: run.id }, 'training run bookkeeping failed'))
      .finally(() => {
        this.active.delete(run.id);
        this.poll();
      });
    this.active.set(run.id, { execution, finished });
  }

  private flushAll(): void {
    for (const { execution } of this.active.values()) execution.flush();
  }
}
