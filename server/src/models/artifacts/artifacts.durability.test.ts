// A server process killed with SIGKILL in the middle of an export: after the restart the job is
// FAILED (interrupted), and there is no artifact row, no artifact folder and no work folder.
import 'reflect-metadata';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startKillableServer } from '../../../test/server-process.ts';
import { createModel } from '../../../../native/index.ts';
import { ENGINES } from '../../../test/databases.ts';
import { type GraphQLResponse, TEST_ADMIN } from '../../../test/test-server.ts';
import { Job } from '../../jobs/job.entity.ts';
import { ModelArtifact } from './artifact.entity.ts';

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.each(ENGINES)('export durability on %s', (engine) => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('an export killed with SIGKILL leaves no artifact row or folder, and the job ends FAILED after the restart', { timeout: 240_000 }, async () => {
    const server = await startKillableServer(engine, { entry: 'server/src/main.ts', tempPrefix: 'egen-export-kill-', env: { EGEN_TRAIN_THREADS: '1', EGEN_JOB_STALE_MS: '1000' } });
    cleanups.push(() => server.dispose());
    const { dataDir, httpUrl } = server;
    const dataSource = await server.openDatabase();

    const graphql = async <T>(query: string, variables: Record<string, unknown>, token?: string): Promise<GraphQLResponse<T>> =>
      (await (await fetch(`${httpUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) })).json()) as GraphQLResponse<T>;
    const login = await graphql<{ login: { accessToken: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: TEST_ADMIN.email, p: TEST_ADMIN.password });
    const token = login.data!.login.accessToken;

    // Large enough (about 25M parameters, 100 MB of weights) that the export takes seconds.
    const architecture = { vocabSize: 8192, contextLength: 64, layers: 6, heads: 8, embeddingWidth: 512 };
    const { path: checkpoint } = await createModel({ model: { vocabSize: 8192, contextLength: 64, nLayer: 6, nHead: 8, nEmbd: 512 }, outputDir: join(dataDir, 'imported', 'big'), seed: 1 });
    const model = await graphql<{ createModel: { id: string } }>('mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', { i: { name: 'big', architecture } }, token);
    const version = await graphql<{ createModelVersion: { id: string } }>('mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }', { i: { modelId: model.data!.createModel.id, checkpointPath: checkpoint } }, token);
    const started = await graphql<{ exportModelVersion: { id: string } }>('mutation($v: ID!) { exportModelVersion(versionId: $v, format: HUGGING_FACE) { id } }', { v: version.data!.createModelVersion.id }, token);
    expect(started.errors).toBeUndefined();
    const jobId = started.data!.exportModelVersion.id;
    const jobs = dataSource.getRepository(Job);

    // Kill it while it works (the work folder exists and the job is running).
    const running = await until(
      () => jobs.findOneByOrFail({ id: jobId }),
      (j) => j.status === 'IN_PROGRESS' && existsSync(join(dataDir, 'jobs', jobId, 'artifact')),
      'the export to start writing',
    );
    expect(running.status).toBe('IN_PROGRESS');
    await new Promise((r) => setTimeout(r, 300));
    server.child.process.kill('SIGKILL');
    await server.child.exited;
    const atKill = await jobs.findOneByOrFail({ id: jobId });
    expect(atKill.status).toBe('IN_PROGRESS'); // it did not finish before the kill

    await server.restart();
    const ended = await until(
      () => jobs.findOneByOrFail({ id: jobId }),
      (j) => j.status !== 'IN_PROGRESS' && j.status !== 'QUEUED',
      'the interrupted export to be recovered',
    );
    expect(ended).toMatchObject({ status: 'FAILED', errorCode: 'JOB_INTERRUPTED' });
    expect(await dataSource.getRepository(ModelArtifact).count()).toBe(0);
    expect(existsSync(join(dataDir, 'artifacts')) ? readdirSync(join(dataDir, 'artifacts')) : []).toEqual([]);
    expect(existsSync(join(dataDir, 'jobs', jobId))).toBe(false);
  });
});
