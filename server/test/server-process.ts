// A server as a real child process, for the tests that kill it (SIGKILL, SIGTERM) and start it
// again on the same data directory and database.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source.ts';
import { PROJECT_ROOT } from '../src/paths.ts';
import { createTestDatabase, type Engine, type TestDatabase } from './databases.ts';
import { freePort } from './ports.ts';
import { TEST_ADMIN } from './test-server.ts';

export interface ServerProcess {
  process: ChildProcess;
  /** Everything it printed, for failure messages. */
  output: string[];
  exited: Promise<number | null>;
}

/** Runs `entry` (a TypeScript file, relative to the repository root) under tsx with `env` added. */
export function startServerProcess(entry: string, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return { process: child, output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

/** Waits (up to two minutes) until `url`/healthz answers 200; fails with the output if the process exits. */
export async function waitHealthy(url: string, child: ServerProcess): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (child.process.exitCode !== null) throw new Error(`server exited: ${child.output.join('')}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy: ${child.output.join('')}`);
}

/** A server process on its own data directory and test database, with the test admin. */
export interface KillableServer {
  dataDir: string;
  database: TestDatabase;
  httpUrl: string;
  /** The process running now (replaced by restart). */
  child: ServerProcess;
  /** Starts the server again on the same data and database and waits until it is healthy. */
  restart(): Promise<void>;
  /** The server's database opened from the test process too (on SQLite, the file under dataDir). */
  openDatabase(): Promise<DataSource>;
  /** Kills the process, closes what openDatabase opened, drops the database and removes dataDir. */
  dispose(): Promise<void>;
}

/** Starts `entry` with EGEN_* settings for a fresh data directory and database (plus `env`), healthy. */
export async function startKillableServer(engine: Engine, options: { entry: string; env?: Record<string, string>; tempPrefix: string }): Promise<KillableServer> {
  const dataDir = mkdtempSync(join(tmpdir(), options.tempPrefix));
  const database = await createTestDatabase(engine);
  const port = await freePort();
  const env: Record<string, string> = {
    EGEN_DATA_DIR: dataDir,
    EGEN_PORT: String(port),
    EGEN_ADMIN_EMAIL: TEST_ADMIN.email,
    EGEN_ADMIN_PASSWORD: TEST_ADMIN.password,
    EGEN_LOG_LEVEL: 'warn',
    ...options.env,
    ...(database.url ? { DATABASE_URL: database.url } : {}),
  };
  const opened: DataSource[] = [];
  const server: KillableServer = {
    dataDir,
    database,
    httpUrl: `http://127.0.0.1:${port}`,
    child: startServerProcess(options.entry, env),
    async restart() {
      server.child = startServerProcess(options.entry, env);
      await waitHealthy(server.httpUrl, server.child);
    },
    async openDatabase() {
      const { dataSource } = await openDatabase(database.config.engine === 'sqlite' ? { engine: 'sqlite', path: join(dataDir, 'egen.sqlite') } : database.config);
      opened.push(dataSource);
      return dataSource;
    },
    async dispose() {
      server.child.process.kill('SIGKILL');
      for (const source of opened) await source.destroy();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitHealthy(server.httpUrl, server.child);
  } catch (error) {
    await server.dispose();
    throw error;
  }
  return server;
}
