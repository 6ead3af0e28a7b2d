// Artifacts of model versions: exports start as 'model.export' jobs (export-job.ts does the work),
// and land as verified folders under <dataDir>/artifacts/<id> with one row each. Anyone signed in
// reads them (as versions); any DEVELOPER exports; the model's owner, the artifact's creator or an
// ADMIN deletes. Creation and deletion are audited.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../../audit/audit.service.ts';
import type { DatasetsService } from '../../datasets/datasets.service.ts';
import { type FieldError, ForbiddenError, NotFoundError, ValidationError } from '../../errors/domain-error.ts';
import type { Given } from '../../graphql/option-fields.ts';
import type { EnqueueJob, JobKind } from '../../jobs/job.types.ts';
import { requireUser } from '../../security/ownership.ts';
import type { Principal, RequestOrigin } from '../../security/principal.ts';
import { hasRole, Role } from '../../security/roles.ts';
import { EXPORT_OPTIONS, type ExportOptions } from '../../../../schema/options/export-options.ts';
import { inputName, optionProblem } from '../../../../schema/options/option-spec.ts';
import { ExportFormat, type FormatWriter } from '../export/export-format.ts';
import { formatWriter } from '../export/format-writers.ts';
import type { ModelsService } from '../models.service.ts';
import { ArtifactStatus, ModelArtifact } from './artifact.entity.ts';
import { type ExportJobInput, exportJobKind, readCheckpointSummary } from './export-job.ts';

/** What the export needs of the job system (JobsService). */
export interface ExportJobQueue<Job> {
  register<Input>(kind: JobKind<Input>): void;
  enqueue<Input>(request: EnqueueJob<Input>): Promise<Job>;
}

export interface ArtifactsServiceOptions {
  dataDir: string;
  /** Intra-op threads of the parity forward pass. Defaults to libtorch's. */
  threads?: number | null;
  /** The writer of a format. Defaults to the FORMAT_WRITERS table (tests pass their own). */
  writerOf?: (format: ExportFormat) => FormatWriter | null;
}

/** Every export option with its declared default. */
export const EXPORT_DEFAULTS: ExportOptions = Object.fromEntries(Object.entries(EXPORT_OPTIONS).map(([key, spec]) => [key, spec.default])) as ExportOptions;

export class ArtifactsService<Job = unknown> {
  readonly exportKind: JobKind<ExportJobInput>;
  readonly artifactsDir: string;
  private readonly writerOf: (format: ExportFormat) => FormatWriter | null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly models: ModelsService,
    datasets: DatasetsService,
    private readonly jobs: ExportJobQueue<Job>,
    options: ArtifactsServiceOptions,
  ) {
    this.artifactsDir = join(options.dataDir, 'artifacts');
    this.writerOf = options.writerOf ?? formatWriter;
    this.exportKind = exportJobKind({ dataSource, audit, models, datasets, artifactsDir: this.artifactsDir, threads: options.threads ?? null, writerOf: this.writerOf });
    jobs.register(this.exportKind);
  }

  async get(id: string): Promise<ModelArtifact> {
    const artifact = await this.dataSource.getRepository(ModelArtifact).findOneBy({ id });
    if (!artifact) throw new NotFoundError('ModelArtifact', id);
    return artifact;
  }

  /** A version's artifacts, newest first. */
  list(versionId: string): Promise<ModelArtifact[]> {
    return this.dataSource.getRepository(ModelArtifact).find({ where: { versionId }, order: { createdAt: 'DESC', id: 'ASC' } });
  }

  /** The artifact's folder (its files and manifest.json). */
  directory(artifact: ModelArtifact): string {
    return join(this.artifactsDir, artifact.path);
  }

  /** READY, or MISSING when its folder is gone from the data directory. */
  status(artifact: ModelArtifact): ArtifactStatus {
    return existsSync(this.directory(artifact)) ? artifact.status : ArtifactStatus.MISSING;
  }

  /**
   * Validates the request (version with weights, a writer for the format, every option against its
   * declaration, what the format refuses, LoRA adapters for lora 'adapter') and queues the export.
   * Returns the job at once.
   */
  async startExport(principal: Principal, versionId: string, format: ExportFormat, given: Given<ExportOptions> | null | undefined): Promise<Job> {
    const user = requireUser(principal);
    if (!hasRole(user.role, Role.DEVELOPER)) throw new ForbiddenError('Exporting needs the DEVELOPER role');
    const errors: FieldError[] = [];
    const version = await this.models.findVersion(versionId);
    if (!version) errors.push({ field: 'versionId', message: 'is not a model version' });
    else if (!version.checkpointPath) errors.push({ field: 'versionId', message: `version ${version.version} has no weights (checkpointPath)` });
    const writer = Object.values(ExportFormat).includes(format) ? this.writerOf(format) : null;
    if (!writer) errors.push({ field: 'format', message: `${String(format)} has no writer on this server` });

    const options: ExportOptions = { ...EXPORT_DEFAULTS };
    for (const [key, spec] of Object.entries(EXPORT_OPTIONS) as Array<[keyof ExportOptions, (typeof EXPORT_OPTIONS)[keyof ExportOptions]]>) {
      const value = given?.[key];
      if (value === undefined || value === null) continue;
      const problem = optionProblem(spec, value);
      if (problem) errors.push({ field: `options.${inputName(key, spec)}`, message: problem });
      else (options as Record<string, unknown>)[key] = value;
    }
    if (errors.length) throw new ValidationError(errors);

    const checkpoint = version!.checkpointPath!;
    let source: ReturnType<typeof readCheckpointSummary>;
    try {
      source = readCheckpointSummary(checkpoint);
    } catch (error) {
      throw new ValidationError([{ field: 'versionId', message: `the checkpoint of version ${version!.version} cannot be read: ${(error as Error).message}` }]);
    }
    const refusal = writer!.refuse(source.model, options);
    if (refusal) errors.push({ field: 'format', message: refusal });
    if (writer!.options.includes('lora') && options.lora === 'adapter' && !(source.adapterOnly && source.baseCheckpoint)) {
      errors.push({ field: 'options.lora', message: `'adapter' needs a LoRA version saved as adapters only; version ${version!.version} holds ${source.lora ? 'full weights with its adapters (export it merged)' : 'no LoRA adapters'}` });
    }
    if (errors.length) throw new ValidationError(errors);
    const input: ExportJobInput = { versionId: version!.id, format, options, requestedBy: { id: user.id, email: user.email, role: user.role } };
    return this.jobs.enqueue({ kind: this.exportKind, principal, input, target: { type: 'ModelVersion', id: version!.id } });
  }

  /** Deletes the row and its folder (the model's owner, the artifact's creator or an ADMIN). */
  async delete(principal: Principal, id: string, origin: RequestOrigin | null): Promise<boolean> {
    const user = requireUser(principal);
    const artifact = await this.get(id);
    const version = await this.models.findVersion(artifact.versionId);
    const model = version ? await this.models.find(version.modelId) : null;
    const mayDelete = user.role === Role.ADMIN || (hasRole(user.role, Role.DEVELOPER) && (user.id === artifact.createdBy || (model !== null && user.id === model.ownerId)));
    if (!mayDelete) throw new ForbiddenError('Only the model’s owner, the artifact’s creator or an admin may delete this artifact');
    // The folder is moved aside first, so a failed commit can put it back and a crash leaves only a ".deleting-" folder.
    const dir = this.directory(artifact);
    const aside = join(this.artifactsDir, `.deleting-${artifact.id}`);
    const moved = existsSync(dir);
    if (moved) renameSync(dir, aside);
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.getRepository(ModelArtifact).delete({ id });
        const { manifest: _m, ...before } = artifact;
        await this.audit.record({ action: 'model_artifact.deleted', actor: principal, origin, targetType: 'ModelArtifact', targetId: id, before }, manager);
      });
    } catch (error) {
      if (moved) renameSync(aside, dir);
      throw error;
    }
    rmSync(aside, { recursive: true, force: true });
    return true;
  }
}
