// Durability of jobs: a real server process is killed with SIGKILL while a job writes its output;
// after restart the job is FAILED with JOB_INTERRUPTED ("the server stopped during the job"), its
// kind has removed the partial output and its workDir is gone. A graceful stop (SIGTERM) ends a
// running job the same way, at once, with nothing left behind.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startKillableServer } from '../../test/server-process.ts';
import { ENGINES } from '../../test/databases.ts';
import { type GraphQLResponse, TEST_ADMIN } from '../../test/test-server.ts';
import { createLogger } from '../logging/logger.ts';
import { InProcessPubSub } from '../pubsub/pubsub.ts';
import { Role } from '../security/roles.ts';
import { JobsService } from './jobs.service.ts';
import { fileStepsKind } from './testing/test-kinds.ts';

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
    const server = await startKillableServer(engine, { entry: 'server/src/jobs/testing/job-server.ts', tempPrefix: 'egen-job-durable-' });
    cleanups.push(() => server.dispose());
    const { dataDir, httpUrl } = server;

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
      throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await job(id))}\n${server.child.output.join('')}`);
    };

    // Jobs are enqueued from this process through the shared database, as another server would.
    const dataSource = await server.openDatabase();
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

    server.child.process.kill('SIGKILL');
    await server.child.exited;
    // Dead, not ended: the row still says IN_PROGRESS and the partial files are there.
    const [row] = await dataSource.query(`SELECT status FROM jobs WHERE id = '${killed.id}'`);
    expect(row.status).toBe('IN_PROGRESS');
    expect(existsSync(`${killedOutput}.partial`)).toBe(true);

    await server.restart();
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
    server.child.process.kill('SIGTERM');
    expect(await server.child.exited).toBe(0);
    const [after] = await dataSource.query(`SELECT status, error_code, error_message FROM jobs WHERE id = '${stopped.id}'`);
    expect(after).toMatchObject({ status: 'FAILED', error_code: 'JOB_INTERRUPTED', error_message: 'the server stopped during the job' });
    expect(existsSync(`${stoppedOutput}.partial`)).toBe(false);
    expect(existsSync(enqueuer.workDir(stopped.id))).toBe(false);
  });
});
