// Datasets: uploads in, immutable content-addressed versions out, with their report, tokenizer
// and token shards. Everything on disk lives under the data directory:
//   uploads/<uploadId>          received bytes (until createDataset consumes them)
//   blobs/sha256/<hash>         uploaded bytes by content; shared by versions with equal bytes
//   datasets/<versionId>/       records.jsonl, tokenizer.json, shards, report.json, pipeline.json
//   plugins/                    user pipeline steps
// This service is the domain's one door and composes its parts: the upload store
// (upload-store.ts), the version builder (version-builder.ts) and the queries
// (dataset-queries.ts). Ownership and audit rules are in dataset-actor.ts.
import { mkdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service.ts';
import type { Connection, PageArgs } from '../graphql/connection.ts';
import type { Logger } from '../logging/logger.ts';
import type { RequestOrigin } from '../security/principal.ts';
import { assertOwnerOrAdmin, auditActor, datasetSummary, type DatasetsActor } from './dataset-actor.ts';
import { DatasetQueries } from './dataset-queries.ts';
import { Dataset, DatasetVersion } from './datasets.entity.ts';
import { DatasetError } from './datasets.errors.ts';
import type { CreateDatasetInput, DatasetFilter, DatasetOrder, DatasetType, DatasetVersionType, RunPipelineInput } from './datasets.types.ts';
import { type LoadedPlugin, loadPlugins, type PluginLoadProblem } from './plugins.ts';
import type { PreviewRecord, RecordSource } from './record-pages.ts';
import { RECORDS_FILE, TOKENIZER_FILE } from './ingest.ts';
import { type LabelledBatch, labelledBatches, type LabelledReadOptions, labelSetProblems, type VersionLabel } from './labelled-records.ts';
import { TextTokenizer } from './tokenizer.ts';
import { UploadStore, type UploadResult } from './upload-store.ts';
import { type ModelTokenizers, VersionBuilder } from './version-builder.ts';

export type { LabelledBatch, LabelledReadOptions, VersionLabel };
// Whether a classifier can train on or be evaluated on a version's labels, for the training and evaluation domains.
export { labelSetProblems };

export type { DatasetsActor } from './dataset-actor.ts';
export type { UploadResult } from './upload-store.ts';
export type { TextTokenizer } from './tokenizer.ts';
export { tokenizerJson } from './tokenizer.ts';

/** Default upper bound of one upload: 20 GiB. */
export const DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 ** 3;

export interface DatasetsServiceOptions {
  dataDir: string;
  logger: Logger;
  /** Largest accepted upload. Defaults to DEFAULT_MAX_UPLOAD_BYTES. */
  maxUploadBytes?: number;
  /** The models domain's tokenizers, for tokenizerFromModelVersionId. */
  modelTokenizers?: ModelTokenizers;
}

export class DatasetsService {
  readonly uploadsDir: string;
  readonly blobsDir: string;
  readonly versionsDir: string;
  readonly pluginsDir: string;
  readonly maxUploadBytes: number;
  private readonly uploads: UploadStore;
  private readonly queries: DatasetQueries;
  private readonly builder: VersionBuilder;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    options: DatasetsServiceOptions,
  ) {
    this.uploadsDir = join(options.dataDir, 'uploads');
    this.blobsDir = join(options.dataDir, 'blobs', 'sha256');
    this.versionsDir = join(options.dataDir, 'datasets');
    this.pluginsDir = join(options.dataDir, 'plugins');
    this.maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
    for (const dir of [this.uploadsDir, this.blobsDir, this.versionsDir, this.pluginsDir]) mkdirSync(dir, { recursive: true });
    this.uploads = new UploadStore(dataSource, { uploadsDir: this.uploadsDir, blobsDir: this.blobsDir, maxUploadBytes: this.maxUploadBytes });
    this.queries = new DatasetQueries(dataSource, { versionsDir: this.versionsDir, blobsDir: this.blobsDir });
    this.builder = new VersionBuilder(
      dataSource,
      audit,
      { versionsDir: this.versionsDir, pluginsDir: this.pluginsDir, logger: options.logger, ...(options.modelTokenizers ? { modelTokenizers: options.modelTokenizers } : {}) },
      this.uploads,
      this.queries,
    );
    this.builder.removeLeftovers();
  }

  // ---- uploads ----

  /**
   * Removes what a crash can leave behind, once older than maxAgeMs: unfinished uploads, files in
   * uploads/ that no upload row names, and version folders without a version row. Called at start.
   */
  async removeStaleUploads(maxAgeMs = 24 * 3600 * 1000): Promise<number> {
    const uploads = await this.uploads.removeStale(maxAgeMs);
    return uploads + (await this.builder.removeOrphans(maxAgeMs));
  }

  /** Streams a request body to uploads/<id>, hashing it on the way; nothing is held in memory. The actor owns the upload. */
  receiveUpload(actor: DatasetsActor, body: Readable, filename: string, declaredBytes?: number): Promise<UploadResult> {
    return this.uploads.receive(actor, body, filename, declaredBytes);
  }

  /** Checks that the upload is finished and the actor may use it (UPLOAD_NOT_FOUND otherwise), before work on it is queued. */
  async checkUpload(actor: DatasetsActor, uploadId: string): Promise<void> {
    await this.uploads.completed(actor, uploadId);
  }

  /**
   * Lends the actor's finished upload to another domain's work (e.g. a model import reading an
   * archive): reserved while `work` runs, removed once it succeeds, kept when it fails.
   */
  async useUpload<T>(actor: DatasetsActor, uploadId: string, work: (upload: { path: string; filename: string; sha256: string; sizeBytes: number }) => Promise<T>): Promise<T> {
    const upload = await this.uploads.completed(actor, uploadId);
    this.uploads.reserve(upload.id);
    try {
      const result = await work({ path: this.uploads.path(upload.id), filename: upload.filename, sha256: upload.sha256, sizeBytes: upload.sizeBytes });
      await this.uploads.discard(upload.id);
      return result;
    } finally {
      this.uploads.release(upload.id);
    }
  }

  // ---- reading ----

  /** One page of datasets (oldest first unless ordered otherwise), with their versions. */
  listDatasets(filter: DatasetFilter | null | undefined = null, order: DatasetOrder | null | undefined = null, page: PageArgs = {}): Promise<Connection<DatasetType>> {
    return this.queries.listDatasets(filter, order, page);
  }

  getDataset(id: string): Promise<DatasetType | null> {
    return this.queries.getDataset(id);
  }

  getVersion(id: string): Promise<DatasetVersionType | null> {
    return this.queries.getVersion(id);
  }

  /** The tokenizer a version was built with: its tokenizer.json text (for decoders) and an encoder. */
  async versionTokenizer(version: DatasetVersionType): Promise<{ json: string; encoder: TextTokenizer }> {
    const json = await readFile(join(version.directory, TOKENIZER_FILE), 'utf8');
    return { json, encoder: new TextTokenizer(json) };
  }

  /**
   * The labelled records of one split of a version as classifier examples (token ids and label
   * ids by position in `labels`), in batches; see labelled-records.ts.
   */
  async *labelledExamples(version: DatasetVersionType, options: LabelledReadOptions): AsyncGenerator<LabelledBatch> {
    const { encoder } = await this.versionTokenizer(version);
    yield* labelledBatches(this.recordsPath(version), encoder, options);
  }

  /** Where a version's processed records (records.jsonl, one JSON record a line) are, for readers that stream them. */
  recordsPath(version: DatasetVersionType): string {
    return join(version.directory, RECORDS_FILE);
  }

  /** One page of a version's records: the processed records (the default) or the rows of the uploaded file. */
  listRecords(versionId: string, source: RecordSource = 'processed', page: PageArgs = {}): Promise<Connection<PreviewRecord>> {
    return this.queries.listRecords(versionId, source, page);
  }

  datasetCount(): Promise<number> {
    return this.queries.datasetCount();
  }

  listPlugins(): Promise<{ plugins: LoadedPlugin[]; problems: PluginLoadProblem[] }> {
    return loadPlugins(this.pluginsDir);
  }

  // ---- changes ----

  /** Turns a finished upload of the actor into a dataset with version 1 (validated, tokenized, sharded), owned by the actor. */
  createDataset(actor: DatasetsActor, input: CreateDatasetInput, origin: RequestOrigin | null = null): Promise<DatasetType> {
    return this.builder.createDataset(actor, input, origin);
  }

  /** Runs a declared pipeline on a version; the result is a new version of the same dataset (a change: owner or admin). */
  runPipeline(actor: DatasetsActor, input: RunPipelineInput, origin: RequestOrigin | null = null): Promise<DatasetVersionType> {
    return this.builder.runPipeline(actor, input, origin);
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
    await this.uploads.removeUnusedBlobs(new Set(versions.map((v) => v.sourceSha256).filter((h): h is string => h !== null)));
    return true;
  }
}
