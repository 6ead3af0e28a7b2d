// Durability of jobs: a real server process is killed with SIGKILL while a job writes its output;
// after restart the job is FAILED with JOB_INTERRUPTED ("the server stopped during the job"), its
// kind has removed the partial output and its workDir is gone. A graceful stop (SIGTERM) ends a
// running job the same way, at once, with nothing left behind.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess, waitHealthy } from '../../test/server-process.ts';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../test/databases.ts';
import { freePort } from '../../test/ports.ts';
import { type GraphQLResponse, TEST_ADMIN } from '../../test/test-server.ts';
import { openDatabase } from '../db/data-source.ts';
import { createLogger } from '../logging/logger.ts';
import { InProcessPubSub } from '../pubsub/pubsub.ts';
import { Role } from '../security/roles.ts';
import { JobsService } from './jobs.service.ts';
import { fileStepsKind } from './testing/test-kinds.ts';

const startChild = (env: Record<string, string>): ServerProcess => startServerProcess('server/src/jobs/testing/job-server.ts', env);

interface JobView {
  status: string;
  progress: number;
  progressText: string;
  errorCode: string | null;
  errorMessage: string | null;
}

describe.each(ENGINES)('job durability on %s', (engine) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('a job killed with SIGKILL mid-write ends FAILED after restart with nothing partial left; SIGTERM ends one the same way', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'egen-job-durable-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const database: TestDatabase = await createTestDatabase(engine);
    cleanups.push(() => database.drop());
    const port = await freePort();
    const env: Record<string, string> = {
      EGEN_DATA_DIR: dataDir,
      EGEN_PORT: String(port),
      EGEN_ADMIN_EMAIL: TEST_ADMIN.email,
      EGEN_ADMIN_PASSWORD: TEST_ADMIN.password,
      EGEN_LOG_LEVEL: 'warn',
      ...(database.url ? { DATABASE_URL: database.url } : {}),
    };
    const httpUrl = `http://127.0.0.1:${port}`;
    let child = startChild(env);
    cleanups.push(() => {
      child.process.kill('SIGKILL');
    });
    await waitHealthy(httpUrl, child);

    const graphql = async <T>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>> =>
      (await (await fetch(`${httpUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) })).json()) as GraphQLResponse<T>;
    const login = async () =>
      (await graphql<{ login: { accessToken: string; user: { id: string } } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }', { e: TEST_ADMIN.email, p: TEST_ADMIN.password })).data!.login;
    let admin = await login();
    const job = async (id: string): Promise<JobView> => {
      const result = await graphql<{ job: JobView }>('query($id: ID!) { job(id: $id) { status progress progressText errorCode errorMessage } }', { id }, admin.accessToken);
      if (!result.data) throw new Error(`job ${id}: ${JSON.stringify(result.errors)}`);
      return result.data.job;
    };
    const until = async (id: string, ok: (j: JobView) => boolean, what: string): Promise<JobView> => {
      for (let i = 0; i < 600; i++) {
        const view = await job(id);
        if (ok(view)) return view;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await job(id))}\n${child.output.join('')}`);
    };

    // Jobs are enqueued from this process through the shared database, as another server would.
    // On SQLite the server uses <dataDir>/egen.sqlite; this process opens that file too.
    const { dataSource } = await openDatabase(database.config.engine === 'sqlite' ? { engine: 'sqlite', path: join(dataDir, 'egen.sqlite') } : database.config);
    cleanups.push(() => dataSource.destroy());
    const kind = fileStepsKind();
    const enqueuer = new JobsService(dataSource, { dataDir, logger: createLogger({ logLevel: 'fatal', logToFile: false, dataDir }), pubSub: new InProcessPubSub() });
    enqueuer.register(kind);
    const principal = { kind: 'session' as const, user: { id: admin.user.id, email: TEST_ADMIN.email, role: Role.ADMIN }, sessionId: 'test', expiresAt: new Date(Date.now() + 600_000) };

    const killedOutput = join(dataDir, 'killed.out');
    const killed = await enqueuer.enqueue({ kind, principal, input: { steps: 400, stepMs: 50, outputFile: killedOutput }, target: null });
    const running = await until(killed.id, (j) => j.status === 'IN_PROGRESS' && j.progress >= 0.02, 'the job to make progress');
    expect(running.progressText).toMatch(/^Step \d+\/400$/);
    expect(existsSync(`${killedOutput}.partial`)).toBe(true);
    expect(existsSync(enqueuer.workDir(killed.id))).toBe(true);

    child.process.kill('SIGKILL');
    await child.exited;
    // Dead, not ended: the row still says IN_PROGRESS and the partial files are there.
    const [row] = await dataSource.query(`SELECT status FROM jobs WHERE id = '${killed.id}'`);
    expect(row.status).toBe('IN_PROGRESS');
    expect(existsSync(`${killedOutput}.partial`)).toBe(true);

    child = startChild(env);
    await waitHealthy(httpUrl, child);
    admin = await login();
    // Recovered at startup, before the server listened: no wait for the heartbeat to go stale.
    expect(await job(killed.id)).toMatchObject({ status: 'FAILED', errorCode: 'JOB_INTERRUPTED', errorMessage: 'the server stopped during the job' });
    expect(existsSync(`${killedOutput}.partial`)).toBe(false);
    expect(existsSync(killedOutput)).toBe(false);
    expect(existsSync(enqueuer.workDir(killed.id))).toBe(false);

    // A job the restarted server runs to the end completes normally.
    const finishedOutput = join(dataDir, 'finished.out');
    const finished = await enqueuer.enqueue({ kind, principal, input: { steps: 5, stepMs: 10, outputFile: finishedOutput }, target: null });
    expect(await until(finished.id, (j) => j.status === 'COMPLETED', 'completion')).toMatchObject({ progress: 1 });
    expect(existsSync(finishedOutput)).toBe(true);

    // Graceful stop: the running job is aborted and ends FAILED at once, its partial output removed by the kind.
    const stoppedOutput = join(dataDir, 'stopped.out');
    const stopped = await enqueuer.enqueue({ kind, principal, input: { steps: 400, stepMs: 50, outputFile: stoppedOutput }, target: null });
    await until(stopped.id, (j) => j.status === 'IN_PROGRESS' && j.progress > 0, 'the second job to run');
    child.process.kill('SIGTERM');
    expect(await child.exited).toBe(0);
    const [after] = await dataSource.query(`SELECT status, error_code, error_message FROM jobs WHERE id = '${stopped.id}'`);
    expect(after).toMatchObject({ status: 'FAILED', error_code: 'JOB_INTERRUPTED', error_message: 'the server stopped during the job' });
    expect(existsSync(`${stoppedOutput}.partial`)).toBe(false);
    expect(existsSync(enqueuer.workDir(stopped.id))).toBe(false);
  });
});
