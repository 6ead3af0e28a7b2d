// Upgrading an installation from before dataset owners: its uploads, datasets and versions are
// kept, with no owner (admins only); deleting a user leaves their datasets to the admins.
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../test/databases.ts';
import { createDataSource, openDatabase } from '../db/data-source.ts';
import { MIGRATIONS } from '../db/migrations/index.ts';
import { AddDatasetOwners1764210000000 } from '../db/migrations/1764210000000-add-dataset-owners.ts';

const BEFORE_OWNERS = MIGRATIONS.slice(0, MIGRATIONS.indexOf(AddDatasetOwners1764210000000));
const AT = '2026-01-01T00:00:00.000Z';

describe.each(ENGINES)('dataset owners migration on %s', (engine) => {
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await database?.drop();
    database = null;
  });

  it('keeps existing rows with a null owner; a deleted owner leaves the dataset ownerless', async () => {
    database = await createTestDatabase(engine);
    const old = createDataSource(database.config);
    old.setOptions({ migrations: BEFORE_OWNERS });
    await old.initialize();
    await old.runMigrations({ transaction: 'each' });
    await old.query(`INSERT INTO uploads (id, status, filename, size_bytes, sha256, created_at) VALUES ('u1', 'COMPLETED', 'a.txt', 3, 'abc', '${AT}')`);
    await old.query(`INSERT INTO datasets (id, name, description, created_at) VALUES ('d1', 'old', 'from before owners', '${AT}')`);
    await old.query(
      `INSERT INTO dataset_versions (id, dataset_id, version, format, source_options, source_sha256, source_bytes, source_filename, records_sha256, record_count, train_tokens, validation_tokens, vocab_size, report, gate_passed, created_at)
       VALUES ('v1', 'd1', 1, 'text', '{}', 'abc', 3, 'a.txt', 'def', 1, 10, 2, 300, '{}', true, '${AT}')`,
    );
    await old.destroy();

    const { dataSource, applied } = await openDatabase(database.config);
    try {
      // the owners migration comes first; later domains' migrations (training, ...) follow it
      expect(applied[0]).toBe('AddDatasetOwners1764210000000');
      expect(await dataSource.query(`SELECT id, owner_id FROM uploads`)).toEqual([{ id: 'u1', owner_id: null }]);
      expect(await dataSource.query(`SELECT id, name, description, owner_id FROM datasets`)).toEqual([{ id: 'd1', name: 'old', description: 'from before owners', owner_id: null }]);
      expect(await dataSource.query(`SELECT id, dataset_id FROM dataset_versions`)).toEqual([{ id: 'v1', dataset_id: 'd1' }]);

      await dataSource.query(`INSERT INTO users (id, email, password_hash, role, created_at, updated_at) VALUES ('user1', 'dev@test.local', 'x', 'DEVELOPER', '${AT}', '${AT}')`);
      await dataSource.query(`UPDATE datasets SET owner_id = 'user1'`);
      await dataSource.query(`DELETE FROM users WHERE id = 'user1'`);
      expect(await dataSource.query(`SELECT id, owner_id FROM datasets`)).toEqual([{ id: 'd1', owner_id: null }]);
      // dataset names stay unique
      await expect(dataSource.query(`INSERT INTO datasets (id, name, description, created_at) VALUES ('d2', 'old', '', '${AT}')`)).rejects.toThrow();
    } finally {
      await dataSource.destroy();
    }
  });
});
