// One run on this worker, from claim to end: resolves what it trains on (resuming exactly from
// its last checkpoint), drives the native trainer, turns its events into points, log lines and
// checkpoint rows, applies control requests and the stop policies (early stopping, gradient
// norm threshold), and ends the run in one of its final states (or back in the queue when the
// worker stops).
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { PubSub } from 'type-graphql';
import { createModel, type StepReport, train, type TrainingHandle, type TrainingResult, type TrainingEvent } from '../../../native/index.ts';
import type { UserAdminService } from '../admin/user-admin.service.ts';
import type { DatasetsService } from '../datasets/datasets.service.ts';
import type { Logger } from '../logging/logger.ts';
import type { ModelsService } from '../models/models.service.ts';
import { EarlyStopping } from './early-stopping.ts';
import { writeRunExampleShards } from './example-shards.ts';
import { MetricWriter, publishRun } from './metric-writer.ts';
import { count, num, type RunLog } from './run-log.ts';
import { progressText, toTrainOptions } from './training.config.ts';
import { Checkpoint, MetricPoint, type RequestedAction, RunLogLevel, RunStatus, type StoredTrainingConfig, TrainingRun } from './training.entity.ts';

const CHECKPOINT_STEP = /step-(\d+)\/?$/;

/** What a run needs from its worker and from the services of other domains. */
export interface RunExecutionContext {
  dataSource: DataSource;
  pubSub: PubSub;
  logger: Logger;
  runLog: RunLog;
  models: ModelsService;
  /** The owner of a run, on whose behalf its model version is registered. */
  users: Pick<UserAdminService, 'get'>;
  datasets: DatasetsService;
  dataDir: string;
  /** Intra-op threads for runs that do not set their own; null: libtorch's default. */
  threads: number | null;
  workerId: string;
  /** True once the worker stops: a cancelled run then goes back to the queue. */
  isStopping(): boolean;
}

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

export class RunExecution {
  readonly device: string;
  private readonly writer: MetricWriter;
  private handle: TrainingHandle | null = null;
  private stopReason: string | null = null;
  /** The stop is a failure (gradient norm over the threshold). */
  private stopIsFailure = false;
  private readonly earlyStopping: EarlyStopping;
  /** The newest step report, summarized in the log at evaluations and checkpoints. */
  private lastStep: StepReport | null = null;
  /** Step of the last summary written, so an evaluation and a checkpoint at one step share it. */
  private summarizedStep = -1;

  constructor(
    private readonly run: TrainingRun,
    private readonly ctx: RunExecutionContext,
  ) {
    this.device = run.config.device;
    this.writer = new MetricWriter(run, ctx);
    this.earlyStopping = new EarlyStopping(run.config.earlyStopping);
  }

  /** True once the native trainer runs, so control requests can be applied. */
  get started(): boolean {
    return this.handle !== null;
  }

  /** Writes and publishes the points buffered so far. */
  flush(): void {
    this.writer.flush();
  }

  /** Stops at the next step boundary with a final checkpoint (worker shutdown). */
  interrupt(): void {
    this.handle?.cancel().catch(() => undefined);
  }

  /** Applies a control request; the run must have started. */
  apply(action: RequestedAction): void {
    const handle = this.handle!;
    const { run, writer } = this;
    if (action === 'PAUSE') {
      writer.log(RunLogLevel.INFO, `Pause requested at step ${run.step}; pausing at the next step boundary`);
      handle.pause();
    } else if (action === 'RESUME') {
      writer.log(RunLogLevel.INFO, `Resume requested at step ${run.step}`);
      handle.resume();
    } else {
      writer.log(RunLogLevel.INFO, `Cancel requested by a user at step ${run.step}; stopping at the next step boundary`);
      this.stopReason ??= 'cancelled by a user';
      handle.cancel().catch(() => undefined);
    }
  }

  /** Trains the run to its end and records that end. */
  async execute(): Promise<void> {
    const { run, writer, ctx } = this;
    const log = ctx.logger.child({ runId: run.id });
    let result: TrainingResult;
    writer.log(RunLogLevel.INFO, `Claimed by worker ${ctx.workerId} (attempt ${run.attempts})`);
    try {
      const options = await this.prepare();
      await this.publish();
      const handle = train(options, {
        onProgress: (event) => this.onEvent(event),
        onStep: () => this.stopReason !== null && !this.stopReason.startsWith('cancelled'),
      });
      this.handle = handle;
      if (ctx.isStopping()) handle.cancel().catch(() => undefined);
      result = await handle.done;
    } catch (error) {
      await writer.settled();
      const reason = (error as Error).message;
      await this.finish({ status: RunStatus.FAILED, failureReason: reason }, [RunLogLevel.ERROR, `Failed: ${reason}`]);
      log.warn({ err: error }, 'training run failed');
      return;
    }
    writer.flush();
    await writer.settled();
    if (ctx.isStopping() && result.status === 'CANCELLED' && this.stopReason === null) {
      await this.requeue(result);
      return;
    }
    await this.end(result);
    log.info({ status: result.status, step: result.step, loss: result.loss }, 'training run ended');
  }

  /** Worker shutdown: back to the queue, to resume from the final checkpoint. */
  private async requeue(result: TrainingResult): Promise<void> {
    const { run, writer, ctx } = this;
    const from = result.lastCheckpoint ?? run.lastCheckpoint;
    writer.log(RunLogLevel.WARN, `Worker ${ctx.workerId} is stopping: the run goes back to the queue at step ${result.step} and resumes from ${from ?? 'the start (no checkpoint yet)'}`);
    await writer.settled();
    await this.repo().update({ id: run.id }, { status: RunStatus.QUEUED, stage: 'queued', workerId: null, heartbeatAt: null, lastCheckpoint: result.lastCheckpoint ?? run.lastCheckpoint, updatedAt: new Date() });
    await this.publish();
  }

  /** The end-of-run state machine: FAILED (rolled back), CANCELLED, FAILED by the gradient norm policy, or COMPLETED with a registered model version. */
  private async end(result: TrainingResult): Promise<void> {
    const { run, writer, ctx } = this;
    const common = { step: result.step, progress: progressText(result.step, run.config), lastCheckpoint: result.lastCheckpoint ?? run.lastCheckpoint, bestCheckpoint: result.bestCheckpoint ?? run.bestCheckpoint };
    if (result.status === 'FAILED') {
      const rollback = result.bestCheckpoint ?? run.bestCheckpoint ?? run.lastCheckpoint;
      const failureReason = `${result.reason ?? 'training failed'}${rollback ? `; rolled back to the best checkpoint ${rollback}` : '; no checkpoint to roll back to'}`;
      await this.finish({ ...common, lastCheckpoint: rollback, status: RunStatus.FAILED, failureReason }, [RunLogLevel.ERROR, `Failed at step ${result.step}: ${failureReason}`]);
    } else if (result.status === 'CANCELLED') {
      const stopReason = this.stopReason ?? result.reason;
      await this.finish({ ...common, status: RunStatus.CANCELLED, stopReason }, [RunLogLevel.INFO, `Cancelled at step ${result.step}${stopReason ? `: ${stopReason}` : ''}`]);
    } else if (this.stopIsFailure) {
      await this.finish({ ...common, status: RunStatus.FAILED, failureReason: this.stopReason, stopReason: this.stopReason }, [RunLogLevel.ERROR, `Failed at step ${result.step}: ${this.stopReason}`]);
    } else {
      writer.log(RunLogLevel.INFO, `Training ended at step ${result.step}/${run.config.maxSteps}${this.stopReason ? ` (${this.stopReason})` : ''}; registering a model version from ${result.bestCheckpoint ?? result.lastCheckpoint}`);
      await writer.settled();
      await this.repo().update({ id: run.id }, { ...common, stage: 'registering', updatedAt: new Date() });
      await this.publish();
      try {
        const weights = result.bestCheckpoint ?? result.lastCheckpoint;
        const owner = await ctx.users.get(run.ownerId);
        const version = await ctx.models.registerRunVersion(
          { id: owner.id, email: owner.email, role: owner.role },
          {
            modelId: run.modelId,
            checkpointPath: weights,
            parentVersionId: run.baseVersionId,
            runId: run.id,
            datasetVersionId: run.datasetVersionId,
            notes: `Trained by run ${run.id} (${common.progress}${this.stopReason ? `, ${this.stopReason}` : ''})`,
          },
        );
        await this.finish({ ...common, status: RunStatus.COMPLETED, resultVersionId: version.id, stopReason: this.stopReason }, [
          RunLogLevel.INFO,
          `Completed at step ${result.step}/${run.config.maxSteps}: last loss ${num(result.loss)}, best validation loss ${num(result.bestValLoss)}${result.valAccuracy !== null ? `, validation accuracy ${num(result.valAccuracy)}` : ''}; registered model version ${version.version} (${version.id})`,
        ]);
      } catch (error) {
        const failureReason = `could not register the model version: ${(error as Error).message}`;
        await this.finish({ ...common, status: RunStatus.FAILED, failureReason }, [RunLogLevel.ERROR, `Failed: ${failureReason}`]);
      }
    }
  }

  /** Resolves what the run trains on and from where (resuming exactly from its last checkpoint). */
  private async prepare() {
    const { run, writer, ctx } = this;
    const model = await ctx.models.find(run.modelId);
    if (!model) throw new Error(`model ${run.modelId} no longer exists`);
    let initFrom: string | null = null;
    const base = run.baseVersionId ? await ctx.models.findVersion(run.baseVersionId) : null;
    const nativeModel = {
      vocabSize: model.vocabSize,
      contextLength: model.contextLength,
      nLayer: model.layers,
      nHead: model.heads,
      nEmbd: model.embeddingWidth,
      dropout: model.dropout,
      bias: model.bias,
      task: model.task,
      numLabels: model.labels?.length ?? 0,
    };
    // A classifier starting from a causal LM's version (another model): its transformer, a fresh score head.
    const headStart = Boolean(base && base.modelId !== model.id);
    if (run.baseVersionId) {
      if (!base?.checkpointPath) throw new Error(`base version ${run.baseVersionId} has no weights`);
      initFrom = base.checkpointPath;
      if (headStart && !run.lastCheckpoint) {
        initFrom = (await createModel({ model: nativeModel, baseCheckpoint: base.checkpointPath, outputDir: join(ctx.dataDir, 'runs', run.id, 'init'), seed: run.config.seed })).path;
      }
    }
    writer.log(
      RunLogLevel.INFO,
      `Model "${model.name}": ${model.layers} layers, ${model.heads} heads, width ${model.embeddingWidth}, context ${model.contextLength}, vocabulary ${count(model.vocabSize)}` +
        (headStart ? `; its transformer from version ${base!.version} of another model (${base!.checkpointPath}), with a fresh score head` : base ? `; fine-tuning from its version ${base.version} (${initFrom})` : '; freshly initialized'),
    );
    const version = await ctx.datasets.getVersion(run.datasetVersionId);
    if (!version) throw new Error(`dataset version ${run.datasetVersionId} no longer exists`);
    const shards = (split: string): string[] => version.shards.filter((s) => s.split === split && s.tokens > 0).map((s) => s.path);
    writer.log(
      RunLogLevel.INFO,
      `Dataset version ${version.version} (${version.id}) loaded: ${count(version.recordCount)} records, ${count(version.trainTokens)} training and ${count(version.validationTokens)} validation tokens in ${shards('train').length + shards('validation').length} shards`,
    );
    let trainShards = shards('train');
    let validationShards = shards('validation');
    if (model.task === 'classification') {
      const labels = model.labels ?? [];
      const written = await writeRunExampleShards(ctx.datasets, version, labels, model.contextLength, join(ctx.dataDir, 'runs', run.id, 'examples'));
      if (written.examples.train === 0) throw new Error(`dataset version ${version.id} has no labelled training records`);
      trainShards = written.train;
      validationShards = written.validation;
      writer.log(RunLogLevel.INFO, `Labelled examples for the model's ${labels.length} labels (${labels.join(', ')}): ${count(written.examples.train)} training and ${count(written.examples.validation)} validation examples`);
    }
    const checkpointDir = join(ctx.dataDir, 'runs', run.id, 'checkpoints');
    const points = ctx.dataSource.getRepository(MetricPoint);
    const checkpoints = ctx.dataSource.getRepository(Checkpoint);
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
      for (const p of await points.find({ where: { runId: run.id, name: 'val_loss' }, order: { step: 'ASC' } })) this.earlyStopping.count(p.value ?? NaN);
    } else {
      await points.delete({ runId: run.id });
      await checkpoints.delete({ runId: run.id });
      rmSync(checkpointDir, { recursive: true, force: true });
    }
    if (resumeFrom) writer.log(RunLogLevel.INFO, `Resuming from checkpoint ${resumeFrom} at step ${fromStep}`);
    await this.repo().update({ id: run.id }, { step: fromStep, progress: progressText(fromStep, run.config), stage: resumeFrom ? 'resuming' : 'starting', updatedAt: new Date() });
    return toTrainOptions(run.config, {
      model: nativeModel,
      initFrom,
      resumeFrom,
      trainShards,
      validationShards,
      checkpointDir,
      defaultThreads: ctx.threads,
    });
  }

  private onEvent(event: TrainingEvent): void {
    const { run, writer } = this;
    switch (event.type) {
      case 'start':
        run.stage = 'training';
        writer.touch();
        writer.log(
          RunLogLevel.INFO,
          `Training started on ${event.device} (${event.precision}, ${event.threads} ${event.threads === 1 ? 'thread' : 'threads'}) at step ${event.step}/${event.maxSteps}: ${count(event.parameters)} parameters (${count(event.trainableParameters)} trainable), ${count(event.trainTokens)} training tokens; ${configSummary(run.config)}`,
        );
        break;
      case 'step': {
        writer.point(event.step, 'loss', event.loss);
        writer.point(event.step, 'lr', event.lr);
        writer.point(event.step, 'grad_norm', event.gradNorm);
        writer.point(event.step, 'tokens_per_second', event.tokensPerSecond);
        writer.point(event.step, 'memory_bytes', event.memoryBytes);
        run.step = event.step;
        run.lastLoss = Number.isFinite(event.loss) ? event.loss : null;
        writer.touch();
        this.lastStep = event;
        const threshold = run.config.gradNormThreshold;
        // With gradNormAction "skip" the native trainer already skipped the update.
        if (threshold !== null && run.config.gradNormAction !== 'skip' && event.gradNorm > threshold && this.stopReason === null) {
          this.stopReason = `gradient norm ${event.gradNorm.toPrecision(4)} exceeded the threshold ${threshold} at step ${event.step}`;
          this.stopIsFailure = true;
          writer.log(RunLogLevel.WARN, `Stopping: ${this.stopReason}`);
        }
        break;
      }
      case 'eval': {
        writer.point(event.step, 'val_loss', event.valLoss);
        writer.point(event.step, 'perplexity', event.perplexity);
        if (event.valAccuracy !== undefined) writer.point(event.step, 'val_accuracy', event.valAccuracy);
        run.bestValLoss = event.bestValLoss;
        this.summarize();
        writer.log(
          RunLogLevel.INFO,
          `Evaluation at step ${event.step}: validation loss ${num(event.valLoss)}, ${event.valAccuracy !== undefined ? `accuracy ${num(event.valAccuracy)}` : `perplexity ${num(event.perplexity)}`} (best validation loss ${num(event.bestValLoss)})`,
        );
        const stop = this.earlyStopping.count(event.valLoss);
        if (stop && this.stopReason === null) {
          this.stopReason = stop;
          writer.log(RunLogLevel.INFO, `Stopping: ${stop}`);
        }
        writer.touch();
        break;
      }
      case 'checkpoint': {
        const row: Checkpoint = { id: randomUUID(), runId: run.id, step: event.step, path: event.path, best: event.best, final: event.final, createdAt: new Date() };
        run.lastCheckpoint = event.path;
        if (event.best) run.bestCheckpoint = event.path;
        // Points up to this step are written first, then the checkpoint is recorded as the resume point.
        writer.flush();
        this.summarize();
        writer.enqueue(async () => {
          await this.ctx.dataSource.getRepository(Checkpoint).insert(row);
          await this.repo().update({ id: run.id }, { lastCheckpoint: run.lastCheckpoint, bestCheckpoint: run.bestCheckpoint });
        });
        writer.log(RunLogLevel.INFO, `Checkpoint saved at step ${event.step}${event.best ? ' (best so far)' : ''}${event.final ? ' (final)' : ''}: ${event.path}`);
        break;
      }
      case 'status':
        run.status = event.status === 'PAUSED' ? RunStatus.PAUSED : RunStatus.IN_PROGRESS;
        run.stage = event.status === 'PAUSED' ? 'paused' : 'training';
        writer.flush();
        writer.log(RunLogLevel.INFO, `${event.status === 'PAUSED' ? 'Paused' : 'Resumed'} at step ${event.step}`);
        writer.enqueue(async () => {
          await this.repo().update({ id: run.id }, { status: run.status, stage: run.stage, updatedAt: new Date() });
          await this.publish();
        });
        break;
    }
  }

  /** A line with the newest step's numbers, at most one per step (an evaluation and a checkpoint may share a step). */
  private summarize(): void {
    const s = this.lastStep;
    if (!s || s.step === this.summarizedStep) return;
    this.summarizedStep = s.step;
    this.writer.log(
      RunLogLevel.INFO,
      `Step ${s.step}/${this.run.config.maxSteps}: loss ${num(s.loss)}, learning rate ${num(s.lr)}, gradient norm ${num(s.gradNorm)}, ${count(s.tokensPerSecond)} tokens/s, ${num(s.stepTimeMs)} ms/step, ${count(s.memoryBytes / 2 ** 20)} MiB`,
    );
  }

  /** Writes the run's last log line, then its final state (so a reader who sees the state finds the line). */
  private async finish(changes: Partial<TrainingRun> & { status: RunStatus }, [level, message]: [RunLogLevel, string]): Promise<void> {
    this.writer.log(level, message);
    await this.writer.settled();
    await this.repo().update({ id: this.run.id }, { ...changes, stage: 'done', workerId: null, heartbeatAt: null, requestedAction: null, finishedAt: new Date(), updatedAt: new Date() });
    await this.publish();
  }

  private publish(): Promise<void> {
    return publishRun(this.ctx.dataSource, this.ctx.pubSub, this.run.id);
  }

  private repo() {
    return this.ctx.dataSource.getRepository(TrainingRun);
  }
}
