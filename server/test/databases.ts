// Both database engines for tests: a fresh SQLite file or a fresh PostgreSQL database per call.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import type { DatabaseConfig } from '../src/config/config.ts';

export type Engine = DatabaseConfig['engine'];
const ALL_ENGINES: readonly Engine[] = ['sqlite', 'postgres'];

/** The engines the tests run on: both, or those EGEN_TEST_ENGINES names (vitest.config.ts sets it per project). */
export const ENGINES: readonly Engine[] = (process.env.EGEN_TEST_ENGINES?.split(',') ?? ALL_ENGINES).map((name) => {
  const engine = ALL_ENGINES.find((e) => e === name.trim());
  if (!engine) throw new Error(`EGEN_TEST_ENGINES: unknown engine "${name}"; expected ${ALL_ENGINES.join(' or ')}`);
  return engine;
});

export interface TestDatabase {
  config: DatabaseConfig;
  /** For DATABASE_URL when starting a server process; undefined for SQLite. */
  url: string | undefined;
  drop(): Promise<void>;
}

/** Creates an empty database of the given engine; `drop()` removes it. */
export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'egen-sqlite-'));
    return { config: { engine, path: join(dir, 'egen.sqlite') }, url: undefined, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const adminUrl = inject('postgresAdminUrl');
  const name = `egen_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    config: { engine, url: url.toString() },
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}
