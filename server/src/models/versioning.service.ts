// Versioning of models: tags (production, staging, free ones) that point at one version per
// model, where a version came from (lineage), and two versions compared (configs and metrics).
// Lineage and comparison read the training, dataset and evaluation domains through their services.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service.ts';
import type { DatasetsService } from '../datasets/datasets.service.ts';
import { NotFoundError, ValidationError } from '../errors/domain-error.ts';
import type { EvaluationService, LatestMetricResult } from '../evaluation/evaluation.service.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { assertCanModify, requireUser } from '../security/ownership.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import type { TrainingService } from '../training/training.service.ts';
import type { TrainingRun } from '../training/training.types.ts';
import { Model, ModelVersion } from './model.entity.ts';
import { ModelVersionTag } from './model-version-tag.entity.ts';
import { architectureOf, type ModelsService } from './models.service.ts';
import type { ComparedVersion, LineageImport, LineageRun, MetricComparison, ModelVersionComparison, ModelVersionLineage, VersionDifference } from './versioning.types.ts';

/** An imported version's source, from its row (ModelImportService writes source and metadata). */
function importOf(version: ModelVersion): LineageImport | null {
  const meta = version.metadata as { import?: { from?: string; sha256?: string }; specialTokens?: { added?: Array<{ token: string }> }; activation?: { declared?: string; note?: string } } | null;
  if (!version.source || !meta?.import) return null;
  return {
    source: version.source,
    from: meta.import.from ?? '',
    sha256: meta.import.sha256 ?? '',
    addedTokens: (meta.specialTokens?.added ?? []).map((a) => a.token),
    activation: meta.activation?.declared ?? 'gelu',
    note: meta.activation?.note ?? null,
  };
}

/** Tags are short lowercase words: production, staging, v1.2-rc, best_bleu. */
export const TAG_PATTERN = /^[a-z0-9._-]{1,40}$/;
export const TAG_RULE = 'must be 1 to 40 characters of a-z, 0-9, ".", "_" and "-"';

/** Tries at moving a tag when another request moves the same tag at the same moment. */
const TAG_ATTEMPTS = 5;

export function validateTag(tag: string, field = 'tag'): string {
  if (typeof tag !== 'string' || !TAG_PATTERN.test(tag)) throw new ValidationError([{ field, message: `${TAG_RULE} (got ${JSON.stringify(tag)})` }]);
  return tag;
}

/** How the runs list names a run: the model's name and the first 8 characters of its id. */
export function runName(modelName: string | null, runId: string): string {
  return `${modelName ?? 'run'} · ${runId.slice(0, 8)}`;
}

/** A nested config as "a.b" keys with printable values; arrays and other non-objects are leaves. */
export function flattenSettings(value: unknown, prefix: string, out: Map<string, string> = new Map()): Map<string, string> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value as Record<string, unknown>)) flattenSettings(inner, prefix ? `${prefix}.${key}` : key, out);
  } else if (value !== undefined && value !== null) {
    out.set(prefix, typeof value === 'string' ? value : JSON.stringify(value));
  }
  return out;
}

/** The settings whose values differ, architecture keys first, each part sorted by key. */
export function settingDifferences(a: Map<string, string>, b: Map<string, string>): VersionDifference[] {
  const part = (key: string): number => (key.startsWith('architecture.') ? 0 : 1);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => part(x) - part(y) || x.localeCompare(y));
  return keys.filter((key) => a.get(key) !== b.get(key)).map((key) => ({ key, a: a.get(key) ?? null, b: b.get(key) ?? null }));
}

export class VersioningService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly models: ModelsService,
    private readonly training: TrainingService,
    private readonly datasets: DatasetsService,
    private readonly evaluation: EvaluationService,
  ) {}

  /** The version of the model that carries the tag, or null when none does. */
  async versionByTag(modelId: string, tag: string): Promise<ModelVersion | null> {
    validateTag(tag);
    await this.models.get(modelId);
    const row = await this.dataSource.getRepository(ModelVersionTag).findOneBy({ modelId, tag });
    return row ? this.models.findVersion(row.versionId) : null;
  }

  /** Puts the tag on the version; another version of the same model that carried it loses it. */
  async tag(principal: Principal, versionId: string, tag: string, origin: RequestOrigin | null): Promise<ModelVersion> {
    const user = requireUser(principal);
    validateTag(tag);
    // Two requests moving the same tag at once: the loser of the unique index tries again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          const version = await manager.getRepository(ModelVersion).findOneBy({ id: versionId });
          if (!version) throw new NotFoundError('ModelVersion', versionId);
          const model = await manager.getRepository(Model).findOneBy({ id: version.modelId });
          if (!model) throw new NotFoundError('Model', version.modelId);
          assertCanModify(principal, model.ownerId, 'model', 'tag versions of');
          const tags = manager.getRepository(ModelVersionTag);
          const previous = await tags.findOneBy({ modelId: model.id, tag });
          if (previous?.versionId === version.id) return version;
          if (previous) await tags.delete({ id: previous.id });
          await tags.insert({ id: randomUUID(), versionId: version.id, modelId: model.id, tag, createdBy: user.id, createdAt: new Date() });
          await this.audit.record(
            {
              action: 'model_version.tagged',
              actor: principal,
              origin,
              targetType: 'ModelVersion',
              targetId: version.id,
              before: previous ? { tag, versionId: previous.versionId } : undefined,
              after: { tag, versionId: version.id, modelId: model.id },
            },
            manager,
          );
          return version;
        });
      } catch (error) {
        if (attempt >= TAG_ATTEMPTS || !isUniqueViolation(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
      }
    }
  }

  /** Takes the tag off the version; NOT_FOUND when the version does not carry it. */
  async untag(principal: Principal, versionId: string, tag: string, origin: RequestOrigin | null): Promise<ModelVersion> {
    validateTag(tag);
    return this.dataSource.transaction(async (manager) => {
      const version = await manager.getRepository(ModelVersion).findOneBy({ id: versionId });
      if (!version) throw new NotFoundError('ModelVersion', versionId);
      const model = await manager.getRepository(Model).findOneBy({ id: version.modelId });
      if (!model) throw new NotFoundError('Model', version.modelId);
      assertCanModify(principal, model.ownerId, 'model', 'untag versions of');
      const tags = manager.getRepository(ModelVersionTag);
      const row = await tags.findOneBy({ versionId, tag });
      if (!row) throw new NotFoundError(`Tag "${tag}" on ModelVersion`, versionId);
      await tags.delete({ id: row.id });
      await this.audit.record({ action: 'model_version.untagged', actor: principal, origin, targetType: 'ModelVersion', targetId: versionId, before: { tag, versionId, modelId: model.id } }, manager);
      return version;
    });
  }

  async lineage(version: ModelVersion): Promise<ModelVersionLineage> {
    const [parent, run, datasetVersion] = await Promise.all([this.parentOf(version), version.runId ? this.runOf(version.runId) : null, this.datasetVersionOf(version.datasetVersionId)]);
    return { parent, run: run?.lineage ?? null, datasetVersion, imported: importOf(version) };
  }

  /** Both versions' architecture and training config, the settings that differ, and their latest metrics. */
  async compare(aId: string, bId: string): Promise<ModelVersionComparison> {
    const [a, b] = await Promise.all([this.compared(aId, 'a'), this.compared(bId, 'b')]);
    const settings = (side: ComparedVersion): Map<string, string> => {
      const flat = flattenSettings(side.architecture, 'architecture');
      return side.trainingConfig ? flattenSettings(side.trainingConfig, 'training', flat) : flat;
    };
    const [metricsA, metricsB] = await Promise.all([this.evaluation.latestResults(aId), this.evaluation.latestResults(bId)]);
    return { a, b, differences: settingDifferences(settings(a), settings(b)), metrics: sideBySide(metricsA, metricsB) };
  }

  private async compared(id: string, field: string): Promise<ComparedVersion> {
    const version = await this.models.findVersion(id);
    if (!version) throw new ValidationError([{ field, message: `is not a model version (${id})` }]);
    const model = await this.models.get(version.modelId);
    const run = version.runId ? await this.runOf(version.runId) : null;
    return { version, modelName: model.name, architecture: architectureOf(model), trainingConfig: (run?.run.config as Record<string, unknown> | undefined) ?? null, run: run?.lineage ?? null };
  }

  private async parentOf(version: ModelVersion): Promise<ModelVersionLineage['parent']> {
    const parent = version.parentVersionId ? await this.models.findVersion(version.parentVersionId) : null;
    const model = parent ? await this.models.find(parent.modelId) : null;
    return parent && model ? { id: parent.id, modelId: model.id, modelName: model.name, version: parent.version } : null;
  }

  private async runOf(runId: string): Promise<{ run: TrainingRun; lineage: LineageRun } | null> {
    const run = await this.training.get(runId).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    if (!run) return null;
    const model = await this.models.find(run.modelId);
    return { run, lineage: { id: run.id, name: runName(model?.name ?? null, run.id), status: run.status, finishedAt: run.finishedAt } };
  }

  private async datasetVersionOf(id: string | null): Promise<ModelVersionLineage['datasetVersion']> {
    const version = id ? await this.datasets.getVersion(id) : null;
    const dataset = version ? await this.datasets.getDataset(version.datasetId) : null;
    return version && dataset ? { id: version.id, datasetId: dataset.id, datasetName: dataset.name, version: version.version } : null;
  }
}

function sideBySide(a: LatestMetricResult[], b: LatestMetricResult[]): MetricComparison[] {
  const view = (r: LatestMetricResult | undefined) => (r ? { value: r.value, error: r.error, evaluationId: r.evaluationId, datasetVersionId: r.datasetVersionId, evaluatedAt: r.evaluatedAt } : null);
  const names = [...new Set([...a, ...b].map((r) => r.name))].sort();
  return names.map((name) => ({ name, a: view(a.find((r) => r.name === name)), b: view(b.find((r) => r.name === name)) }));
}
