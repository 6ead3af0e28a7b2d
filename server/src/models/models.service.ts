// Models and their versions. Anyone signed in reads; DEVELOPERs create and change their own;
// ADMINs change anything. Every change is audited with before/after.
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import type { AuditService } from '../audit/audit.service.ts';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import { ConflictError, type FieldError, NotFoundError, ValidationError } from '../errors/domain-error.ts';
import { assertCanModify, requireUser } from '../security/ownership.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import { hasRole, Role } from '../security/roles.ts';
import { ForbiddenError } from '../errors/domain-error.ts';
import { type ModelArchitectureConfig, type ModelTaskValue, parameterCount, resolveArchitecture, resolveTask, validateSpecialTokens, withDefaultSpecialTokens } from './model-architecture.ts';
import { Model, ModelVersion } from './model.entity.ts';
import { ModelVersionTag } from './model-version-tag.entity.ts';
import { ModelOrderField, type CreateModelInput, type CreateModelVersionInput, type ModelFilter, type ModelOrder, type ModelVersionFilter, type UpdateModelInput } from './models.inputs.ts';

export function architectureOf(model: Model): ModelArchitectureConfig & { parameterCount: number } {
  const config = { vocabSize: model.vocabSize, contextLength: model.contextLength, layers: model.layers, heads: model.heads, embeddingWidth: model.embeddingWidth, dropout: model.dropout, bias: model.bias };
  return { ...config, parameterCount: parameterCount(config) };
}

function auditView(model: Model): Record<string, unknown> {
  const { createdAt: _c, updatedAt: _u, ...rest } = model;
  return rest;
}

function validateName(name: string | null | undefined, field: string, errors: FieldError[]): string {
  const trimmed = (name ?? '').trim();
  if (!trimmed || trimmed.length > 100) errors.push({ field, message: 'must be 1 to 100 characters' });
  return trimmed;
}

function validateOptionalId(value: string | null | undefined, field: string, max: number, errors: FieldError[]): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (value.length > max || /[\0\n]/.test(value)) errors.push({ field, message: `must be at most ${max} characters on one line` });
  return value;
}

/** The tokenizer of a version, next to its checkpoint's files (the export reads it from there too). */
export const VERSION_TOKENIZER_FILE = 'tokenizer.json';

export interface RegisterImportedInput {
  /** Chosen by the caller: the checkpoint folder is named after it before the row exists. */
  versionId: string;
  name: string;
  description?: string | null;
  architecture: ModelArchitectureConfig;
  specialTokens: string[];
  checkpointPath: string;
  /** Lineage in words: "imported from <name>, sha256 <digest>". */
  source: string;
  metadata: object;
}

/** How far versionTokenizerSha256 follows parents. */
const MAX_LINEAGE_HOPS = 64;

/** Tries at registering a run's version when runs of the same model take the next number first. */
const REGISTER_ATTEMPTS = 10;

const ORDER_PROPERTY: Record<ModelOrderField, { property: keyof Model; value: (m: Model) => string }> = {
  [ModelOrderField.CREATED_AT]: { property: 'createdAt', value: (m) => m.createdAt.toISOString() },
  [ModelOrderField.UPDATED_AT]: { property: 'updatedAt', value: (m) => m.updatedAt.toISOString() },
  [ModelOrderField.NAME]: { property: 'name', value: (m) => m.name },
};

export class ModelsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(id: string): Promise<Model> {
    const model = await this.find(id);
    if (!model) throw new NotFoundError('Model', id);
    return model;
  }

  /** The model, or null when there is none (for callers that report a missing model their own way). */
  find(id: string): Promise<Model | null> {
    return this.dataSource.getRepository(Model).findOneBy({ id });
  }

  async getVersion(id: string): Promise<ModelVersion> {
    const version = await this.findVersion(id);
    if (!version) throw new NotFoundError('ModelVersion', id);
    return version;
  }

  /** The version, or null when there is none. */
  findVersion(id: string): Promise<ModelVersion | null> {
    return this.dataSource.getRepository(ModelVersion).findOneBy({ id });
  }

  list(filter: ModelFilter | null | undefined, order: ModelOrder | null | undefined, page: PageArgs): Promise<Connection<Model>> {
    const qb = this.dataSource.getRepository(Model).createQueryBuilder('m');
    if (filter?.ownerId) qb.andWhere('m.ownerId = :ownerId', { ownerId: filter.ownerId });
    if (filter?.preset) qb.andWhere('m.preset = :preset', { preset: filter.preset });
    if (filter?.nameContains) qb.andWhere('LOWER(m.name) LIKE :name', { name: `%${filter.nameContains.toLowerCase().replace(/[%_]/g, '')}%` });
    const sort = ORDER_PROPERTY[order?.field ?? ModelOrderField.CREATED_AT];
    return paginate(qb, { alias: 'm', sortProperty: sort.property, sortValue: sort.value, direction: order?.direction ?? SortDirection.DESC, page });
  }

  listVersions(modelId: string, page: PageArgs): Promise<Connection<ModelVersion>> {
    const qb = this.dataSource.getRepository(ModelVersion).createQueryBuilder('v').where('v.modelId = :modelId', { modelId });
    return paginate(qb, { alias: 'v', sortProperty: 'version', sortValue: (v) => v.version, direction: SortDirection.DESC, page });
  }

  /** Versions across models, newest first: lineage questions (what did this run or dataset produce?). */
  searchVersions(filter: ModelVersionFilter | null | undefined, page: PageArgs): Promise<Connection<ModelVersion>> {
    const qb = this.dataSource.getRepository(ModelVersion).createQueryBuilder('v');
    if (filter?.modelId) qb.andWhere('v.modelId = :modelId', { modelId: filter.modelId });
    if (filter?.runId) qb.andWhere('v.runId = :runId', { runId: filter.runId });
    if (filter?.datasetVersionId) qb.andWhere('v.datasetVersionId = :datasetVersionId', { datasetVersionId: filter.datasetVersionId });
    if (filter?.parentVersionId) qb.andWhere('v.parentVersionId = :parentVersionId', { parentVersionId: filter.parentVersionId });
    if (filter?.version !== undefined && filter.version !== null) qb.andWhere('v.version = :version', { version: filter.version });
    return paginate(qb, { alias: 'v', sortProperty: 'createdAt', sortValue: (v) => v.createdAt.toISOString(), direction: SortDirection.DESC, page });
  }

  async create(principal: Principal, input: CreateModelInput, origin: RequestOrigin | null): Promise<Model> {
    const user = requireUser(principal);
    if (!hasRole(user.role, Role.DEVELOPER)) throw new ForbiddenError('Creating models needs the DEVELOPER role');
    const errors: FieldError[] = [];
    const name = validateName(input.name, 'input.name', errors);
    const tokenizerId = validateOptionalId(input.tokenizerId, 'input.tokenizerId', 128, errors);
    let architecture: ModelArchitectureConfig | null = null;
    let specialTokens: string[] = [];
    let head: { task: ModelTaskValue; labels: string[] | null } = { task: 'causal-lm', labels: null };
    for (const step of [
      () => (architecture = resolveArchitecture(input.preset, input.architecture)),
      () => (specialTokens = withDefaultSpecialTokens(validateSpecialTokens(input.specialTokens ?? []))),
      () => (head = resolveTask(input.task, input.labels)),
    ]) {
      try {
        step();
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        errors.push(...error.fieldErrors);
      }
    }
    if (errors.length) throw new ValidationError(errors);
    const now = new Date();
    const model: Model = { id: randomUUID(), name, description: input.description?.trim() || null, ownerId: user.id, preset: input.preset ?? null, ...architecture!, tokenizerId, specialTokens, ...head, createdAt: now, updatedAt: now };
    await this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(Model);
      if (await repo.existsBy({ ownerId: user.id, name })) throw new ConflictError(`You already have a model named "${name}"`, { field: 'input.name' });
      await repo.insert(model);
      await this.audit.record({ action: 'model.created', actor: principal, origin, targetType: 'Model', targetId: model.id, after: auditView(model) }, manager);
    });
    return model;
  }

  /** Checks a new model's name for its owner (format and uniqueness), before long work such as an import starts. */
  async checkNewModelName(principal: Principal, name: string, field = 'input.name'): Promise<string> {
    const user = requireUser(principal);
    const errors: FieldError[] = [];
    const trimmed = validateName(name, field, errors);
    if (errors.length) throw new ValidationError(errors);
    if (await this.dataSource.getRepository(Model).existsBy({ ownerId: user.id, name: trimmed })) throw new ConflictError(`You already have a model named "${trimmed}"`, { field });
    return trimmed;
  }

  /**
   * Registers weights that came from elsewhere (an import) as a new model with version 1, in one
   * transaction, audited as model.imported. The caller has checked the role and the checkpoint.
   */
  async registerImported(principal: Principal, input: RegisterImportedInput, origin: RequestOrigin | null): Promise<{ model: Model; version: ModelVersion }> {
    const user = requireUser(principal);
    const name = await this.checkNewModelName(principal, input.name);
    const now = new Date();
    const model: Model = {
      id: randomUUID(),
      name,
      description: input.description?.trim() || null,
      ownerId: user.id,
      preset: null,
      ...input.architecture,
      task: 'causal-lm',
      labels: null,
      tokenizerId: null,
      specialTokens: input.specialTokens,
      createdAt: now,
      updatedAt: now,
    };
    const version: ModelVersion = {
      id: input.versionId,
      modelId: model.id,
      version: 1,
      checkpointPath: input.checkpointPath,
      parentVersionId: null,
      runId: null,
      datasetVersionId: null,
      notes: null,
      source: input.source,
      metadata: input.metadata,
      createdBy: user.id,
      createdAt: now,
    };
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.getRepository(Model).insert(model);
        await manager.getRepository(ModelVersion).insert(version);
        const { createdAt: _c, ...versionView } = version;
        await this.audit.record({ action: 'model.imported', actor: principal, origin, targetType: 'Model', targetId: model.id, after: { model: auditView(model), version: versionView } }, manager);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(`You already have a model named "${name}"`, { field: 'input.name' });
      throw error;
    }
    return { model, version };
  }

  /** The tokenizer.json stored with a version's checkpoint (imported versions have one), as text. */
  async versionTokenizerJson(versionId: string, field = 'versionId'): Promise<string> {
    const version = await this.findVersion(versionId);
    if (!version) throw ValidationError.single(field, `${versionId} is not a model version`);
    const path = version.checkpointPath ? join(version.checkpointPath, VERSION_TOKENIZER_FILE) : null;
    if (!path || !existsSync(path)) throw ValidationError.single(field, `model version ${versionId} has no ${VERSION_TOKENIZER_FILE} with its weights`);
    return readFileSync(path, 'utf8');
  }

  /**
   * The sha256 of the tokenizer a version's vocabulary belongs to, when known: recorded by an
   * import, inherited along the lineage (a version trained from an imported one); null otherwise.
   */
  async versionTokenizerSha256(versionId: string): Promise<string | null> {
    let id: string | null = versionId;
    for (let hop = 0; id && hop < MAX_LINEAGE_HOPS; hop++) {
      const version = await this.findVersion(id);
      const sha256 = (version?.metadata as { tokenizer?: { sha256?: unknown } } | null)?.tokenizer?.sha256;
      if (typeof sha256 === 'string') return sha256;
      id = version?.parentVersionId ?? null;
    }
    return null;
  }

  async update(principal: Principal, id: string, input: UpdateModelInput, origin: RequestOrigin | null): Promise<Model> {
    return this.dataSource.transaction(async (manager) => {
      const repo = manager.getRepository(Model);
      const model = await repo.findOneBy({ id });
      if (!model) throw new NotFoundError('Model', id);
      assertCanModify(principal, model.ownerId, 'model');
      const before = auditView(model);
      const errors: FieldError[] = [];
      if (input.name !== undefined && input.name !== null) model.name = validateName(input.name, 'input.name', errors);
      if (input.description !== undefined) model.description = input.description?.trim() || null;
      if (input.tokenizerId !== undefined) model.tokenizerId = validateOptionalId(input.tokenizerId, 'input.tokenizerId', 128, errors);
      if (errors.length) throw new ValidationError(errors);
      const clash = await repo.findOneBy({ ownerId: model.ownerId, name: model.name });
      if (clash && clash.id !== model.id) throw new ConflictError(`The owner already has a model named "${model.name}"`, { field: 'input.name' });
      model.updatedAt = new Date();
      await repo.update({ id }, { name: model.name, description: model.description, tokenizerId: model.tokenizerId, updatedAt: model.updatedAt });
      await this.audit.record({ action: 'model.updated', actor: principal, origin, targetType: 'Model', targetId: id, before, after: auditView(model) }, manager);
      return model;
    });
  }

  async delete(principal: Principal, id: string, origin: RequestOrigin | null): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const model = await manager.getRepository(Model).findOneBy({ id });
      if (!model) throw new NotFoundError('Model', id);
      assertCanModify(principal, model.ownerId, 'model');
      await manager.getRepository(ModelVersionTag).delete({ modelId: id });
      await manager.getRepository(ModelVersion).delete({ modelId: id });
      await manager.getRepository(Model).delete({ id });
      await this.audit.record({ action: 'model.deleted', actor: principal, origin, targetType: 'Model', targetId: id, before: auditView(model) }, manager);
      return true;
    });
  }

  async createVersion(principal: Principal, input: CreateModelVersionInput, origin: RequestOrigin | null): Promise<ModelVersion> {
    return this.insertVersion(principal, input, origin, true);
  }

  /**
   * Registers the weights a training run produced as the next version of its model, on behalf
   * of the run's owner (no role check: the run was authorized when it started).
   */
  async registerRunVersion(owner: { id: string; email: string; role: Role }, input: CreateModelVersionInput): Promise<ModelVersion> {
    const principal: Principal = { kind: 'session', user: owner, sessionId: 'training-runner', expiresAt: new Date(8.64e15) };
    // Runs of one model finishing together (in several workers) race for the next version
    // number; the loser of the unique index tries again with the number after.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.insertVersion(principal, input, null, false);
      } catch (error) {
        if (attempt >= REGISTER_ATTEMPTS || !isUniqueViolation(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
      }
    }
  }

  private async insertVersion(principal: Principal, input: CreateModelVersionInput, origin: RequestOrigin | null, checkOwner: boolean): Promise<ModelVersion> {
    const user = requireUser(principal);
    return this.dataSource.transaction(async (manager) => {
      const model = await manager.getRepository(Model).findOneBy({ id: input.modelId });
      if (!model) throw new NotFoundError('Model', input.modelId);
      if (checkOwner) assertCanModify(principal, model.ownerId, 'model');
      const errors: FieldError[] = [];
      const checkpointPath = validateOptionalId(input.checkpointPath, 'input.checkpointPath', 1024, errors);
      const runId = validateOptionalId(input.runId, 'input.runId', 36, errors);
      const datasetVersionId = validateOptionalId(input.datasetVersionId, 'input.datasetVersionId', 64, errors);
      const versions = manager.getRepository(ModelVersion);
      if (input.parentVersionId) {
        const parent = await versions.findOneBy({ id: input.parentVersionId });
        if (!parent) errors.push({ field: 'input.parentVersionId', message: 'is not a model version' });
      }
      if (errors.length) throw new ValidationError(errors);
      const last = await versions.createQueryBuilder('v').select('MAX(v.version)', 'max').where('v.modelId = :id', { id: model.id }).getRawOne<{ max: number | string | null }>();
      const version: ModelVersion = {
        id: randomUUID(),
        modelId: model.id,
        version: Number(last?.max ?? 0) + 1,
        checkpointPath,
        parentVersionId: input.parentVersionId ?? null,
        runId,
        datasetVersionId,
        notes: input.notes?.trim() || null,
        source: null,
        metadata: null,
        createdBy: user.id,
        createdAt: new Date(),
      };
      await versions.insert(version);
      const { createdAt: _c, ...after } = version;
      await this.audit.record({ action: 'model_version.created', actor: principal, origin, targetType: 'ModelVersion', targetId: version.id, after }, manager);
      return version;
    });
  }
}
