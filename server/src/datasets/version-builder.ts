// The version builder: turns a finished upload into a dataset with version 1, or a version and
// a declared pipeline into the next version, each built (validated, tokenized, sharded) in
// datasets/.tmp-<id> and renamed to datasets/<id> when complete; a crash leaves only folders
// that the clean-up here removes. Versions are immutable: content-addressed by their inputs.
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import type { Logger } from '../logging/logger.ts';
import type { ModelsService } from '../models/models.service.ts';
import type { RequestOrigin } from '../security/principal.ts';
import { assertOwnerOrAdmin, auditActor, datasetSummary, type DatasetsActor, newOwnerId, versionSummary } from './dataset-actor.ts';
import type { DatasetQueries } from './dataset-queries.ts';
import { Dataset, DatasetVersion, Upload } from './datasets.entity.ts';
import { DatasetError } from './datasets.errors.ts';
import type { CreateDatasetInput, DatasetType, DatasetVersionType, RunPipelineInput } from './datasets.types.ts';
import { DATASET_FORMATS, type DatasetFormat, formatFromFilename } from './formats/formats.ts';
import { buildVersion, type BuiltVersion, discardWork, RECORDS_FILE, TOKENIZER_FILE, type VersionSource } from './ingest.ts';
import { canonicalJson, type Pipeline, parsePipeline, pipelineHash } from './pipeline.ts';
import { type LoadedPlugin, loadPlugins } from './plugins.ts';
import { DEFAULT_VOCAB_SIZE } from './tokenizer.ts';
import { readdirSafe, statSafeOlderThan, type UploadStore } from './upload-store.ts';

/** What a dataset build asks the models domain: the tokenizer.json of a model version. */
export type ModelTokenizers = Pick<ModelsService, 'versionTokenizerJson'>;

export interface VersionBuilderOptions {
  /** datasets/: one folder per version. */
  versionsDir: string;
  /** plugins/: user pipeline steps. */
  pluginsDir: string;
  logger: Logger;
  /** The tokenizers stored with model versions (tokenizerFromModelVersionId); without it that option is refused. */
  modelTokenizers?: ModelTokenizers;
}

interface VersionMeta {
  format: DatasetFormat;
  sourceOptions: object;
  sourceSha256: string | null;
  sourceBytes: number;
  sourceFilename: string;
  parentVersionId: string | null;
  pipeline: { json: string; hash: string } | null;
}

function checkVocabSize(vocabSize: number | null | undefined): void {
  if (vocabSize != null && !(Number.isSafeInteger(vocabSize) && vocabSize >= 260 && vocabSize <= 1_000_000)) {
    throw new DatasetError('INVALID_DATASET_INPUT', `vocabSize must be an integer between 260 and 1000000 (got ${vocabSize})`);
  }
}

export class VersionBuilder {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly options: VersionBuilderOptions,
    private readonly uploads: UploadStore,
    private readonly queries: DatasetQueries,
  ) {}

  /** Work folders of a build that never finished (a crash) are removed at start. */
  removeLeftovers(): void {
    const { versionsDir } = this.options;
    for (const name of readdirSafe(versionsDir)) if (name.startsWith('.tmp-')) rmSync(join(versionsDir, name), { recursive: true, force: true });
  }

  /** Version folders renamed into place whose database row never came (a crash in between), once older than maxAgeMs; returns how many. */
  async removeOrphans(maxAgeMs: number): Promise<number> {
    const { versionsDir } = this.options;
    const versions = new Set((await this.dataSource.getRepository(DatasetVersion).find({ select: { id: true } })).map((v) => v.id));
    let removed = 0;
    for (const name of readdirSafe(versionsDir)) {
      if (!name.startsWith('.') && !versions.has(name) && statSafeOlderThan(join(versionsDir, name), maxAgeMs)) {
        rmSync(join(versionsDir, name), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Turns a finished upload of the actor into a dataset with version 1 (validated, tokenized, sharded), owned by the actor. */
  async createDataset(actor: DatasetsActor, input: CreateDatasetInput, origin: RequestOrigin | null): Promise<DatasetType> {
    const ownerId = newOwnerId(actor, 'Creating datasets');
    const name = input.name.trim();
    if (!name || name.length > 200) throw new DatasetError('INVALID_DATASET_INPUT', 'name must be 1 to 200 characters');
    checkVocabSize(input.vocabSize);
    if (input.csvDelimiter != null && input.csvDelimiter.length !== 1) throw new DatasetError('INVALID_DATASET_INPUT', 'csvDelimiter must be one character');
    const upload = await this.uploads.completed(actor, input.uploadId);
    if (await this.dataSource.getRepository(Dataset).findOneBy({ name })) throw new DatasetError('DATASET_NAME_TAKEN', `a dataset named "${name}" already exists`);
    const format: DatasetFormat | null = (input.format as DatasetFormat | null | undefined) ?? formatFromFilename(upload.filename);
    if (!format || !DATASET_FORMATS.includes(format)) {
      throw new DatasetError('INVALID_DATASET_INPUT', `cannot tell the format of "${upload.filename}" from its name; pass format (${DATASET_FORMATS.join(', ')})`);
    }
    if ([input.tokenizerFromVersionId, input.tokenizerUploadId, input.tokenizerFromModelVersionId].filter(Boolean).length > 1) {
      throw new DatasetError('INVALID_DATASET_INPUT', 'choose one of tokenizerFromVersionId, tokenizerUploadId or tokenizerFromModelVersionId');
    }
    const tokenizerJson = input.tokenizerFromVersionId
      ? await this.readTokenizer(input.tokenizerFromVersionId)
      : input.tokenizerUploadId
        ? await this.uploads.readTokenizer(actor, input.tokenizerUploadId)
        : input.tokenizerFromModelVersionId
          ? await this.readModelTokenizer(input.tokenizerFromModelVersionId)
          : null;
    this.uploads.reserve(upload.id);
    try {
      const read = {
        format,
        ...(input.textDocuments ? { textDocuments: input.textDocuments } : {}),
        ...(input.csvDelimiter ? { csvDelimiter: input.csvDelimiter } : {}),
        ...(input.csvHeader != null ? { csvHeader: input.csvHeader } : {}),
        ...(input.compression ? { compression: input.compression } : {}),
      };
      const mapping = { textFields: input.textFields ?? null, promptField: input.promptField ?? null, responseField: input.responseField ?? null, separator: input.separator ?? null, labelField: input.labelField ?? null };
      const datasetId = randomUUID();
      const versionId = randomUUID();
      const { built, directory } = await this.build(versionId, {
        source: { kind: 'file', path: this.uploads.path(upload.id), read, mapping },
        pipeline: { steps: [] },
        plugins: [],
        badRows: input.badRows ?? 'fail',
        tokenizer: tokenizerJson ? { json: tokenizerJson } : { vocabSize: input.vocabSize ?? DEFAULT_VOCAB_SIZE },
      });
      try {
        const dataset: Dataset = { id: datasetId, name, description: input.description ?? '', ownerId, createdAt: new Date().toISOString() };
        const version = this.versionRow(versionId, datasetId, 1, built, {
          format,
          sourceOptions: {
            ...read,
            badRows: input.badRows ?? 'fail',
            mapping: built.mapping,
            tokenizerFromVersionId: input.tokenizerFromVersionId ?? null,
            tokenizerUploadId: input.tokenizerUploadId ?? null,
            tokenizerFromModelVersionId: input.tokenizerFromModelVersionId ?? null,
          },
          sourceSha256: upload.sha256,
          sourceBytes: upload.sizeBytes,
          sourceFilename: upload.filename,
          parentVersionId: null,
          pipeline: null,
        });
        await this.dataSource.transaction(async (manager) => {
          await manager.getRepository(Dataset).insert(dataset);
          await manager.getRepository(DatasetVersion).insert(version);
          await manager.getRepository(Upload).delete({ id: upload.id });
          await this.audit.record({ action: 'dataset.created', actor: auditActor(actor), origin, targetType: 'Dataset', targetId: datasetId, after: datasetSummary(dataset, [version]) }, manager);
        });
      } catch (error) {
        rmSync(directory, { recursive: true, force: true });
        if (isUniqueViolation(error)) throw new DatasetError('DATASET_NAME_TAKEN', `a dataset named "${name}" already exists`);
        throw error;
      }
      this.uploads.keepAsBlob(upload);
      this.options.logger.info({ dataset: name, versionId, records: built.recordCount }, 'dataset created');
      return (await this.queries.getDataset(datasetId))!;
    } finally {
      this.uploads.release(upload.id);
    }
  }

  /** Runs a declared pipeline on a version; the result is a new version of the same dataset (a change: owner or admin). */
  async runPipeline(actor: DatasetsActor, input: RunPipelineInput, origin: RequestOrigin | null): Promise<DatasetVersionType> {
    const parent = await this.queries.versionRow(input.versionId);
    const dataset = await this.dataSource.getRepository(Dataset).findOneBy({ id: parent.datasetId });
    if (!dataset) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `no dataset version with id ${input.versionId}`);
    assertOwnerOrAdmin(actor, dataset.ownerId, 'dataset', 'change');
    checkVocabSize(input.vocabSize);
    let declared: unknown = input.pipeline;
    if (typeof declared === 'string') {
      try {
        declared = JSON.parse(declared);
      } catch (error) {
        throw new DatasetError('INVALID_DATASET_INPUT', `pipeline is not valid JSON: ${(error as Error).message}`);
      }
    }
    const { plugins } = await loadPlugins(this.options.pluginsDir);
    const pipeline: Pipeline = parsePipeline(declared, plugins);
    const hash = pipelineHash(pipeline, plugins);
    const versionId = randomUUID();
    const parentDirectory = join(this.options.versionsDir, parent.id);
    const { built, directory } = await this.build(versionId, {
      source: { kind: 'parent', recordsPath: join(parentDirectory, RECORDS_FILE) },
      pipeline,
      plugins,
      badRows: 'fail',
      tokenizer: input.vocabSize ? { vocabSize: input.vocabSize } : { json: readFileSync(join(parentDirectory, TOKENIZER_FILE), 'utf8') },
    });
    writeFileSync(join(directory, 'pipeline.json'), JSON.stringify(pipeline, null, 2) + '\n');
    try {
      await this.dataSource.transaction(async (manager) => {
        const repo = manager.getRepository(DatasetVersion);
        const last = await repo.findOne({ where: { datasetId: parent.datasetId }, order: { version: 'DESC' } });
        const row = this.versionRow(versionId, parent.datasetId, (last?.version ?? 0) + 1, built, {
          format: parent.format as DatasetFormat,
          sourceOptions: { ...(JSON.parse(parent.sourceOptions) as object), vocabSize: input.vocabSize ?? null },
          sourceSha256: null,
          sourceBytes: parent.sourceBytes,
          sourceFilename: parent.sourceFilename,
          parentVersionId: parent.id,
          pipeline: { json: canonicalJson(pipeline), hash },
        });
        await repo.insert(row);
        await this.audit.record(
          {
            action: 'dataset_version.created',
            actor: auditActor(actor),
            origin,
            targetType: 'DatasetVersion',
            targetId: versionId,
            before: { datasetId: dataset.id, datasetName: dataset.name, latestVersion: last ? versionSummary(last) : null },
            after: { datasetId: dataset.id, datasetName: dataset.name, ...versionSummary(row), pipeline },
          },
          manager,
        );
      });
    } catch (error) {
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
    return (await this.queries.getVersion(versionId))!;
  }

  /** The tokenizer.json of a version, to reuse for a new dataset. */
  /** The tokenizer stored with a model version (e.g. an imported base model), so that its data fits the model's vocabulary. */
  private async readModelTokenizer(modelVersionId: string): Promise<string> {
    if (!this.options.modelTokenizers) throw new DatasetError('INVALID_DATASET_INPUT', 'tokenizerFromModelVersionId is not available on this server');
    return this.options.modelTokenizers.versionTokenizerJson(modelVersionId, 'input.tokenizerFromModelVersionId');
  }

  private async readTokenizer(versionId: string): Promise<string> {
    const version = await this.queries.versionRow(versionId);
    return readFileSync(join(this.options.versionsDir, version.id, TOKENIZER_FILE), 'utf8');
  }

  /** Builds into datasets/.tmp-<id>, then renames it to datasets/<id>; removes it on any failure. */
  private async build(
    versionId: string,
    options: { source: VersionSource; pipeline: Pipeline; plugins: readonly LoadedPlugin[]; badRows: 'fail' | 'skip'; tokenizer: { vocabSize: number } | { json: string } },
  ): Promise<{ built: BuiltVersion; directory: string }> {
    const workDir = join(this.options.versionsDir, `.tmp-${versionId}`);
    const directory = join(this.options.versionsDir, versionId);
    try {
      const built = await buildVersion({ workDir, ...options });
      renameSync(workDir, directory);
      return { built, directory };
    } catch (error) {
      discardWork(workDir);
      throw error;
    }
  }

  /** The row of a built version; what the API says of its shards comes from here (see DatasetQueries). */
  private versionRow(id: string, datasetId: string, version: number, built: BuiltVersion, meta: VersionMeta): DatasetVersion {
    const tokens = (split: string): number => built.shards.find((s) => s.split === split)?.header.count ?? 0;
    return {
      id,
      datasetId,
      version,
      format: meta.format,
      sourceOptions: JSON.stringify({ ...meta.sourceOptions, shards: built.shards.map((s) => ({ split: s.split, name: s.name })), tokenizerSha256: built.tokenizerSha256 }),
      sourceSha256: meta.sourceSha256,
      sourceBytes: meta.sourceBytes,
      sourceFilename: meta.sourceFilename,
      recordsSha256: built.recordsSha256,
      parentVersionId: meta.parentVersionId,
      pipeline: meta.pipeline?.json ?? null,
      pipelineHash: meta.pipeline?.hash ?? null,
      recordCount: built.recordCount,
      trainTokens: tokens('train'),
      validationTokens: tokens('validation'),
      vocabSize: built.vocabSize,
      report: JSON.stringify(built.report),
      gatePassed: built.report.gate.passed,
      createdAt: new Date().toISOString(),
    };
  }
}
