// Several workers share one queue: every run is claimed and trained exactly once, on both
// engines, and each run's version is registered under its own number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { createShakespeareVersion, createTinyModel, isFinished, type RunView, startRun, TINY_CONFIG, waitForRun } from './testing/fixtures.ts';
import { type RunningWorker, startWorker } from './worker.ts';

describe.each(ENGINES)('claiming queued runs on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  const workers: RunningWorker[] = [];

  beforeAll(async () => {
    t = await startTestServer(engine, { runTraining: false });
    dev = await t.createUser('DEVELOPER');
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await t?.stop();
  });

  it('three workers racing for six runs claim each exactly once', async () => {
    const datasetVersionId = await createShakespeareVersion(t, dev, 12_000);
    const modelId = await createTinyModel(t, dev);
    const runs: RunView[] = [];
    for (let i = 0; i < 6; i++) runs.push(await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 2, checkpointEvery: 2 } }));
    for (let i = 0; i < 3; i++) workers.push(await startWorker({ ...t.server.config, training: { concurrency: 2, threads: 1 } }, { pollIntervalMs: 20 }));
    const finished = await Promise.all(runs.map((r) => waitForRun(t, dev, r.id, isFinished)));
    expect(finished.map((r) => [r.status, r.attempts])).toEqual(runs.map(() => ['COMPLETED', 1]));
    const versions = await t.graphqlAs<{ model: { versions: { nodes: Array<{ version: number; runId: string }> } } }>(dev.token, 'query($id: ID!) { model(id: $id) { versions(first: 20) { nodes { version runId } } } }', { id: modelId });
    expect(versions.data!.model.versions.nodes.map((v) => v.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(versions.data!.model.versions.nodes.map((v) => v.runId))).toEqual(new Set(runs.map((r) => r.id)));
  });
});
