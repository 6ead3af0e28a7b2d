// The runner: claims queued runs from the database (atomically, so several processes — the
// server and `egen worker`s — can share one queue), drives the native trainer, writes metric
// points in batches, publishes live updates, and keeps runs durable: a run whose worker stops
// heartbeating is requeued and resumes exactly from its last checkpoint.
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type DataSource, In, IsNull, LessThan, Not } from 'typeorm';
import type { PubSub } from 'type-graphql';
import { type StepReport, train, type TrainingHandle, type TrainingResult, type TrainingEvent } from '../../../native/index.ts';
import { User } from '../auth/user.entity.ts';
import type { DatasetsService } from '../datasets/datasets.service.ts';
import type { Logger } from '../logging/logger.ts';
import { Model, ModelVersion } from '../models/model.entity.ts';
import type { ModelsService } from '../models/models.service.ts';
import { progressText, toTrainOptions } from './training.config.ts';
import { count, num, RunLog } from './run-log.ts';
import { Checkpoint, MetricPoint, type RequestedAction, RunLogLevel, RunStatus, type StoredTrainingConfig, TrainingRun } from './training.entity.ts';

export const RUN_UPDATED_TOPIC = 'training.runUpdated';
export const RUN_METRICS_TOPIC = 'training.runMetrics';

/** What runMetrics subscribers receive: the new points of a run, in step order. */
export interface MetricBatchPayload {
  runId: string;
  points: MetricPoint[];
  /** Messages this subscriber's full buffer dropped so far (set per subscriber by the pub/sub). */
  dropped: number;
}

export interface RunnerOptions {
  dataDir: string;
  logger: Logger;
  pubSub: PubSub;
  models: ModelsService;
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
  run: TrainingRun;
  handle: TrainingHandle | null;
  device: string;
  /** Metric points not yet written. */
  buffer: MetricPoint[];
  /** Serializes writes so points are stored and published in step order. */
  writes: Promise<void>;
  stopReason: string | null;
  /** The stop is a failure (gradient norm over the threshold). */
  stopIsFailure: boolean;
  evalsWithoutImprovement: number;
  bestValLoss: number | null;
  dirty: boolean;
  /** The newest step report, summarized in the log at evaluations and checkpoints. */
  lastStep: StepReport | null;
  /** Step of the last summary written, so an evaluation and a checkpoint at one step share it. */
  summarizedStep: number;
  finished: Promise<void>;
}

const CHECKPOINT_STEP = /step-(\d+)\/?$/;

/** The hyperparameters that shape a run, in one log line. */
function configSummary(config: StoredTrainingConfig): string {
  const parts = [
    `${count(config.maxSteps)} steps${config.epochs ? ` (${config.epochs} epochs)` : ''}`,
    `batch ${config.batchSize}${config.gradientAccumulationSteps > 1 ? ` × ${config.gradientAccumulationSteps} accumulated` : ''}`,
    `learning rate ${num(config.learningRate)} (${config.lrSchedule}, warmup ${config.warmupSteps}, min ${num(config.minLearningRate)})`,
    `weight decay ${num(config.weightDecay)}`,
    `grad clip ${num(config.gradClip)}`,
    `seed ${config.seed}`,
    config.evalEvery ? `evaluate every ${config.evalEvery} steps` : 'evaluate at the end',
    `checkpoint every ${config.checkpointEvery} steps`,
  ];
  if (config.lora) parts.push(`LoRA rank ${config.lora.rank} on ${config.lora.targets.join(', ')}`);
  if (config.earlyStopping) parts.push(`early stopping after ${config.earlyStopping.patience} evaluations without improvement`);
  if (config.gradNormThreshold !== null) parts.push(`gradient norm threshold ${num(config.gradNormThreshold)} (${config.gradNormAction ?? 'stop'})`);
  return parts.join(', ');
}

/** Cuts a list into chunks (SQLite binds at most 999 parameters per statement in old builds). */
function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export class TrainingRunner {
  readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly active = new Map<string, ActiveRun>();
  private readonly launched = new Set<string>();
  private readonly concurrency: number;
  private readonly staleAfterMs: number;
  private pollTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private pollAgain = false;
  private stopping = false;
  private readonly runLog: RunLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: RunnerOptions,
  ) {
    this.concurrency = options.concurrency ?? 1;
    this.staleAfterMs = options.staleAfterMs ?? 30_000;
    this.runLog = new RunLog(dataSource, options.pubSub);
  }

  /** Starts polling the queue. */
  start(): void {
    this.pollTimer = setInterval(() => this.poll(), this.options.pollIntervalMs ?? 500);
    this.flushTimer = setInterval(() => this.flushAll(), this.options.flushIntervalMs ?? 100);
    this.poll();
  }

  /** Runs trained by this process now. */
  get activeRunIds(): string[] {
    return [...this.active.keys()];
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
          await this.heartbeat();
          await this.applyRequestedActions();
          await this.recoverStale();
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
    for (const active of this.active.values()) active.handle?.cancel().catch(() => undefined);
    await Promise.all([...this.active.values()].map((a) => a.finished));
    if (this.flushTimer) clearInterval(this.flushTimer);
  }

  private repo() {
    return this.dataSource.getRepository(TrainingRun);
  }

  private async heartbeat(): Promise<void> {
    if (this.active.size === 0) return;
    await this.repo().update({ id: In([...this.active.keys()]), workerId: this.workerId }, { heartbeatAt: new Date() });
  }

  private async applyRequestedActions(): Promise<void> {
    if (this.active.size === 0) return;
    const rows = await this.repo().find({ select: { id: true, requestedAction: true }, where: { id: In([...this.active.keys()]), requestedAction: Not(IsNull()) } });
    for (const row of rows) {
      const active = this.active.get(row.id);
      if (!active?.handle || !row.requestedAction) continue;
      await this.repo().update({ id: row.id, requestedAction: row.requestedAction }, { requestedAction: null });
      this.apply(active, row.requestedAction);
    }
  }

  private apply(active: ActiveRun, action: RequestedAction): void {
    const handle = active.handle!;
    if (action === 'PAUSE') {
      this.log(active, RunLogLevel.INFO, `Pause requested at step ${active.run.step}; pausing at the next step boundary`);
      handle.pause();
    } else if (action === 'RESUME') {
      this.log(active, RunLogLevel.INFO, `Resume requested at step ${active.run.step}`);
      handle.resume();
    } else {
      this.log(active, RunLogLevel.INFO, `Cancel requested by a user at step ${active.run.step}; stopping at the next step boundary`);
      active.stopReason ??= 'cancelled by a user';
      handle.cancel().catch(() => undefined);
    }
  }

  /** Appends a line to the run's log after the writes queued before it, and publishes it. */
  private log(active: ActiveRun, level: RunLogLevel, message: string): void {
    this.enqueue(active, async () => {
      await this.runLog.append(active.run.id, level, message, true);
    });
  }

  /** Runs held by a worker that stopped heartbeating go back to the queue (PAUSED ones stay paused, detached). */
  private async recoverStale(): Promise<void> {
    const cutoff = new Date(Date.now() - this.staleAfterMs);
    const stale = await this.repo().find({ where: { status: In([RunStatus.IN_PROGRESS, RunStatus.PAUSED]), heartbeatAt: LessThan(cutoff) } });
    for (const run of stale) {
      if (this.active.has(run.id)) continue;
      const paused = run.status === RunStatus.PAUSED;
      const result = await this.repo().update(
        { id: run.id, status: run.status, workerId: run.workerId ?? IsNull(), heartbeatAt: LessThan(cutoff) },
        paused
          ? { workerId: null, heartbeatAt: null, stage: 'paused', updatedAt: new Date() }
          : { status: RunStatus.QUEUED, workerId: null, heartbeatAt: null, stage: 'queued', requestedAction: null, updatedAt: new Date() },
      );
      if (result.affected) {
        this.options.logger.warn({ runId: run.id, worker: run.workerId }, paused ? 'detached a paused run whose worker stopped' : 'requeued a run whose worker stopped');
        const silent = `worker ${run.workerId ?? '(none)'} stopped sending heartbeats at step ${run.step}`;
        await this.runLog.append(
          run.id,
          RunLogLevel.WARN,
          paused ? `The ${silent}; the run stays paused, and resuming queues it to continue from its last checkpoint` : `The ${silent}; the run is back in the queue to resume from ${run.lastCheckpoint ?? 'the start (no checkpoint yet)'}`,
          this.launched.has(run.id),
        );
        await this.publishRun(run.id);
      }
    }
  }

  private async claim(): Promise<void> {
    while (!this.stopping) {
      const candidates = await this.repo().find({ where: { status: RunStatus.QUEUED }, order: { createdAt: 'ASC', id: 'ASC' }, take: 20 });
      const busy = new Map<string, number>();
      for (const a of this.active.values()) busy.set(a.device, (busy.get(a.device) ?? 0) + 1);
      const next = candidates.find((c) => (busy.get(c.config.device) ?? 0) < this.concurrency);
      if (!next) return;
      const now = new Date();
      // Atomic on both engines: only one worker's UPDATE matches status = QUEUED.
      const claimed = await this.repo()
        .createQueryBuilder()
        .update(TrainingRun)
        .set({ status: RunStatus.IN_PROGRESS, workerId: this.workerId, heartbeatAt: now, stage: 'starting', requestedAction: null, attempts: () => 'attempts + 1', updatedAt: now })
        .where('id = :id AND status = :queued', { id: next.id, queued: RunStatus.QUEUED })
        .execute();
      if (!claimed.affected) continue;
      await this.repo().update({ id: next.id, startedAt: IsNull() }, { startedAt: now });
      const run = (await this.repo().findOneBy({ id: next.id }))!;
      this.launch(run);
    }
  }

  private launch(run: TrainingRun): void {
    this.launched.add(run.id);
    let resolveFinished!: () => void;
    const active: ActiveRun = {
      run,
      handle: null,
      device: run.config.device,
      buffer: [],
      writes: Promise.resolve(),
      stopReason: null,
      stopIsFailure: false,
      evalsWithoutImprovement: 0,
      bestValLoss: null,
      dirty: false,
      lastStep: null,
      summarizedStep: -1,
      finished: new Promise<void>((resolve) => (resolveFinished = resolve)),
    };
    this.active.set(run.id, active);
    void this.execute(active)
      .catch((error: unknown) => this.options.logger.error({ err: error, runId: run.id }, 'training run bookkeeping failed'))
      .finally(() => {
        this.active.delete(run.id);
        resolveFinished();
        this.poll();
      });
  }

  private async execute(active: ActiveRun): Promise<void> {
    const { run } = active;
    const log = this.options.logger.child({ runId: run.id });
    let result: TrainingResult;
    this.log(active, RunLogLevel.INFO, `Claimed by worker ${this.workerId} (attempt ${run.attempts})`);
    try {
      const options = await this.prepare(active);
      await this.publishRun(run.id);
      const handle = train(options, {
        onProgress: (event) => this.onEvent(active, event),
        onStep: () => active.stopReason !== null && !active.stopReason.startsWith('cancelled'),
      });
      active.handle = handle;
      if (this.stopping) handle.cancel().catch(() => undefined);
      result = await handle.done;
    } catch (error) {
      await active.writes;
      const reason = (error as Error).message;
      await this.finish(active, { status: RunStatus.FAILED, failureReason: reason }, [RunLogLevel.ERROR, `Failed: ${reason}`]);
      log.warn({ err: error }, 'training run failed');
      return;
    }
    this.flush(active);
    await active.writes;
    if (this.stopping && result.status === 'CANCELLED' && active.stopReason === null) {
      // Server shutdown: back to the queue, to resume from the final checkpoint.
      const from = result.lastCheckpoint ?? run.lastCheckpoint;
      this.log(active, RunLogLevel.WARN, `Worker ${this.workerId} is stopping: the run goes back to the queue at step ${result.step} and resumes from ${from ?? 'the start (no checkpoint yet)'}`);
      await active.writes;
      await this.repo().update(
        { id: run.id },
        { status: RunStatus.QUEUED, stage: 'queued', workerId: null, heartbeatAt: null, lastCheckpoint: result.lastCheckpoint ?? run.lastCheckpoint, updatedAt: new Date() },
      );
      await this.publishRun(run.id);
      return;
    }
    const common = { step: result.step, progress: progressText(result.step, run.config), lastCheckpoint: result.lastCheckpoint ?? run.lastCheckpoint, bestCheckpoint: result.bestCheckpoint ?? run.bestCheckpoint };
    if (result.status === 'FAILED') {
      const rollback = result.bestCheckpoint ?? run.bestCheckpoint ?? run.lastCheckpoint;
      const failureReason = `${result.reason ?? 'training failed'}${rollback ? `; rolled back to the best checkpoint ${rollback}` : '; no checkpoint to roll back to'}`;
      await this.finish(active, { ...common, lastCheckpoint: rollback, status: RunStatus.FAILED, failureReason }, [RunLogLevel.ERROR, `Failed at step ${result.step}: ${failureReason}`]);
    } else if (result.status === 'CANCELLED') {
      const stopReason = active.stopReason ?? result.reason;
      await this.finish(active, { ...common, status: RunStatus.CANCELLED, stopReason }, [RunLogLevel.INFO, `Cancelled at step ${result.step}${stopReason ? `: ${stopReason}` : ''}`]);
    } else if (active.stopIsFailure) {
      await this.finish(active, { ...common, status: RunStatus.FAILED, failureReason: active.stopReason, stopReason: active.stopReason }, [RunLogLevel.ERROR, `Failed at step ${result.step}: ${active.stopReason}`]);
    } else {
      this.log(active, RunLogLevel.INFO, `Training ended at step ${result.step}/${run.config.maxSteps}${active.stopReason ? ` (${active.stopReason})` : ''}; registering a model version from ${result.bestCheckpoint ?? result.lastCheckpoint}`);
      await active.writes;
      await this.repo().update({ id: run.id }, { ...common, stage: 'registering', updatedAt: new Date() });
      await this.publishRun(run.id);
      try {
        const weights = result.bestCheckpoint ?? result.lastCheckpoint;
        const owner = await this.dataSource.getRepository(User).findOneByOrFail({ id: run.ownerId });
        const register = () =>
          this.options.models.registerRunVersion(
            { id: owner.id, email: owner.email, role: owner.role },
            { modelId: run.modelId, checkpointPath: weights, parentVersionId: run.baseVersionId, runId: run.id, datasetVersionId: run.datasetVersionId, notes: `Trained by run ${run.id} (${common.progress}${active.stopReason ? `, ${active.stopReason}` : ''})` },
          );
        // Runs of one model finishing together (in several workers) race for the next version
        // number; the loser of the unique index tries again with the number after.
        let version;
        for (let attempt = 1; ; attempt++) {
          try {
            version = await register();
            break;
          } catch (error) {
            if (attempt >= 10 || !/unique|duplicate key/i.test((error as Error).message)) throw error;
            await new Promise((r) => setTimeout(r, 10 + Math.random() * 40));
          }
        }
        await this.finish(active, { ...common, status: RunStatus.COMPLETED, resultVersionId: version.id, stopReason: active.stopReason }, [
          RunLogLevel.INFO,
          `Completed at step ${result.step}/${run.config.maxSteps}: last loss ${num(result.loss)}, best validation loss ${num(result.bestValLoss)}; registered model version ${version.version} (${version.id})`,
        ]);
      } catch (error) {
        const failureReason = `could not register the model version: ${(error as Error).message}`;
        await this.finish(active, { ...common, status: RunStatus.FAILED, failureReason }, [RunLogLevel.ERROR, `Failed: ${failureReason}`]);
      }
    }
    log.info({ status: result.status, step: result.step, loss: result.loss }, 'training run ended');
  }

  /** Resolves what the run trains on and from where (resuming exactly from its last checkpoint). */
  private async prepare(active: ActiveRun) {
    const { run } = active;
    const model = await this.dataSource.getRepository(Model).findOneBy({ id: run.modelId });
    if (!model) throw new Error(`model ${run.modelId} no longer exists`);
    let initFrom: string | null = null;
    let base: ModelVersion | null = null;
    if (run.baseVersionId) {
      base = await this.dataSource.getRepository(ModelVersion).findOneBy({ id: run.baseVersionId });
      if (!base?.checkpointPath) throw new Error(`base version ${run.baseVersionId} has no weights`);
      initFrom = base.checkpointPath;
    }
    this.log(
      active,
      RunLogLevel.INFO,
      `Model "${model.name}": ${model.layers} layers, ${model.heads} heads, width ${model.embeddingWidth}, context ${model.contextLength}, vocabulary ${count(model.vocabSize)}` +
        (base ? `; fine-tuning from its version ${base.version} (${initFrom})` : '; freshly initialized'),
    );
    const version = await this.options.datasets.getVersion(run.datasetVersionId);
    if (!version) throw new Error(`dataset version ${run.datasetVersionId} no longer exists`);
    const shards = (split: string): string[] => version.shards.filter((s) => s.split === split && s.tokens > 0).map((s) => s.path);
    this.log(
      active,
      RunLogLevel.INFO,
      `Dataset version ${version.version} (${version.id}) loaded: ${count(version.recordCount)} records, ${count(version.trainTokens)} training and ${count(version.validationTokens)} validation tokens in ${shards('train').length + shards('validation').length} shards`,
    );
    const checkpointDir = join(this.options.dataDir, 'runs', run.id, 'checkpoints');
    const points = this.dataSource.getRepository(MetricPoint);
    const checkpoints = this.dataSource.getRepository(Checkpoint);
    let resumeFrom: string | null = null;
    let fromStep = 0;
    if (run.lastCheckpoint) {
      if (!existsSync(run.lastCheckpoint)) throw new Error(`cannot resume: checkpoint ${run.lastCheckpoint} is missing`);
      fromStep = Number(CHECKPOINT_STEP.exec(run.lastCheckpoint)?.[1] ?? NaN);
      if (!Number.isInteger(fromStep)) throw new Error(`cannot resume: ${run.lastCheckpoint} is not a step checkpoint`);
      resumeFrom = run.lastCheckpoint;
      // Steps after the checkpoint are trained again; their points are written again.
      await points.createQueryBuilder().delete().where('run_id = :id AND step > :step', { id: run.id, step: fromStep }).execute();
      await checkpoints.createQueryBuilder().delete().where('run_id = :id AND step > :step', { id: run.id, step: fromStep }).execute();
      // Early stopping continues where it was.
      for (const p of await points.find({ where: { runId: run.id, name: 'val_loss' }, order: { step: 'ASC' } })) this.countEval(active, p.value ?? NaN);
    } else {
      await points.delete({ runId: run.id });
      await checkpoints.delete({ runId: run.id });
      rmSync(checkpointDir, { recursive: true, force: true });
    }
    if (resumeFrom) this.log(active, RunLogLevel.INFO, `Resuming from checkpoint ${resumeFrom} at step ${fromStep}`);
    await this.repo().update({ id: run.id }, { step: fromStep, progress: progressText(fromStep, run.config), stage: resumeFrom ? 'resuming' : 'starting', updatedAt: new Date() });
    return toTrainOptions(run.config, {
      model: { vocabSize: model.vocabSize, contextLength: model.contextLength, nLayer: model.layers, nHead: model.heads, nEmbd: model.embeddingWidth, dropout: model.dropout, bias: model.bias },
      initFrom,
      resumeFrom,
      trainShards: shards('train'),
      validationShards: shards('validation'),
      checkpointDir,
      defaultThreads: this.options.threads ?? null,
    });
  }

  /** Counts an evaluation for early stopping; returns a stop reason when patience ran out. */
  private countEval(active: ActiveRun, valLoss: number): string | null {
    const es = active.run.config.earlyStopping;
    if (active.bestValLoss === null || valLoss < active.bestValLoss - (es?.minDelta ?? 0)) {
      active.bestValLoss = active.bestValLoss === null ? valLoss : Math.min(active.bestValLoss, valLoss);
      active.evalsWithoutImprovement = 0;
    } else active.evalsWithoutImprovement++;
    if (es && active.evalsWithoutImprovement >= es.patience) return `early stopping: no validation improvement of more than ${es.minDelta} in ${es.patience} evaluations`;
    return null;
  }

  private point(active: ActiveRun, step: number, name: string, value: number): void {
    active.buffer.push({ runId: active.run.id, step, name, value, time: new Date() });
  }

  private onEvent(active: ActiveRun, event: TrainingEvent): void {
    const { run } = active;
    switch (event.type) {
      case 'start':
        run.stage = 'training';
        active.dirty = true;
        this.log(
          active,
          RunLogLevel.INFO,
          `Training started on ${event.device} (${event.precision}, ${event.threads} ${event.threads === 1 ? 'thread' : 'threads'}) at step ${event.step}/${event.maxSteps}: ${count(event.parameters)} parameters (${count(event.trainableParameters)} trainable), ${count(event.trainTokens)} training tokens; ${configSummary(run.config)}`,
        );
        break;
      case 'step': {
        this.point(active, event.step, 'loss', event.loss);
        this.point(active, event.step, 'lr', event.lr);
        this.point(active, event.step, 'grad_norm', event.gradNorm);
        this.point(active, event.step, 'tokens_per_second', event.tokensPerSecond);
        this.point(active, event.step, 'memory_bytes', event.memoryBytes);
        run.step = event.step;
        run.lastLoss = Number.isFinite(event.loss) ? event.loss : null;
        active.dirty = true;
        active.lastStep = event;
        const threshold = run.config.gradNormThreshold;
        // With gradNormAction "skip" the native trainer already skipped the update.
        if (threshold !== null && run.config.gradNormAction !== 'skip' && event.gradNorm > threshold && active.stopReason === null) {
          active.stopReason = `gradient norm ${event.gradNorm.toPrecision(4)} exceeded the threshold ${threshold} at step ${event.step}`;
          active.stopIsFailure = true;
          this.log(active, RunLogLevel.WARN, `Stopping: ${active.stopReason}`);
        }
        break;
      }
      case 'eval': {
        this.point(active, event.step, 'val_loss', event.valLoss);
        this.point(active, event.step, 'perplexity', event.perplexity);
        run.bestValLoss = event.bestValLoss;
        this.summarize(active);
        this.log(active, RunLogLevel.INFO, `Evaluation at step ${event.step}: validation loss ${num(event.valLoss)}, perplexity ${num(event.perplexity)} (best validation loss ${num(event.bestValLoss)})`);
        const stop = this.countEval(active, event.valLoss);
        if (stop && active.stopReason === null) {
          active.stopReason = stop;
          this.log(active, RunLogLevel.INFO, `Stopping: ${stop}`);
        }
        active.dirty = true;
        break;
      }
      case 'checkpoint': {
        const row: Checkpoint = { id: randomUUID(), runId: run.id, step: event.step, path: event.path, best: event.best, final: event.final, createdAt: new Date() };
        run.lastCheckpoint = event.path;
        if (event.best) run.bestCheckpoint = event.path;
        // Points up to this step are written first, then the checkpoint is recorded as the resume point.
        this.flush(active);
        this.summarize(active);
        this.enqueue(active, async () => {
          await this.dataSource.getRepository(Checkpoint).insert(row);
          await this.repo().update({ id: run.id }, { lastCheckpoint: run.lastCheckpoint, bestCheckpoint: run.bestCheckpoint });
        });
        this.log(active, RunLogLevel.INFO, `Checkpoint saved at step ${event.step}${event.best ? ' (best so far)' : ''}${event.final ? ' (final)' : ''}: ${event.path}`);
        break;
      }
      case 'status':
        run.status = event.status === 'PAUSED' ? RunStatus.PAUSED : RunStatus.IN_PROGRESS;
        run.stage = event.status === 'PAUSED' ? 'paused' : 'training';
        this.flush(active);
        this.log(active, RunLogLevel.INFO, `${event.status === 'PAUSED' ? 'Paused' : 'Resumed'} at step ${event.step}`);
        this.enqueue(active, async () => {
          await this.repo().update({ id: run.id }, { status: run.status, stage: run.stage, updatedAt: new Date() });
          await this.publishRun(run.id);
        });
        break;
    }
  }

  /** A line with the newest step's numbers, at most one per step (an evaluation and a checkpoint may share a step). */
  private summarize(active: ActiveRun): void {
    const s = active.lastStep;
    if (!s || s.step === active.summarizedStep) return;
    active.summarizedStep = s.step;
    this.log(
      active,
      RunLogLevel.INFO,
      `Step ${s.step}/${active.run.config.maxSteps}: loss ${num(s.loss)}, learning rate ${num(s.lr)}, gradient norm ${num(s.gradNorm)}, ${count(s.tokensPerSecond)} tokens/s, ${num(s.stepTimeMs)} ms/step, ${count(s.memoryBytes / 2 ** 20)} MiB`,
    );
  }

  private enqueue(active: ActiveRun, work: () => Promise<void>): void {
    active.writes = active.writes.then(work).catch((error: unknown) => this.options.logger.error({ err: error, runId: active.run.id }, 'writing training progress failed'));
  }

  private flushAll(): void {
    for (const active of this.active.values()) this.flush(active);
  }

  /** Writes buffered points in one batch, updates the run row, and publishes both. */
  private flush(active: ActiveRun): void {
    if (active.buffer.length === 0 && !active.dirty) return;
    const points = active.buffer;
    active.buffer = [];
    active.dirty = false;
    const { run } = active;
    const snapshot = { step: run.step, progress: progressText(run.step, run.config), lastLoss: run.lastLoss, bestValLoss: run.bestValLoss, stage: run.stage };
    this.enqueue(active, async () => {
      for (const part of chunks(points, 150)) await this.dataSource.getRepository(MetricPoint).createQueryBuilder().insert().values(part).orIgnore().execute();
      const now = new Date();
      await this.repo().update({ id: run.id }, { ...snapshot, heartbeatAt: now, updatedAt: now });
      run.updatedAt = now;
      if (points.length) this.options.pubSub.publish(RUN_METRICS_TOPIC, run.id, { runId: run.id, points, dropped: 0 } satisfies MetricBatchPayload);
      // The row as just written (this runner holds the run, so nothing else changed it): no read back.
      this.options.pubSub.publish(RUN_UPDATED_TOPIC, run.id, { ...run, ...snapshot, heartbeatAt: now, updatedAt: now });
    });
  }

  /** Writes the run's last log line, then its final state (so a reader who sees the state finds the line). */
  private async finish(active: ActiveRun, changes: Partial<TrainingRun> & { status: RunStatus }, [level, message]: [RunLogLevel, string]): Promise<void> {
    this.log(active, level, message);
    await active.writes;
    await this.repo().update({ id: active.run.id }, { ...changes, stage: 'done', workerId: null, heartbeatAt: null, requestedAction: null, finishedAt: new Date(), updatedAt: new Date() });
    await this.publishRun(active.run.id);
  }

  async publishRun(id: string): Promise<void> {
    const run = await this.repo().findOneBy({ id });
    if (run) this.options.pubSub.publish(RUN_UPDATED_TOPIC, id, run);
  }
}
