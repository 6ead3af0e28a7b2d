// Evaluates a model version on a dataset version: perplexity and token accuracy over the
// validation tokens; BLEU, exact match, token F1 and label accuracy / macro F1 over greedy
// generations for the validation records; and custom metrics from plugins. Results are stored
// per version, so versions evaluated on the same dataset version compare side by side.
// A CLASSIFICATION model is evaluated by classifying the held-out (validation) split of a
// labelled version: accuracy, macro-F1, per-label scores and the confusion matrix.
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Tokenizer } from 'tokenizers';
import type { DataSource } from 'typeorm';
import { type NativeModel, openModel } from '../../../native/index.ts';
import type { AuditService } from '../audit/audit.service.ts';
import { type DatasetsService, labelSetProblems } from '../datasets/datasets.service.ts';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import { ForbiddenError, type FieldError, NotFoundError, ValidationError } from '../errors/domain-error.ts';
import type { ModelsService } from '../models/models.service.ts';
import { requireUser } from '../security/ownership.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import { hasRole, Role } from '../security/roles.ts';
import { evaluateClassifier } from './classification-evaluation.ts';
import { type ClassificationEvaluation, Evaluation, type MetricResult } from './evaluation.entity.ts';
import { loadMetricPlugins } from './metric-plugins.ts';
import { corpusBleu, exactMatch, labelScores, tokenF1 } from './text-metrics.ts';

export const BUILTIN_METRICS = {
  perplexity: 'exp(mean next-token cross-entropy) over validation tokens',
  token_accuracy: 'Share of validation tokens predicted exactly (argmax)',
  bleu: 'Corpus BLEU of greedy generations against the references (sacreBLEU, 13a)',
  exact_match: 'SQuAD exact match of generations and references',
  f1: 'SQuAD token-level F1 of generations and references',
  accuracy: 'Label accuracy: the first line of the generation equals the reference label',
  macro_f1: 'Macro-averaged F1 over the reference labels',
} as const;
type BuiltinMetric = keyof typeof BUILTIN_METRICS;
const SCORING: readonly string[] = ['perplexity', 'token_accuracy'];
/** What a CLASSIFICATION model is evaluated on (from its predicted labels; the per-label scores come with them). */
const CLASSIFIER_METRICS: readonly string[] = ['accuracy', 'macro_f1'];
/** Examples a classifier classifies per forward pass. */
const CLASSIFY_BATCH = 64;

export interface EvaluateOptions {
  /** Validation examples to generate for (to classify, for a classifier). Defaults to 32 (1000 for a classifier). */
  maxExamples?: number | null;
  /** Tokens generated per example. Defaults to 32. */
  maxNewTokens?: number | null;
  /** Validation windows (of the context length) scored. Defaults to 8. */
  maxWindows?: number | null;
}

export interface AvailableMetric {
  name: string;
  description: string;
  plugin: boolean;
  file: string | null;
}

/** One metric's latest value for a model version, and the evaluation that produced it. */
export interface LatestMetricResult {
  name: string;
  value: number | null;
  error: string | null;
  evaluationId: string;
  datasetVersionId: string;
  evaluatedAt: Date;
}

/** Evaluations of one version read for its latest results (newest first). */
const LATEST_RESULTS_SCAN = 500;

const RESPONSE = '<response>';

export class EvaluationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
    private readonly dataDir: string,
    /** Intra-op threads. Defaults to libtorch's. */
    private readonly threads: number | null = null,
  ) {}

  private get pluginsDir(): string {
    return join(this.dataDir, 'plugins');
  }

  async availableMetrics(): Promise<AvailableMetric[]> {
    const { metrics } = await loadMetricPlugins(this.pluginsDir);
    return [...Object.entries(BUILTIN_METRICS).map(([name, description]) => ({ name, description, plugin: false, file: null })), ...metrics.map((m) => ({ name: m.name, description: m.description ?? '', plugin: true, file: m.file }))];
  }

  async get(id: string): Promise<Evaluation> {
    const row = await this.dataSource.getRepository(Evaluation).findOneBy({ id });
    if (!row) throw new NotFoundError('Evaluation', id);
    return row;
  }

  list(filter: { modelVersionId?: string | null; datasetVersionId?: string | null } | null | undefined, page: PageArgs): Promise<Connection<Evaluation>> {
    const qb = this.dataSource.getRepository(Evaluation).createQueryBuilder('e');
    if (filter?.modelVersionId) qb.andWhere('e.modelVersionId = :mv', { mv: filter.modelVersionId });
    if (filter?.datasetVersionId) qb.andWhere('e.datasetVersionId = :dv', { dv: filter.datasetVersionId });
    return paginate(qb, { alias: 'e', sortProperty: 'createdAt', sortValue: (e) => e.createdAt.toISOString(), direction: SortDirection.DESC, page });
  }

  /**
   * The latest result of each metric ever computed for a model version, with the evaluation it
   * came from (so a caller can tell results on different dataset versions apart), by metric name.
   */
  async latestResults(modelVersionId: string): Promise<LatestMetricResult[]> {
    // Newest first; the first row that carries a metric is its latest result. Bounded: a version
    // evaluated more often than this keeps the metrics of its latest evaluations.
    const rows = await this.dataSource.getRepository(Evaluation).find({ where: { modelVersionId }, order: { createdAt: 'DESC', id: 'ASC' }, take: LATEST_RESULTS_SCAN });
    const latest = new Map<string, LatestMetricResult>();
    for (const row of rows)
      for (const result of row.results)
        if (!latest.has(result.name)) latest.set(result.name, { name: result.name, value: result.value, error: result.error ?? null, evaluationId: row.id, datasetVersionId: row.datasetVersionId, evaluatedAt: row.createdAt });
    return [...latest.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async evaluate(principal: Principal, modelVersionId: string, datasetVersionId: string, metrics: string[], options: EvaluateOptions, origin: RequestOrigin | null): Promise<Evaluation> {
    const user = requireUser(principal);
    if (!hasRole(user.role, Role.DEVELOPER)) throw new ForbiddenError('Evaluating needs the DEVELOPER role');
    const started = Date.now();
    const errors: FieldError[] = [];
    const version = await this.models.findVersion(modelVersionId);
    if (!version) errors.push({ field: 'modelVersionId', message: 'is not a model version' });
    else if (!version.checkpointPath) errors.push({ field: 'modelVersionId', message: 'has no weights (checkpointPath)' });
    const dataset = await this.datasets.getVersion(datasetVersionId);
    if (!dataset) errors.push({ field: 'datasetVersionId', message: 'is not a dataset version' });
    const owner = version ? await this.models.find(version.modelId) : null;
    const classifierLabels = owner?.task === 'classification' ? (owner.labels ?? []) : null;
    const { metrics: plugins } = await loadMetricPlugins(this.pluginsDir);
    const pluginByName = new Map(plugins.map((p) => [p.name, p]));
    if (metrics.length === 0) errors.push({ field: 'metrics', message: 'select at least one metric' });
    metrics.forEach((name, i) => {
      if (classifierLabels) {
        if (!CLASSIFIER_METRICS.includes(name)) errors.push({ field: `metrics[${i}]`, message: `"${name}" is not a metric of a CLASSIFICATION model; it offers ${CLASSIFIER_METRICS.join(' and ')}` });
      } else if (!(name in BUILTIN_METRICS) && !pluginByName.has(name)) errors.push({ field: `metrics[${i}]`, message: `unknown metric "${name}"; see evaluationMetrics` });
    });
    if (classifierLabels && dataset) errors.push(...labelSetProblems(classifierLabels, dataset.report.labels, 'evaluation', 'datasetVersionId'));
    const maxExamples = options.maxExamples ?? (classifierLabels ? 1000 : 32);
    const maxNewTokens = options.maxNewTokens ?? 32;
    const maxWindows = options.maxWindows ?? 8;
    for (const [field, value, max] of [
      ['maxExamples', maxExamples, 10_000],
      ['maxNewTokens', maxNewTokens, 4096],
      ['maxWindows', maxWindows, 10_000],
    ] as const) {
      if (!Number.isInteger(value) || value < 1 || value > max) errors.push({ field: `options.${field}`, message: `must be an integer from 1 to ${max}` });
    }
    if (errors.length) throw new ValidationError(errors);
    const checkpoint = version!.checkpointPath!;
    const results: MetricResult[] = [];
    const wanted = [...new Set(metrics)];

    // The model is opened once, for scoring and generation; a failure to open it is reported
    // where each of them would have met it.
    const model = await openModel({ checkpoint, device: 'cpu' }).catch((error: Error) => error);
    let scoredTokens = 0;
    let examples = 0;
    let classification: ClassificationEvaluation | null = null;
    try {
      // 0) a classifier: its labels on the held-out split
      if (classifierLabels) {
        if (model instanceof Error) throw model;
        const batches = this.datasets.labelledExamples(dataset!, { split: 'validation', labels: classifierLabels, maxTokens: model.info.model.contextLength, batchSize: CLASSIFY_BATCH, limit: maxExamples });
        const scores = await evaluateClassifier(model, batches, classifierLabels, this.threads);
        if (scores.examples === 0) throw ValidationError.single('datasetVersionId', 'has no validation records to evaluate a classifier on');
        examples = scores.examples;
        classification = { labels: classifierLabels, ...scores };
        if (wanted.includes('accuracy')) results.push({ name: 'accuracy', value: scores.accuracy });
        if (wanted.includes('macro_f1')) results.push({ name: 'macro_f1', value: scores.macroF1 });
      }

      // 1) scoring metrics: one forward pass over validation windows
      if (!classifierLabels && wanted.some((m) => SCORING.includes(m))) {
        try {
          const scored = await this.score(model, dataset!, maxWindows);
          scoredTokens = scored.tokens;
          if (wanted.includes('perplexity')) results.push({ name: 'perplexity', value: Math.exp(scored.meanLoss) });
          if (wanted.includes('token_accuracy')) results.push({ name: 'token_accuracy', value: scored.accuracy });
        } catch (error) {
          for (const name of wanted.filter((m) => SCORING.includes(m))) results.push({ name, value: null, error: (error as Error).message });
        }
      }

      // 2) generation metrics
      const generationMetrics = classifierLabels ? [] : wanted.filter((m) => !SCORING.includes(m));
      if (generationMetrics.length) {
        if (model instanceof Error) throw model;
        const { predictions, references } = await this.generate(model, dataset!, maxExamples, maxNewTokens);
        examples = predictions.length;
        const firstLines = predictions.map((p) => p.split('\n')[0]!.trim());
        const labels = labelScores(firstLines, references);
        for (const name of generationMetrics) {
          try {
            const value = await this.generationMetric(name as BuiltinMetric, predictions, references, labels, pluginByName);
            results.push({ name, value: Number.isFinite(value) ? value : null });
          } catch (error) {
            results.push({ name, value: null, error: (error as Error).message });
          }
        }
      }
    } finally {
      if (!(model instanceof Error)) model.dispose();
    }
    const evaluation: Evaluation = {
      id: randomUUID(),
      modelVersionId,
      datasetVersionId,
      results: wanted.map((name) => results.find((r) => r.name === name)!),
      examples,
      scoredTokens,
      classification,
      createdBy: user.id,
      durationMs: Date.now() - started,
      createdAt: new Date(),
    };
    await this.dataSource.getRepository(Evaluation).insert(evaluation);
    await this.audit.record({ action: 'evaluation.created', actor: principal, origin, targetType: 'Evaluation', targetId: evaluation.id, after: { modelVersionId, datasetVersionId, metrics: wanted } });
    return evaluation;
  }

  private async generationMetric(name: string, predictions: string[], references: string[], labels: { accuracy: number; macroF1: number }, plugins: Map<string, { metric(p: string[], r: string[]): number | Promise<number> }>): Promise<number> {
    switch (name) {
      case 'bleu':
        return corpusBleu(predictions, [references]).score;
      case 'exact_match':
        return exactMatch(predictions, references);
      case 'f1':
        return tokenF1(predictions, references);
      case 'accuracy':
        return labels.accuracy;
      case 'macro_f1':
        return labels.macroF1;
      default: {
        const value = await plugins.get(name)!.metric(predictions, references);
        if (typeof value !== 'number') throw new TypeError(`metric plugin "${name}" returned ${typeof value}, not a number`);
        return value;
      }
    }
  }

  /**
   * Mean loss and argmax accuracy over up to maxWindows consecutive validation windows, reading
   * only those windows' bytes of the shard.
   */
  private async score(model: NativeModel | Error, dataset: NonNullable<Awaited<ReturnType<DatasetsService['getVersion']>>>, maxWindows: number): Promise<{ meanLoss: number; accuracy: number; tokens: number }> {
    const shard = dataset.shards.find((s) => s.split === 'validation' && s.tokens > 1) ?? dataset.shards.find((s) => s.split === 'train' && s.tokens > 1);
    if (!shard) throw new Error('the dataset version has no tokens to score');
    if (model instanceof Error) throw model;
    const context = model.info.model.contextLength;
    const window = Math.min(context, shard.tokens - 1);
    const count = Math.max(1, Math.min(maxWindows, Math.floor((shard.tokens - 1) / window)));
    const tokens = await readTokens(shard.path, shard.dtype, count * window + 1);
    const inputs: number[][] = [];
    const targets: number[][] = [];
    for (let w = 0; w < count; w++) {
      const start = w * window;
      inputs.push(Array.from(tokens.subarray(start, start + window)));
      targets.push(Array.from(tokens.subarray(start + 1, start + window + 1)));
    }
    const scored = await model.score({ inputs, targets, ...(this.threads ? { threads: this.threads } : {}) });
    return { meanLoss: scored.loss, accuracy: scored.correct / scored.tokens, tokens: scored.tokens };
  }

  /**
   * Greedy generations for validation records: a record with <response> is prompted with what
   * precedes the response and judged against the response; plain text is prompted with its first
   * half and judged against the text that follows.
   */
  private async generate(model: NativeModel, dataset: NonNullable<Awaited<ReturnType<DatasetsService['getVersion']>>>, maxExamples: number, maxNewTokens: number): Promise<{ predictions: string[]; references: string[] }> {
    const { json, encoder } = await this.datasets.versionTokenizer(dataset);
    const decoder = Tokenizer.fromString(json);
    const chosen = await chooseRecords(this.datasets.recordsPath(dataset), maxExamples);
    const context = model.info.model.contextLength;
    const budget = Math.max(1, context - Math.min(maxNewTokens, context - 1));
    const newTokens = Math.min(maxNewTokens, context - 1);
    const predictions: string[] = [];
    const references: string[] = [];
    for (const record of chosen) {
      let promptText: string;
      let reference: string;
      const at = record.text.indexOf(RESPONSE);
      let promptIds: number[];
      if (at >= 0) {
        promptText = record.text.slice(0, at + RESPONSE.length);
        reference = record.text.slice(at + RESPONSE.length).trim();
        promptIds = (await encoder.encodeBatch([promptText])).ids[0]!;
      } else {
        const ids = (await encoder.encodeBatch([record.text])).ids[0]!;
        if (ids.length < 2) continue;
        const cut = Math.max(1, Math.min(Math.floor(ids.length / 2), budget));
        promptIds = ids.slice(0, cut);
        reference = (await decoder.decode(ids.slice(cut, cut + newTokens), true)).trim();
      }
      promptIds = promptIds.slice(-budget);
      if (promptIds.length === 0) promptIds = [encoder.endOfTextId];
      const result = await model.generate({ prompts: [promptIds], maxNewTokens: newTokens, temperature: 0, stopTokens: [encoder.endOfTextId], ...(this.threads ? { threads: this.threads } : {}) });
      const generated = result.sequences[0]!.filter((t) => t !== encoder.endOfTextId);
      predictions.push((await decoder.decode(generated, true)).trim());
      references.push(reference);
    }
    return { predictions, references };
  }
}

/** The first `count` tokens of a shard, read without the rest of the file. */
async function readTokens(path: string, dtype: string, count: number): Promise<Uint16Array | Uint32Array> {
  const width = dtype === 'uint32' ? 4 : 2;
  const bytes = new Uint8Array(count * width);
  const file = await open(path, 'r');
  try {
    const { bytesRead } = await file.read(bytes, 0, bytes.byteLength, 0);
    if (bytesRead < bytes.byteLength) throw new Error(`${path} holds fewer tokens than its header says`);
  } finally {
    await file.close();
  }
  return width === 4 ? new Uint32Array(bytes.buffer) : new Uint16Array(bytes.buffer);
}

/**
 * The records to generate for, streamed: the first maxExamples validation records with text, or,
 * when the version has no validation records, the first maxExamples records with text.
 */
async function chooseRecords(path: string, maxExamples: number): Promise<Array<{ text: string; split: string }>> {
  const validation: Array<{ text: string; split: string }> = [];
  const any: Array<{ text: string; split: string }> = [];
  let sawValidation = false;
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      const record = JSON.parse(line) as { text: string; split: string };
      const hasText = Boolean(record.text.trim());
      if (record.split === 'validation') {
        sawValidation = true;
        if (hasText) validation.push(record);
        if (validation.length >= maxExamples) break;
      }
      if (hasText && any.length < maxExamples) any.push(record);
    }
  } finally {
    lines.close();
  }
  return sawValidation ? validation : any;
}
