// The one TypeORM data source: SQLite file by default, PostgreSQL when DATABASE_URL is set.
// Migrations run at start; `synchronize` is never used.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import { type DatabaseConfig, redactUrl } from '../config/config.ts';
import { ENTITIES } from './entities.ts';
import { MIGRATIONS } from './migrations/index.ts';

export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

export function createDataSource(config: DatabaseConfig): DataSource {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (config.engine === 'sqlite') {
    mkdirSync(dirname(config.path), { recursive: true });
    return new DataSource({
      type: 'better-sqlite3',
      database: config.path,
      // WAL lets readers proceed while the runner writes metric batches.
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('foreign_keys = ON');
        db.pragma('busy_timeout = 5000');
      },
      ...common,
    });
  }
  return new DataSource({ type: 'postgres', url: config.url, connectTimeoutMS: 5000, ...common });
}

/** Where the database is, for messages and `egen doctor` (passwords hidden). */
export function describeDatabase(config: DatabaseConfig): string {
  return config.engine === 'sqlite' ? `sqlite ${config.path}` : `postgres ${redactUrl(config.url)}`;
}

/** Connects and applies pending migrations; returns the names of those applied now. */
export async function openDatabase(config: DatabaseConfig): Promise<{ dataSource: DataSource; applied: string[] }> {
  const dataSource = createDataSource(config);
  try {
    await dataSource.initialize();
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    const variable = config.engine === 'postgres' ? 'DATABASE_URL' : 'the SQLite file';
    throw new DatabaseUnavailableError(`cannot connect to the database (${variable}: ${describeDatabase(config)}): ${reason}`);
  }
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return { dataSource, applied: applied.map((m) => m.name) };
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}

/** True when a trivial query succeeds (used by /readyz). */
export async function isDatabaseReachable(dataSource: DataSource): Promise<boolean> {
  if (!dataSource.isInitialized) return false;
  try {
    await dataSource.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
