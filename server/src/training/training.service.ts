// Training runs: validate and queue, list and read, control (pause, resume, cancel) and metric
// history. The runner (training.runner.ts) does the training; control requests are written to
// the run row, so the process holding the run applies them, whichever process that is.
import { randomUUID } from 'node:crypto';
import { type DataSource, MoreThan } from 'typeorm';
import type { AuditService } from '../audit/audit.service.ts';
import { type DatasetsService, labelSetProblems } from '../datasets/datasets.service.ts';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import { ConflictError, ForbiddenError, type FieldError, NotFoundError, ValidationError } from '../errors/domain-error.ts';
import type { ModelsService } from '../models/models.service.ts';
import type { Model, ModelVersion } from '../models/models.types.ts';
import { assertCanModify, requireUser } from '../security/ownership.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import { hasRole, Role } from '../security/roles.ts';
import { progressText, validateTrainingConfig } from './training.config.ts';
import { RunLog } from './run-log.ts';
import { Checkpoint, FINISHED_STATUSES, MetricPoint, type RequestedAction, RunLogLevel, RunLogLine, RunStatus, TrainingRun } from './training.entity.ts';
import { type MetricHistoryArgs, type StartTrainingRunInput, type TrainingRunFilter, type TrainingRunOrder, TrainingRunOrderField } from './training.inputs.ts';
import type { TrainingRunner } from './training.runner.ts';

export const DEFAULT_HISTORY_POINTS = 1000;
export const MAX_HISTORY_POINTS = 20_000;

function auditView(run: TrainingRun): Record<string, unknown> {
  return { id: run.id, status: run.status, modelId: run.modelId, baseVersionId: run.baseVersionId, datasetVersionId: run.datasetVersionId, config: run.config };
}

export class TrainingService {
  private runner: TrainingRunner | null = null;
  /** Lines written here are of runs no process trains now; the relay publishes them to subscribers. */
  private readonly runLog: RunLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
  ) {
    this.runLog = new RunLog(dataSource);
  }

  /** The runner of this process, told about new runs and control requests at once. */
  attachRunner(runner: TrainingRunner): void {
    this.runner = runner;
  }

  private repo() {
    return this.dataSource.getRepository(TrainingRun);
  }

  async get(id: string): Promise<TrainingRun> {
    const run = await this.repo().findOneBy({ id });
    if (!run) throw new NotFoundError('TrainingRun', id);
    return run;
  }

  list(filter: TrainingRunFilter | null | undefined, order: TrainingRunOrder | null | undefined, page: PageArgs): Promise<Connection<TrainingRun>> {
    const qb = this.repo().createQueryBuilder('r');
    if (filter?.status) qb.andWhere('r.status = :status', { status: filter.status });
    if (filter?.modelId) qb.andWhere('r.modelId = :modelId', { modelId: filter.modelId });
    if (filter?.ownerId) qb.andWhere('r.ownerId = :ownerId', { ownerId: filter.ownerId });
    if (filter?.datasetVersionId) qb.andWhere('r.datasetVersionId = :dv', { dv: filter.datasetVersionId });
    const byUpdated = order?.field === TrainingRunOrderField.UPDATED_AT;
    return paginate(qb, {
      alias: 'r',
      sortProperty: byUpdated ? 'updatedAt' : 'createdAt',
      sortValue: (r) => (byUpdated ? r.updatedAt : r.createdAt).toISOString(),
      direction: order?.direction ?? SortDirection.DESC,
      page,
    });
  }

  /** The log of a run, oldest line first. */
  async logs(runId: string, page: PageArgs): Promise<Connection<RunLogLine>> {
    await this.get(runId);
    const qb = this.dataSource.getRepository(RunLogLine).createQueryBuilder('l').where('l.runId = :runId', { runId });
    return paginate(qb, { alias: 'l', sortProperty: 'sequence', sortValue: (l) => l.sequence, direction: SortDirection.ASC, page });
  }

  async start(principal: Principal, input: StartTrainingRunInput, origin: RequestOrigin | null): Promise<TrainingRun> {
    const user = requireUser(principal);
    if (!hasRole(user.role, Role.DEVELOPER)) throw new ForbiddenError('Training needs the DEVELOPER role');
    const errors: FieldError[] = [];
    let model: Model | null = null;
    let base: ModelVersion | null = null;
    if (input.baseVersionId) {
      base = await this.models.findVersion(input.baseVersionId);
      if (!base) errors.push({ field: 'input.baseVersionId', message: 'is not a model version' });
      else if (!base.checkpointPath) errors.push({ field: 'input.baseVersionId', message: 'has no weights (checkpointPath) to train from' });
      else if (input.modelId && input.modelId !== base.modelId) {
        // A classifier may start from another model's version: a causal LM's transformer, given a fresh score head.
        const target = await this.models.find(input.modelId);
        const problem = headStartProblem(target, await this.models.find(base.modelId));
        if (problem) errors.push({ field: 'input.modelId', message: problem });
        else model = target;
      }
      if (base && !model) model = await this.models.find(base.modelId);
    } else if (input.modelId) {
      model = await this.models.find(input.modelId);
      if (!model) errors.push({ field: 'input.modelId', message: 'is not a model' });
    } else errors.push({ field: 'input.modelId', message: 'give a modelId (train from scratch) or a baseVersionId (fine-tune)' });
    const version = await this.datasets.getVersion(input.datasetVersionId);
    if (!version) errors.push({ field: 'input.datasetVersionId', message: 'is not a dataset version' });
    else if (model && version.vocabSize > model.vocabSize) {
      errors.push({ field: 'input.datasetVersionId', message: `its tokenizer has ${version.vocabSize} tokens but the model's vocabulary has ${model.vocabSize}` });
    } else if (base && version) {
      // A base version whose vocabulary is a known tokenizer (an import) only fits data tokenized with that tokenizer.
      const baseTokenizer = await this.models.versionTokenizerSha256(base.id);
      const dataTokenizer = (version.sourceOptions as { tokenizerSha256?: unknown } | null)?.tokenizerSha256;
      if (baseTokenizer && typeof dataTokenizer === 'string' && dataTokenizer !== baseTokenizer) {
        errors.push({
          field: 'input.datasetVersionId',
          message: `was tokenized with another tokenizer (sha256 ${dataTokenizer.slice(0, 12)}…) than the vocabulary of base version ${base.id} (sha256 ${baseTokenizer.slice(0, 12)}…); create the dataset with tokenizerFromModelVersionId: "${base.id}"`,
        });
      }
    }
    if (version && model?.task === 'classification') errors.push(...labelSetProblems(model.labels ?? [], version.report.labels, 'training', 'input.datasetVersionId'));
    if (model) assertCanModify(principal, model.ownerId, 'model');
    // A classifier's step takes batchSize examples; counted as context-length windows, the epoch arithmetic of the config holds.
    const examples = model?.task === 'classification' && version?.report.labels ? version.report.labels : null;
    const windows = (split: 'train' | 'validation'): number => examples!.reduce((a, l) => a + l[split], 0) * (model?.contextLength ?? 1);
    const { config, errors: configErrors } = validateTrainingConfig(input.config, {
      trainTokens: examples ? windows('train') : (version?.trainTokens ?? Number.MAX_SAFE_INTEGER),
      validationTokens: examples ? windows('validation') : (version?.validationTokens ?? 0),
      contextLength: model?.contextLength ?? 1,
      hasBase: Boolean(input.baseVersionId),
    });
    errors.push(...configErrors);
    if (errors.length) throw new ValidationError(errors);
    const now = new Date();
    const run: TrainingRun = {
      id: randomUUID(),
      ownerId: user.id,
      modelId: model!.id,
      baseVersionId: base?.id ?? null,
      datasetVersionId: version!.id,
      config,
      status: RunStatus.QUEUED,
      stage: 'queued',
      progress: progressText(0, config),
      step: 0,
      maxSteps: config.maxSteps,
      lastLoss: null,
      bestValLoss: null,
      failureReason: null,
      stopReason: null,
      workerId: null,
      heartbeatAt: null,
      requestedAction: null,
      lastCheckpoint: null,
      bestCheckpoint: null,
      resultVersionId: null,
      attempts: 0,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      updatedAt: now,
    };
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(TrainingRun).insert(run);
      await this.audit.record({ action: 'training_run.started', actor: principal, origin, targetType: 'TrainingRun', targetId: run.id, after: auditView(run) }, manager);
    });
    await this.runLog.append(
      run.id,
      RunLogLevel.INFO,
      `Queued by ${user.email}: model "${model!.name}"${base ? ` from its version ${base.version}` : ''} on dataset version ${version!.version} (${version!.id}), ${config.maxSteps} steps on ${config.device}`,
      false,
    );
    void this.runner?.poll();
    return run;
  }

  async pause(principal: Principal, id: string, origin: RequestOrigin | null): Promise<TrainingRun> {
    const run = await this.controllable(principal, id);
    if (run.status === RunStatus.PAUSED) return run;
    if (run.status !== RunStatus.IN_PROGRESS) throw new ConflictError(`Only a run in progress can be paused; this one is ${run.status}`);
    return this.request(principal, run, 'PAUSE', origin);
  }

  async resume(principal: Principal, id: string, origin: RequestOrigin | null): Promise<TrainingRun> {
    const run = await this.controllable(principal, id);
    if (run.status === RunStatus.IN_PROGRESS && run.requestedAction !== 'PAUSE') return run;
    if (run.status !== RunStatus.PAUSED && run.status !== RunStatus.IN_PROGRESS) throw new ConflictError(`Only a paused run can be resumed; this one is ${run.status}`);
    if (run.status === RunStatus.PAUSED && run.workerId === null) {
      // Its worker stopped while it was paused: queue it to resume from its last checkpoint.
      const result = await this.repo().update({ id, status: RunStatus.PAUSED, workerId: null as unknown as undefined }, { status: RunStatus.QUEUED, stage: 'queued', updatedAt: new Date() });
      if (!result.affected) throw new ConflictError('The run changed meanwhile; try again');
      await this.audit.record({ action: 'training_run.resumed', actor: principal, origin, targetType: 'TrainingRun', targetId: id });
      await this.runLog.append(id, RunLogLevel.INFO, `Resume requested by ${requireUser(principal).email}; queued to continue from ${run.lastCheckpoint ?? 'the start'}`, false);
      await this.runner?.publishRun(id);
      void this.runner?.poll();
      return this.get(id);
    }
    return this.request(principal, run, 'RESUME', origin);
  }

  async cancel(principal: Principal, id: string, origin: RequestOrigin | null): Promise<TrainingRun> {
    const run = await this.controllable(principal, id);
    if (FINISHED_STATUSES.includes(run.status)) throw new ConflictError(`The run already ended (${run.status})`);
    if (run.status === RunStatus.QUEUED || (run.status === RunStatus.PAUSED && run.workerId === null)) {
      const now = new Date();
      const result = await this.repo()
        .createQueryBuilder()
        .update(TrainingRun)
        .set({ status: RunStatus.CANCELLED, stage: 'done', stopReason: 'cancelled by a user', finishedAt: now, updatedAt: now })
        .where('id = :id AND status = :status AND worker_id IS NULL', { id, status: run.status })
        .execute();
      if (result.affected) {
        await this.audit.record({ action: 'training_run.cancelled', actor: principal, origin, targetType: 'TrainingRun', targetId: id });
        await this.runLog.append(id, RunLogLevel.INFO, `Cancelled by ${requireUser(principal).email} while ${run.status === RunStatus.QUEUED ? 'queued' : 'paused with no worker'}`, false);
        await this.runner?.publishRun(id);
        return this.get(id);
      }
      // A worker claimed it meanwhile: ask that worker.
      return this.request(principal, await this.get(id), 'CANCEL', origin);
    }
    return this.request(principal, run, 'CANCEL', origin);
  }

  private async controllable(principal: Principal, id: string): Promise<TrainingRun> {
    const run = await this.get(id);
    assertCanModify(principal, run.ownerId, 'training run');
    return run;
  }

  /** Records the request on the run; the worker holding it applies it at the next step boundary. */
  private async request(principal: Principal, run: TrainingRun, action: RequestedAction, origin: RequestOrigin | null): Promise<TrainingRun> {
    await this.repo().update({ id: run.id }, { requestedAction: action, updatedAt: new Date() });
    await this.audit.record({ action: `training_run.${action.toLowerCase()}_requested`, actor: principal, origin, targetType: 'TrainingRun', targetId: run.id });
    await this.runner?.poll();
    return this.get(run.id);
  }

  checkpoints(runId: string): Promise<Checkpoint[]> {
    return this.dataSource.getRepository(Checkpoint).find({ where: { runId }, order: { step: 'ASC' } });
  }

  /**
   * Metric points of a run by name, in step order. A series longer than maxPoints is
   * downsampled in the database to min/max buckets (two points per bucket keep spikes visible).
   */
  async metricHistory(runId: string, args: MetricHistoryArgs): Promise<MetricPoint[]> {
    const maxPoints = args.maxPoints ?? DEFAULT_HISTORY_POINTS;
    if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > MAX_HISTORY_POINTS) throw ValidationError.single('maxPoints', `must be an integer from 2 to ${MAX_HISTORY_POINTS}`);
    const afterStep = args.afterStep ?? -1;
    const repo = this.dataSource.getRepository(MetricPoint);
    const stats = repo
      .createQueryBuilder('p')
      .select('p.name', 'name')
      .addSelect('COUNT(*)', 'count')
      .addSelect('MIN(p.step)', 'first')
      .addSelect('MAX(p.step)', 'last')
      .where('p.runId = :runId AND p.step > :afterStep', { runId, afterStep })
      .groupBy('p.name');
    if (args.names?.length) stats.andWhere('p.name IN (:...names)', { names: args.names });
    const series = await stats.getRawMany<{ name: string; count: string | number; first: string | number; last: string | number }>();
    const out: MetricPoint[] = [];
    for (const s of series.sort((a, b) => a.name.localeCompare(b.name))) {
      const count = Number(s.count);
      if (count <= maxPoints) {
        out.push(...(await repo.find({ where: { runId, name: s.name, step: MoreThan(afterStep) }, order: { step: 'ASC' } })));
        continue;
      }
      const first = Number(s.first);
      const width = Math.max(1, Math.ceil((Number(s.last) - first + 1) / Math.floor(maxPoints / 2)));
      // width and first are integers computed here, so inlining them is safe and keeps the integer division on both engines.
      const rows = await repo
        .createQueryBuilder('p')
        .select(`(p.step - ${first}) / ${width}`, 'bucket')
        .addSelect('MIN(p.value)', 'min')
        .addSelect('MAX(p.value)', 'max')
        .addSelect('MIN(p.step)', 'firstStep')
        .addSelect('MAX(p.step)', 'lastStep')
        .addSelect('MAX(p.time)', 'time')
        .where('p.runId = :runId AND p.name = :name AND p.step > :afterStep', { runId, name: s.name, afterStep })
        .groupBy('bucket')
        .orderBy('bucket', 'ASC')
        .getRawMany<{ min: number | string | null; max: number | string | null; firstStep: number | string; lastStep: number | string; time: string }>();
      for (const r of rows) {
        const num = (v: number | string | null): number | null => (v === null ? null : Number(v));
        out.push({ runId, name: s.name, step: Number(r.firstStep), value: num(r.min), time: new Date(r.time) });
        if (Number(r.lastStep) !== Number(r.firstStep)) out.push({ runId, name: s.name, step: Number(r.lastStep), value: num(r.max), time: new Date(r.time) });
      }
    }
    return out;
  }
}

/** The transformer fields a classifier shares with the causal LM it starts from. */
const TRANSFORMER_FIELDS = ['vocabSize', 'contextLength', 'layers', 'heads', 'embeddingWidth', 'bias'] as const;

/**
 * Why `target` cannot start from a version of `source` (another model), or null: only a
 * classifier starts from a causal language model, and their transformers must have one shape.
 */
export function headStartProblem(target: Model | null, source: Model | null): string | null {
  if (!target) return 'is not a model';
  if (target.task !== 'classification' || !source) return 'must be the model of baseVersionId (or left out); only a CLASSIFICATION model starts from another model’s version';
  if (source.task === 'classification') return 'a classifier starts from a causal language model’s version, and baseVersionId is a classifier’s';
  const different = TRANSFORMER_FIELDS.filter((field) => target[field] !== source[field]);
  return different.length ? `its transformer differs from baseVersionId’s model in ${different.map((f) => `${f} (${String(target[f])} vs ${String(source[f])})`).join(', ')}` : null;
}
