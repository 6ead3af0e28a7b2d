// The model_version_tags migration builds the table the entity describes, on both engines: the
// schema TypeORM would derive from the entity needs no change, and the (model, tag) index is unique.
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../db/data-source.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../test/databases.ts';

describe.each(ENGINES)('model_version_tags migration on %s', (engine) => {
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await database?.drop();
    database = null;
  });

  it('matches the entity and refuses a second row for the same model and tag', async () => {
    database = await createTestDatabase(engine);
    const { dataSource } = await openDatabase(database.config);
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query).filter((q) => q.includes('model_version_tags'))).toEqual([]);
      const insert = (id: string, versionId: string) => dataSource.query(`INSERT INTO model_version_tags (id, version_id, model_id, tag, created_by, created_at) VALUES ('${id}', '${versionId}', 'm1', 'production', 'u1', '2026-11-29T00:00:00.000Z')`);
      await insert('t1', 'v1');
      await expect(insert('t2', 'v2')).rejects.toThrow(/unique|UNIQUE/);
    } finally {
      await dataSource.destroy();
    }
  });
});
