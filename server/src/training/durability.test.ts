// Durability: the server process is killed with SIGKILL in the middle of a run; on restart the
// run resumes from its last checkpoint and ends with exactly the losses of an uninterrupted run.
import { afterAll, describe, expect, it } from 'vitest';
import { startKillableServer } from '../../test/server-process.ts';
import { ENGINES } from '../../test/databases.ts';
import { type GraphQLResponse, TEST_ADMIN, type TestServer, type TestUser } from '../../test/test-server.ts';
import { createShakespeareVersion, createTinyModel, isFinished, startRun, TINY_CONFIG, waitForRun } from './testing/fixtures.ts';

describe.each(ENGINES)('durability on %s', (engine) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('a run killed with SIGKILL mid-run resumes after restart and ends with the same losses as an uninterrupted run', { timeout: 240_000 }, async () => {
    const server = await startKillableServer(engine, { entry: 'server/src/main.ts', tempPrefix: 'egen-durable-', env: { EGEN_TRAIN_THREADS: '1', EGEN_RUN_STALE_MS: '1000' } });
    cleanups.push(() => server.dispose());
    const { httpUrl } = server;

    const graphql = async <T>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> =>
      (await (await fetch(`${httpUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) })).json()) as GraphQLResponse<T>;
    const login = await graphql<{ login: { accessToken: string; user: { id: string } } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken user { id } } }', { e: TEST_ADMIN.email, p: TEST_ADMIN.password });
    const admin: TestUser = { id: login.data!.login.user.id, email: TEST_ADMIN.email, password: TEST_ADMIN.password, role: 'ADMIN', token: login.data!.login.accessToken, refreshToken: '' };
    const t = { httpUrl, graphql, graphqlAs: <T>(token: string, query: string, variables?: Record<string, unknown>) => graphql<T>(query, variables, { authorization: `Bearer ${token}` }) } as unknown as TestServer;

    const datasetVersionId = await createShakespeareVersion(t, admin, 24_000, 'durable-slice');
    const modelId = await createTinyModel(t, admin, 'durable-tiny');
    const config = { ...TINY_CONFIG, steps: 300, checkpointEvery: 20, evalEvery: 100, evalBatches: 2 };
    const losses = async (id: string): Promise<Array<{ step: number; value: number }>> =>
      (await t.graphqlAs<{ trainingRun: { metrics: Array<{ step: number; value: number }> } }>(admin.token, 'query($id: ID!) { trainingRun(id: $id) { metrics(names: ["loss"], maxPoints: 1000) { step value } } }', { id })).data!.trainingRun.metrics;

    // The reference: the same run, uninterrupted.
    const reference = await waitForRun(t, admin, (await startRun(t, admin, { modelId, datasetVersionId, config })).id, isFinished, 120_000);
    expect(reference).toMatchObject({ status: 'COMPLETED', step: 300, attempts: 1 });

    const run = await startRun(t, admin, { modelId, datasetVersionId, config });
    const atKill = await waitForRun(t, admin, run.id, (r) => r.step >= 70 && r.lastCheckpoint !== null, 120_000);
    expect(atKill.status).toBe('IN_PROGRESS');
    server.child.process.kill('SIGKILL');
    await server.child.exited;

    await server.restart();
    const finished = await waitForRun(t, admin, run.id, isFinished, 120_000);
    expect(finished).toMatchObject({ status: 'COMPLETED', step: 300, attempts: 2 });
    expect(finished.lastLoss).toBe(reference.lastLoss);
    expect(finished.bestValLoss).toBe(reference.bestValLoss);
    const resumedLosses = await losses(run.id);
    expect(resumedLosses.map((p) => p.step)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(resumedLosses.map((p) => p.value)).toEqual((await losses(reference.id)).map((p) => p.value));
    expect(finished.resultVersion?.checkpointPath).toBeTruthy();

    server.child.process.kill('SIGTERM');
    expect(await server.child.exited).toBe(0);
  });
});
