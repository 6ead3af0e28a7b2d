// Per-request DataLoaders: relations resolved for a list of rows cost one query per relation,
// not one per row. A new loader is built for every request (and every WebSocket operation), so
// nothing is cached across users.
import DataLoader from 'dataloader';
import { In, type DataSource, type ObjectLiteral, type EntityTarget } from 'typeorm';
import { User } from '../auth/user.entity.ts';
import { Model, ModelVersion } from '../models/model.entity.ts';
import { ModelVersionTag } from '../models/model-version-tag.entity.ts';
import { Checkpoint } from '../training/training.entity.ts';

export interface Loaders {
  userById: DataLoader<string, User | null>;
  modelById: DataLoader<string, Model | null>;
  modelVersionById: DataLoader<string, ModelVersion | null>;
  /** The highest version of each model. */
  latestVersionByModelId: DataLoader<string, ModelVersion | null>;
  /** Checkpoints of each run, in step order. */
  checkpointsByRunId: DataLoader<string, Checkpoint[]>;
  /** Tags on each model version, by tag name. */
  tagsByVersionId: DataLoader<string, ModelVersionTag[]>;
}

function byId<T extends ObjectLiteral & { id: string }>(dataSource: DataSource, entity: EntityTarget<T>): DataLoader<string, T | null> {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await dataSource.getRepository(entity).findBy({ id: In([...ids]) } as never);
    const map = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

export function createLoaders(dataSource: DataSource): Loaders {
  return {
    userById: byId(dataSource, User),
    modelById: byId(dataSource, Model),
    modelVersionById: byId(dataSource, ModelVersion),
    latestVersionByModelId: new DataLoader<string, ModelVersion | null>(async (modelIds) => {
      const rows = await dataSource
        .getRepository(ModelVersion)
        .createQueryBuilder('v')
        .where('v.modelId IN (:...ids)', { ids: [...modelIds] })
        .andWhere('v.version = (SELECT MAX(v2.version) FROM model_versions v2 WHERE v2.model_id = v.model_id)')
        .getMany();
      const map = new Map(rows.map((row) => [row.modelId, row]));
      return modelIds.map((id) => map.get(id) ?? null);
    }),
    checkpointsByRunId: new DataLoader<string, Checkpoint[]>(async (runIds) => {
      const rows = await dataSource.getRepository(Checkpoint).find({ where: { runId: In([...runIds]) }, order: { step: 'ASC' } });
      return runIds.map((id) => rows.filter((row) => row.runId === id));
    }),
    tagsByVersionId: new DataLoader<string, ModelVersionTag[]>(async (versionIds) => {
      const rows = await dataSource.getRepository(ModelVersionTag).find({ where: { versionId: In([...versionIds]) }, order: { tag: 'ASC' } });
      return versionIds.map((id) => rows.filter((row) => row.versionId === id));
    }),
  };
}
