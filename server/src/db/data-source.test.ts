import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../test/databases.ts';
import { openDatabase, DatabaseUnavailableError } from './data-source.ts';
import { MIGRATIONS } from './migrations/index.ts';

describe.each(ENGINES)('database migrations on %s', (engine) => {
  let database: TestDatabase | null = null;
  afterEach(async () => {
    await database?.drop();
    database = null;
  });

  it('apply every migration to an empty database, then nothing on a second open', async () => {
    database = await createTestDatabase(engine);
    const first = await openDatabase(database.config);
    expect(first.applied).toEqual(MIGRATIONS.map((m) => new m().name));
    const tables =
      engine === 'sqlite'
        ? await first.dataSource.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'instance_settings'`)
        : await first.dataSource.query(`SELECT table_name AS name FROM information_schema.tables WHERE table_name = 'instance_settings'`);
    expect(tables).toHaveLength(1);
    await first.dataSource.query(`INSERT INTO instance_settings (key, value, updated_at) VALUES ('probe', 'kept', 'now')`);
    await first.dataSource.destroy();

    const second = await openDatabase(database.config);
    expect(second.applied).toEqual([]);
    // Re-running migrations kept the data written between the two starts.
    const rows = await second.dataSource.query(`SELECT value FROM instance_settings WHERE key = 'probe'`);
    expect(rows).toEqual([{ value: 'kept' }]);
    await second.dataSource.destroy();
  });
});

describe('database connection errors', () => {
  it('an unreachable DATABASE_URL gives one clear line naming the variable', async () => {
    const error = await openDatabase({ engine: 'postgres', url: 'postgres://egen:secret@127.0.0.1:1/egen' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    const message = (error as Error).message;
    expect(message).toMatch(/^cannot connect to the database \(DATABASE_URL: postgres postgres:\/\/egen:\*\*\*@127\.0\.0\.1:1\/egen\): .*ECONNREFUSED/);
    expect(message).not.toContain('secret');
    expect(message.split('\n')).toHaveLength(1);
  });
});
