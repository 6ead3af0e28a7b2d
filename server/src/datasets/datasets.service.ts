// Datasets: uploads in, immutable content-addressed versions out, with their report, tokenizer
// and token shards. Everything on disk lives under the data directory:
//   uploads/<uploadId>          received bytes (until createDataset consumes them)
//   blobs/sha256/<hash>         uploaded bytes by content; shared by versions with equal bytes
//   datasets/<versionId>/       records.jsonl, tokenizer.json, shards, report.json, pipeline.json
//   plugins/                    user pipeline steps
// Ownership as for models: an upload and a dataset belong to who made them; a DEVELOPER uses
// only their own uploads and changes only their own datasets, an ADMIN anything. Creating,
// deriving (pipeline) and deleting are audited with before/after summaries.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline as streamPipeline } from 'node:stream/promises';
import { type DataSource, In } from 'typeorm';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import { ForbiddenError } from '../graphql/errors.ts';
import type { Logger } from '../logging/logger.ts';
import { assertCanModify, requireUser } from '../security/ownership.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import { hasRole, Role } from '../security/roles.ts';
import { Dataset, DatasetVersion, Upload } from './datasets.entity.ts';
import { DatasetError } from './datasets.errors.ts';
import { type CreateDatasetInput, type DatasetFilter, type DatasetFormatValue, type DatasetOrder, DatasetOrderField, type DatasetType, type DatasetVersionType, type RunPipelineInput } from './datasets.types.ts';
import type { ColumnMapping } from './column-mapping.ts';
import { DATASET_FORMATS, type DatasetFormat, formatFromFilename, type ReadOptions } from './formats/formats.ts';
import { buildVersion, type BuiltVersion, discardWork, RECORDS_FILE, TOKENIZER_FILE, type VersionSource } from './ingest.ts';
import { canonicalJson, type Pipeline, parsePipeline, pipelineHash } from './pipeline.ts';
import { type LoadedPlugin, loadPlugins, type PluginLoadProblem } from './plugins.ts';
import { type PreviewRecord, readProcessedPage, readUploadedPage, type RecordPage, type RecordSource } from './record-pages.ts';
import type { TokenShardHeader } from '../../../native/index.ts';
import { DEFAULT_VOCAB_SIZE, TextTokenizer } from './tokenizer.ts';
import type { ValidationReport } from './validation-report.ts';

/** Default upper bound of one upload: 20 GiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 ** 3;

export interface DatasetsServiceOptions {
  dataDir: string;
  logger: Logger;
  /** Largest accepted upload. Defaults to DEFAULT_MAX_UPLOAD_BYTES. */
  maxUploadBytes?: number;
}

export interface UploadResult {
  id: string;
  filename: string;
  sizeBytes: number;
  sha256: string;
}

/**
 * Who acts: a caller of the API, or the server itself (registering the sample datasets at first
 * start) on behalf of an owner.
 */
export type DatasetsActor = Principal | { kind: 'system'; ownerId: string | null };

/** The owner of what the actor creates; only DEVELOPERs and ADMINs create. */
function newOwnerId(actor: DatasetsActor, what: string): string | null {
  if (actor.kind === 'system') return actor.ownerId;
  const user = requireUser(actor);
  if (!hasRole(user.role, Role.DEVELOPER)) throw new ForbiddenError(`${what} needs the DEVELOPER role; you have ${user.role}`);
  return user.id;
}

/** Throws FORBIDDEN unless the actor may use or change something of `ownerId` (the system may). */
function assertOwnerOrAdmin(actor: DatasetsActor, ownerId: string | null, what: string, verb: string): void {
  if (actor.kind !== 'system') assertCanModify(actor, ownerId, what, verb);
}

function auditActor(actor: DatasetsActor): AuditActor {
  return actor.kind === 'system' ? { kind: 'system' } : actor;
}

/** What the audit log keeps of a dataset: no report, no paths. */
function datasetSummary(dataset: Dataset, versions: readonly DatasetVersion[]): Record<string, unknown> {
  return { id: dataset.id, name: dataset.name, description: dataset.description, ownerId: dataset.ownerId, versions: versions.map(versionSummary) };
}

function versionSummary(v: DatasetVersion): Record<string, unknown> {
  return {
    id: v.id,
    version: v.version,
    format: v.format,
    sourceFilename: v.sourceFilename,
    sourceSha256: v.sourceSha256,
    parentVersionId: v.parentVersionId,
    pipelineHash: v.pipelineHash,
    recordsSha256: v.recordsSha256,
    recordCount: v.recordCount,
    gatePassed: Boolean(v.gatePassed),
  };
}

/** Counts bytes, hashes them and stops at the size limit, without buffering. */
class HashingLimit extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;

  constructor(private readonly limit: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limit) return done(new DatasetError('UPLOAD_TOO_LARGE', `upload exceeds the limit of ${this.limit} bytes`));
    this.hash.update(chunk);
    done(null, chunk);
  }
}

function now(): string {
  return new Date().toISOString();
}

function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  return base.replace(/[\u0000-\u001f]/g, '').slice(0, 255) || 'upload';
}

export class DatasetsService {
  readonly uploadsDir: string;
  readonly blobsDir: string;
  readonly versionsDir: string;
  readonly pluginsDir: string;
  readonly maxUploadBytes: number;
  private readonly busyUploads = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly options: DatasetsServiceOptions,
  ) {
    this.uploadsDir = join(options.dataDir, 'uploads');
    this.blobsDir = join(options.dataDir, 'blobs', 'sha256');
    this.versionsDir = join(options.dataDir, 'datasets');
    this.pluginsDir = join(options.dataDir, 'plugins');
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    for (const dir of [this.uploadsDir, this.blobsDir, this.versionsDir, this.pluginsDir]) mkdirSync(dir, { recursive: true });
    this.removeLeftovers();
  }

  /** Work folders of a build that never finished (a crash) are removed at start. */
  private removeLeftovers(): void {
    for (const name of readdirSafe(this.versionsDir)) if (name.startsWith('.tmp-')) rmSync(join(this.versionsDir, name), { recursive: true, force: true });
  }

  // ---- uploads ----

  /**
   * Removes what a crash can leave behind, once older than maxAgeMs: unfinished uploads, files in
   * uploads/ that no upload row names, and version folders without a version row. Called at start.
   */
  async removeStaleUploads(maxAgeMs = 24 * 3600 * 1000): Promise<number> {
    const repo = this.dataSource.getRepository(Upload);
    const uploads = await repo.find();
    const cutoff = new Date(Date.now() - maxAgeMs).toISOString();
    let removed = 0;
    for (const upload of uploads) {
      if (upload.status !== 'COMPLETED' && upload.createdAt < cutoff) {
        rmSync(join(this.uploadsDir, upload.id), { force: true });
        await repo.delete({ id: upload.id });
        removed++;
      }
    }
    const known = new Set(uploads.map((u) => u.id));
    for (const name of readdirSafe(this.uploadsDir)) {
      if (!known.has(name) && statSafeOlderThan(join(this.uploadsDir, name), maxAgeMs)) {
        rmSync(join(this.uploadsDir, name), { force: true });
        removed++;
      }
    }
    // a version folder renamed into place whose database row never came (a crash in between)
    const versions = new Set((await this.dataSource.getRepository(DatasetVersion).find({ select: { id: true } })).map((v) => v.id));
    for (const name of readdirSafe(this.versionsDir)) {
      if (!name.startsWith('.') && !versions.has(name) && statSafeOlderThan(join(this.versionsDir, name), maxAgeMs)) {
        rmSync(join(this.versionsDir, name), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Streams a request body to uploads/<id>, hashing it on the way; nothing is held in memory. The actor owns the upload. */
  async receiveUpload(actor: DatasetsActor, body: Readable, filename: string, declaredBytes?: number): Promise<UploadResult> {
    const ownerId = newOwnerId(actor, 'Uploading');
    if (declaredBytes !== undefined && declaredBytes > this.maxUploadBytes) {
      throw new DatasetError('UPLOAD_TOO_LARGE', `upload of ${declaredBytes} bytes exceeds the limit of ${this.maxUploadBytes} bytes`);
    }
    const repo = this.dataSource.getRepository(Upload);
    const upload: Upload = { id: randomUUID(), status: 'IN_PROGRESS', filename: safeFilename(filename), sizeBytes: 0, sha256: null, ownerId, createdAt: now() };
    await repo.insert(upload);
    const path = join(this.uploadsDir, upload.id);
    const counter = new HashingLimit(this.maxUploadBytes);
    try {
      await streamPipeline(body, counter, createWriteStream(path));
    } catch (error) {
      rmSync(path, { force: true });
      await repo.delete({ id: upload.id });
      if (error instanceof DatasetError) throw error;
      throw new DatasetError('INVALID_DATASET_INPUT', `upload interrupted: ${(error as Error).message}`);
    }
    const sha256 = counter.hash.digest('hex');
    await repo.update({ id: upload.id }, { status: 'COMPLETED', sizeBytes: counter.bytes, sha256 });
    return { id: upload.id, filename: upload.filename, sizeBytes: counter.bytes, sha256 };
  }

  // ---- datasets ----

  /** One page of datasets (oldest first unless ordered otherwise), with their versions. */
  async listDatasets(filter: DatasetFilter | null | undefined = null, order: DatasetOrder | null | undefined = null, page: PageArgs = {}): Promise<Connection<DatasetType>> {
    const qb = this.dataSource.getRepository(Dataset).createQueryBuilder('d');
    if (filter?.ownerId) qb.andWhere('d.ownerId = :ownerId', { ownerId: filter.ownerId });
    if (filter?.nameContains) qb.andWhere('LOWER(d.name) LIKE :name', { name: `%${filter.nameContains.toLowerCase().replace(/[%_]/g, '')}%` });
    const byName = order?.field === DatasetOrderField.NAME;
    const found = await paginate(qb, {
      alias: 'd',
      sortProperty: byName ? 'name' : 'createdAt',
      sortValue: (d) => (byName ? d.name : d.createdAt),
      direction: order?.direction ?? SortDirection.ASC,
      page,
    });
    const ids = found.nodes.map((d) => d.id);
    const versions = ids.length ? await this.dataSource.getRepository(DatasetVersion).find({ where: { datasetId: In(ids) }, order: { version: 'ASC' } }) : [];
    const nodes = found.nodes.map((d) => this.toDatasetType(d, versions.filter((v) => v.datasetId === d.id)));
    return { ...found, nodes, edges: found.edges.map((edge, i) => ({ cursor: edge.cursor, node: nodes[i]! })) };
  }

  async getDataset(id: string): Promise<DatasetType | null> {
    const dataset = await this.dataSource.getRepository(Dataset).findOneBy({ id });
    if (!dataset) return null;
    const versions = await this.dataSource.getRepository(DatasetVersion).find({ where: { datasetId: id }, order: { version: 'ASC' } });
    return this.toDatasetType(dataset, versions);
  }

  async getVersion(id: string): Promise<DatasetVersionType | null> {
    const version = await this.dataSource.getRepository(DatasetVersion).findOneBy({ id });
    return version ? this.toVersionType(version) : null;
  }

  /**
   * One page of a version's records, oldest first, read as a stream that stops after the page:
   * the processed records (what trains; the default) or the rows of the uploaded file with the
   * training text the column mapping makes of each (first versions only).
   */
  async listRecords(versionId: string, source: RecordSource = 'processed', page: PageArgs = {}): Promise<Connection<PreviewRecord>> {
    const version = await this.dataSource.getRepository(DatasetVersion).findOneBy({ id: versionId });
    if (!version) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `no dataset version with id ${versionId}`);
    let found: RecordPage;
    let totalCount: number;
    if (source === 'processed') {
      const path = join(this.versionsDir, version.id, RECORDS_FILE);
      if (!existsSync(path)) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `the records of dataset version ${versionId} are missing from the data directory`);
      found = await readProcessedPage(path, page);
      totalCount = version.recordCount;
    } else {
      if (!version.sourceSha256) {
        throw new DatasetError('INVALID_DATASET_INPUT', `source: version ${version.version} was made by a pipeline from another version and has no uploaded file; preview its PROCESSED records, or the UPLOADED rows of version 1`);
      }
      const path = join(this.blobsDir, version.sourceSha256);
      if (!existsSync(path)) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `the uploaded file of dataset version ${versionId} is missing from the data directory`);
      const stored = JSON.parse(version.sourceOptions) as ReadOptions & { badRows?: 'fail' | 'skip'; mapping?: ColumnMapping | null };
      const read: ReadOptions = {
        format: version.format as DatasetFormat,
        ...(stored.textDocuments ? { textDocuments: stored.textDocuments } : {}),
        ...(stored.csvDelimiter ? { csvDelimiter: stored.csvDelimiter } : {}),
        ...(stored.csvHeader != null ? { csvHeader: stored.csvHeader } : {}),
        ...(stored.compression ? { compression: stored.compression } : {}),
      };
      found = await readUploadedPage(path, { read, badRows: stored.badRows ?? 'fail', mapping: stored.mapping ?? null, filename: version.sourceFilename }, page);
      totalCount = (JSON.parse(version.report) as ValidationReport).rows;
    }
    const edges = found.records.map((node, i) => ({ cursor: found.cursors[i]!, node }));
    return {
      edges,
      nodes: found.records,
      totalCount,
      pageInfo: { hasNextPage: found.hasNextPage, hasPreviousPage: Boolean(page.after), startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
    };
  }

  async datasetCount(): Promise<number> {
    return this.dataSource.getRepository(Dataset).count();
  }

  async listPlugins(): Promise<{ plugins: LoadedPlugin[]; problems: PluginLoadProblem[] }> {
    return loadPlugins(this.pluginsDir);
  }

  /** Turns a finished upload of the actor into a dataset with version 1 (validated, tokenized, sharded), owned by the actor. */
  async createDataset(actor: DatasetsActor, input: CreateDatasetInput, origin: RequestOrigin | null = null): Promise<DatasetType> {
    const ownerId = newOwnerId(actor, 'Creating datasets');
    const name = input.name.trim();
    if (!name || name.length > 200) throw new DatasetError('INVALID_DATASET_INPUT', 'name must be 1 to 200 characters');
    if (input.vocabSize != null && !(Number.isSafeInteger(input.vocabSize) && input.vocabSize >= 260 && input.vocabSize <= 1_000_000)) {
      throw new DatasetError('INVALID_DATASET_INPUT', `vocabSize must be an integer between 260 and 1000000 (got ${input.vocabSize})`);
    }
    if (input.csvDelimiter != null && input.csvDelimiter.length !== 1) throw new DatasetError('INVALID_DATASET_INPUT', 'csvDelimiter must be one character');
    const upload = await this.dataSource.getRepository(Upload).findOneBy({ id: input.uploadId });
    if (!upload || upload.status !== 'COMPLETED' || !upload.sha256) throw new DatasetError('UPLOAD_NOT_FOUND', `no finished upload with id ${input.uploadId}`);
    assertOwnerOrAdmin(actor, upload.ownerId, 'upload', 'use');
    if (await this.dataSource.getRepository(Dataset).findOneBy({ name })) throw new DatasetError('DATASET_NAME_TAKEN', `a dataset named "${name}" already exists`);
    const format: DatasetFormat | null = (input.format as DatasetFormat | null | undefined) ?? formatFromFilename(upload.filename);
    if (!format || !DATASET_FORMATS.includes(format)) {
      throw new DatasetError('INVALID_DATASET_INPUT', `cannot tell the format of "${upload.filename}" from its name; pass format (${DATASET_FORMATS.join(', ')})`);
    }
    if (input.tokenizerFromVersionId && input.tokenizerUploadId) throw new DatasetError('INVALID_DATASET_INPUT', 'choose either tokenizerFromVersionId or tokenizerUploadId');
    const tokenizerJson = input.tokenizerFromVersionId
      ? await this.readTokenizer(input.tokenizerFromVersionId)
      : input.tokenizerUploadId
        ? await this.readUploadedTokenizer(actor, input.tokenizerUploadId)
        : null;
    if (this.busyUploads.has(upload.id)) throw new DatasetError('INVALID_DATASET_INPUT', `upload ${upload.id} is already being turned into a dataset`);
    this.busyUploads.add(upload.id);
    try {
      const uploadPath = join(this.uploadsDir, upload.id);
      const read = {
        format,
        ...(input.textDocuments ? { textDocuments: input.textDocuments } : {}),
        ...(input.csvDelimiter ? { csvDelimiter: input.csvDelimiter } : {}),
        ...(input.csvHeader != null ? { csvHeader: input.csvHeader } : {}),
        ...(input.compression ? { compression: input.compression } : {}),
      };
      const mapping = { textFields: input.textFields ?? null, promptField: input.promptField ?? null, responseField: input.responseField ?? null, separator: input.separator ?? null };
      const datasetId = randomUUID();
      const versionId = randomUUID();
      const { built, directory } = await this.build(versionId, {
        source: { kind: 'file', path: uploadPath, read, mapping },
        pipeline: { steps: [] },
        plugins: [],
        badRows: input.badRows ?? 'fail',
        tokenizer: tokenizerJson ? { json: tokenizerJson } : { vocabSize: input.vocabSize ?? DEFAULT_VOCAB_SIZE },
      });
      try {
        const dataset: Dataset = { id: datasetId, name, description: input.description ?? '', ownerId, createdAt: now() };
        const version = this.versionRow(versionId, datasetId, 1, built, {
          format,
          sourceOptions: { ...read, badRows: input.badRows ?? 'fail', mapping: built.mapping, tokenizerFromVersionId: input.tokenizerFromVersionId ?? null, tokenizerUploadId: input.tokenizerUploadId ?? null },
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
        if (/unique|duplicate/i.test((error as Error).message)) throw new DatasetError('DATASET_NAME_TAKEN', `a dataset named "${name}" already exists`);
        throw error;
      }
      // the bytes become a content-addressed blob; equal bytes already stored are reused
      const blob = join(this.blobsDir, upload.sha256);
      if (existsSync(blob)) rmSync(uploadPath, { force: true });
      else renameSync(uploadPath, blob);
      this.options.logger.info({ dataset: name, versionId, records: built.recordCount }, 'dataset created');
      return (await this.getDataset(datasetId))!;
    } finally {
      this.busyUploads.delete(upload.id);
    }
  }

  /** Runs a declared pipeline on a version; the result is a new version of the same dataset (a change: owner or admin). */
  async runPipeline(actor: DatasetsActor, input: RunPipelineInput, origin: RequestOrigin | null = null): Promise<DatasetVersionType> {
    const parent = await this.dataSource.getRepository(DatasetVersion).findOneBy({ id: input.versionId });
    if (!parent) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `no dataset version with id ${input.versionId}`);
    const dataset = await this.dataSource.getRepository(Dataset).findOneBy({ id: parent.datasetId });
    if (!dataset) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `no dataset version with id ${input.versionId}`);
    assertOwnerOrAdmin(actor, dataset.ownerId, 'dataset', 'change');
    if (input.vocabSize != null && !(Number.isSafeInteger(input.vocabSize) && input.vocabSize >= 260 && input.vocabSize <= 1_000_000)) {
      throw new DatasetError('INVALID_DATASET_INPUT', `vocabSize must be an integer between 260 and 1000000 (got ${input.vocabSize})`);
    }
    let declared: unknown = input.pipeline;
    if (typeof declared === 'string') {
      try {
        declared = JSON.parse(declared);
      } catch (error) {
        throw new DatasetError('INVALID_DATASET_INPUT', `pipeline is not valid JSON: ${(error as Error).message}`);
      }
    }
    const { plugins } = await loadPlugins(this.pluginsDir);
    const pipeline: Pipeline = parsePipeline(declared, plugins);
    const hash = pipelineHash(pipeline, plugins);
    const versionId = randomUUID();
    const { built } = await this.build(versionId, {
      source: { kind: 'parent', recordsPath: join(this.versionsDir, parent.id, RECORDS_FILE) },
      pipeline,
      plugins,
      badRows: 'fail',
      tokenizer: input.vocabSize ? { vocabSize: input.vocabSize } : { json: readFileSync(join(this.versionsDir, parent.id, TOKENIZER_FILE), 'utf8') },
    });
    const directory = join(this.versionsDir, versionId);
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
    return (await this.getVersion(versionId))!;
  }

  /** Deletes a dataset (owner or admin), its versions' folders, and blobs no remaining version refers to. */
  async deleteDataset(actor: DatasetsActor, id: string, origin: RequestOrigin | null = null): Promise<boolean> {
    const found = await this.dataSource.getRepository(Dataset).findOneBy({ id });
    if (!found) throw new DatasetError('DATASET_NOT_FOUND', `no dataset with id ${id}`);
    assertOwnerOrAdmin(actor, found.ownerId, 'dataset', 'delete');
    const versions = await this.dataSource.getRepository(DatasetVersion).find({ where: { datasetId: id }, order: { version: 'ASC' } });
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(DatasetVersion).delete({ datasetId: id });
      await manager.getRepository(Dataset).delete({ id });
      await this.audit.record({ action: 'dataset.deleted', actor: auditActor(actor), origin, targetType: 'Dataset', targetId: id, before: datasetSummary(found, versions) }, manager);
    });
    for (const v of versions) rmSync(join(this.versionsDir, v.id), { recursive: true, force: true });
    const hashes = new Set(versions.map((v) => v.sourceSha256).filter((h): h is string => h !== null));
    for (const hash of hashes) {
      const stillUsed = await this.dataSource.getRepository(DatasetVersion).countBy({ sourceSha256: hash });
      if (stillUsed === 0) rmSync(join(this.blobsDir, hash), { force: true });
    }
    return true;
  }

  // ---- internals ----

  private async readTokenizer(versionId: string): Promise<string> {
    const version = await this.dataSource.getRepository(DatasetVersion).findOneBy({ id: versionId });
    if (!version) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `no dataset version with id ${versionId}`);
    return readFileSync(join(this.versionsDir, version.id, TOKENIZER_FILE), 'utf8');
  }

  /** An uploaded tokenizer.json of the actor, checked to load; the upload is kept (it may be reused). */
  private async readUploadedTokenizer(actor: DatasetsActor, uploadId: string): Promise<string> {
    const upload = await this.dataSource.getRepository(Upload).findOneBy({ id: uploadId });
    if (!upload || upload.status !== 'COMPLETED') throw new DatasetError('UPLOAD_NOT_FOUND', `no finished upload with id ${uploadId}`);
    assertOwnerOrAdmin(actor, upload.ownerId, 'upload', 'use');
    if (upload.sizeBytes > 256 * 1024 * 1024) throw new DatasetError('INVALID_DATASET_INPUT', 'a tokenizer.json larger than 256 MB is not supported');
    const json = readFileSync(join(this.uploadsDir, upload.id), 'utf8');
    try {
      new TextTokenizer(json);
    } catch (error) {
      throw new DatasetError('INVALID_DATASET_INPUT', `upload ${uploadId} is not a usable tokenizer.json: ${(error as Error).message}`);
    }
    return json;
  }

  /** Builds into datasets/.tmp-<id>, then renames it to datasets/<id>; removes it on any failure. */
  private async build(
    versionId: string,
    options: { source: VersionSource; pipeline: Pipeline; plugins: readonly LoadedPlugin[]; badRows: 'fail' | 'skip'; tokenizer: { vocabSize: number } | { json: string } },
  ): Promise<{ built: BuiltVersion; directory: string }> {
    const workDir = join(this.versionsDir, `.tmp-${versionId}`);
    const directory = join(this.versionsDir, versionId);
    try {
      const built = await buildVersion({ workDir, ...options });
      renameSync(workDir, directory);
      return { built, directory };
    } catch (error) {
      discardWork(workDir);
      throw error;
    }
  }

  private versionRow(
    id: string,
    datasetId: string,
    version: number,
    built: BuiltVersion,
    meta: {
      format: DatasetFormat;
      sourceOptions: object;
      sourceSha256: string | null;
      sourceBytes: number;
      sourceFilename: string;
      parentVersionId: string | null;
      pipeline: { json: string; hash: string } | null;
    },
  ): DatasetVersion {
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
      createdAt: now(),
    };
  }

  private toVersionType(v: DatasetVersion): DatasetVersionType {
    const directory = join(this.versionsDir, v.id);
    const options = JSON.parse(v.sourceOptions) as { shards?: Array<{ split: string; name: string }> };
    const shards = (options.shards ?? []).map((s) => {
      const headerPath = join(directory, `${s.name}.json`);
      const header = existsSync(headerPath) ? (JSON.parse(readFileSync(headerPath, 'utf8')) as TokenShardHeader) : null;
      return { split: s.split, name: s.name, path: join(directory, `${s.name}.bin`), dtype: header?.dtype ?? 'uint16', tokens: header?.count ?? 0 };
    });
    return {
      id: v.id,
      datasetId: v.datasetId,
      version: v.version,
      format: v.format as DatasetFormatValue,
      sourceFilename: v.sourceFilename,
      sourceSha256: v.sourceSha256,
      sourceBytes: v.sourceBytes,
      sourceOptions: options,
      recordsSha256: v.recordsSha256,
      parentVersionId: v.parentVersionId,
      pipeline: v.pipeline ? JSON.parse(v.pipeline) : null,
      pipelineHash: v.pipelineHash,
      recordCount: v.recordCount,
      trainTokens: v.trainTokens,
      validationTokens: v.validationTokens,
      vocabSize: v.vocabSize,
      gatePassed: Boolean(v.gatePassed),
      report: JSON.parse(v.report) as ValidationReport,
      shards,
      directory,
      createdAt: v.createdAt,
    };
  }

  private toDatasetType(d: Dataset, versions: DatasetVersion[]): DatasetType {
    const types = versions.map((v) => this.toVersionType(v));
    return { id: d.id, name: d.name, description: d.description, ownerId: d.ownerId, createdAt: d.createdAt, versions: types, latestVersion: types[types.length - 1] ?? null };
  }
}

function statSafeOlderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
