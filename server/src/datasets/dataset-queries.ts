// Reading datasets and their versions as the API shows them, and pages of a version's records.
// Nothing here reads shard files: a version row holds what the API says of its shards.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type DataSource, In } from 'typeorm';
import { tokenShardDtype } from '../../../native/index.ts';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import type { ColumnMapping } from './column-mapping.ts';
import { Dataset, DatasetVersion } from './datasets.entity.ts';
import { DatasetError } from './datasets.errors.ts';
import { type DatasetFilter, type DatasetFormatValue, type DatasetOrder, DatasetOrderField, type DatasetType, type DatasetVersionType } from './datasets.types.ts';
import type { DatasetFormat, ReadOptions } from './formats/formats.ts';
import { RECORDS_FILE } from './ingest.ts';
import { type PreviewRecord, readProcessedPage, readUploadedPage, type RecordPage, type RecordSource } from './record-pages.ts';
import type { ValidationReport } from './validation-report.ts';

export interface DatasetQueriesOptions {
  /** datasets/: one folder per version. */
  versionsDir: string;
  /** blobs/sha256/: the uploaded files by content. */
  blobsDir: string;
}

export class DatasetQueries {
  constructor(
    private readonly dataSource: DataSource,
    private readonly options: DatasetQueriesOptions,
  ) {}

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
    const nodes = found.nodes.map((d) =>
      this.toDatasetType(
        d,
        versions.filter((v) => v.datasetId === d.id),
      ),
    );
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

  /** The version row; DATASET_VERSION_NOT_FOUND when there is none. */
  async versionRow(id: string): Promise<DatasetVersion> {
    const version = await this.dataSource.getRepository(DatasetVersion).findOneBy({ id });
    if (!version) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `no dataset version with id ${id}`);
    return version;
  }

  async datasetCount(): Promise<number> {
    return this.dataSource.getRepository(Dataset).count();
  }

  /**
   * One page of a version's records, oldest first, read as a stream that stops after the page:
   * the processed records (what trains; the default) or the rows of the uploaded file with the
   * training text the column mapping makes of each (first versions only).
   */
  async listRecords(versionId: string, source: RecordSource = 'processed', page: PageArgs = {}): Promise<Connection<PreviewRecord>> {
    const version = await this.versionRow(versionId);
    let found: RecordPage;
    let totalCount: number;
    if (source === 'processed') {
      const path = join(this.options.versionsDir, version.id, RECORDS_FILE);
      if (!existsSync(path)) throw new DatasetError('DATASET_VERSION_NOT_FOUND', `the records of dataset version ${versionId} are missing from the data directory`);
      found = await readProcessedPage(path, page);
      totalCount = version.recordCount;
    } else {
      if (!version.sourceSha256) {
        throw new DatasetError('INVALID_DATASET_INPUT', `source: version ${version.version} was made by a pipeline from another version and has no uploaded file; preview its PROCESSED records, or the UPLOADED rows of version 1`);
      }
      const path = join(this.options.blobsDir, version.sourceSha256);
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

  /**
   * The version as the API shows it. Its shards are described from the row, never from their
   * header files: the builder writes one shard per split, holding exactly that split's tokens
   * (trainTokens, validationTokens, taken from the headers when the version was built) in the
   * dtype the vocabulary needs. Rows of every version ever built hold these, so no migration.
   */
  private toVersionType(v: DatasetVersion): DatasetVersionType {
    const directory = join(this.options.versionsDir, v.id);
    const options = JSON.parse(v.sourceOptions) as { shards?: Array<{ split: string; name: string }> };
    const splitTokens: Record<string, number> = { train: v.trainTokens, validation: v.validationTokens };
    const dtype = tokenShardDtype(v.vocabSize);
    const shards = (options.shards ?? []).map((s) => ({ split: s.split, name: s.name, path: join(directory, `${s.name}.bin`), dtype, tokens: splitTokens[s.split] ?? 0 }));
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
