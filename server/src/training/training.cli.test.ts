// `egen train`, `egen runs ...` against a real server whose runs are trained by a separate
// worker (startWorker, as `egen worker` runs it): the queue and control requests go through the
// database, as they do across processes.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { createShakespeareVersion, createTinyModel, getRun, startRun, subscribe, TINY_CONFIG, waitForRun } from './testing/fixtures.ts';
import { RUN_LOG_TOPIC, RUN_METRICS_TOPIC } from './training.topics.ts';
import { type RunningWorker, startWorker } from './worker.ts';

describe('egen train / runs / worker (sqlite)', () => {
  let t: TestServer;
  let dev: TestUser;
  let worker: RunningWorker | null = null;
  let configHome: string;
  let datasetVersionId: string;
  let modelId: string;

  beforeAll(async () => {
    t = await startTestServer('sqlite', { runTraining: false });
    dev = await t.createUser('DEVELOPER');
    configHome = mkdtempSync(join(tmpdir(), 'egen-cli-'));
    datasetVersionId = await createShakespeareVersion(t, dev);
    modelId = await createTinyModel(t, dev);
    expect((await egen(['login', '--email', dev.email], { EGEN_PASSWORD: dev.password })).code).toBe(0);
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.stop();
    rmSync(configHome, { recursive: true, force: true });
  });

  async function egen(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: { XDG_CONFIG_HOME: configHome, EGEN_URL: t.httpUrl, ...env } });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('train --detach queues; bad config names the field; the worker trains; runs list/show/watch', async () => {
    const bad = join(configHome, 'bad.json');
    writeFileSync(bad, JSON.stringify({ batchSize: 0 }));
    const refused = await egen(['train', '--dataset', datasetVersionId, '--model', modelId, '--config', bad]);
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.err).toContain('config.batchSize: must be an integer from 1 to 65536 (got 0)');

    const file = join(configHome, 'config.json');
    writeFileSync(file, JSON.stringify({ ...TINY_CONFIG, steps: 30 }));
    const started = await egen(['train', '--dataset', datasetVersionId, '--model', modelId, '--config', file, '--detach']);
    expect(started.code).toBe(0);
    const id = /^Started run ([0-9a-f-]{36}) \(Step 0\/30, QUEUED\)$/.exec(started.out)![1]!;
    // Nothing trains it until a worker runs.
    await new Promise((r) => setTimeout(r, 300));
    expect((await getRun(t, dev, id)).status).toBe('QUEUED');

    worker = await startWorker(t.server.config, { pollIntervalMs: 100 });
    const watched = await egen(['runs', 'watch', id, '--interval-ms', '100']);
    expect(watched.code).toBe(0);
    expect(watched.out).toMatch(/\[####################\] 100% {2}Step 30\/30 {2}loss \d+\.\d{4} {2}best val \d+\.\d{4} {2}COMPLETED/);
    expect(watched.out).toMatch(/Run .* completed: model version v1 \(/);

    const list = await egen(['runs', 'list']);
    expect(list.out.split('\n')[0]).toMatch(/^ID +STATUS +PROGRESS +LOSS +MODEL +CREATED$/);
    expect(list.out).toContain(`${id}  COMPLETED  Step 30/30`);
    const show = await egen(['runs', 'show', id]);
    expect(show.out).toContain('Status    COMPLETED (done)');
  });

  it('pause, resume and cancel reach the worker through the database; train follows to the end', async () => {
    const file = join(configHome, 'long.json');
    writeFileSync(file, JSON.stringify({ ...TINY_CONFIG, steps: 100_000 }));
    const started = await egen(['train', '--dataset', datasetVersionId, '--model', modelId, '--config', file, '--detach']);
    const id = /Started run ([0-9a-f-]{36})/.exec(started.out)![1]!;
    await waitForRun(t, dev, id, (r) => r.status === 'IN_PROGRESS' && r.step > 0);
    expect((await egen(['runs', 'pause', id])).out).toMatch(/pause requested/);
    const paused = await waitForRun(t, dev, id, (r) => r.status === 'PAUSED', 10_000);
    expect((await egen(['runs', 'resume', id])).code).toBe(0);
    await waitForRun(t, dev, id, (r) => r.status === 'IN_PROGRESS' && r.step > paused.step, 10_000);
    expect((await egen(['runs', 'cancel', id])).code).toBe(0);
    expect(await waitForRun(t, dev, id, (r) => r.status === 'CANCELLED', 10_000)).toMatchObject({ stopReason: 'cancelled by a user' });

    const short = join(configHome, 'short.json');
    writeFileSync(short, JSON.stringify({ ...TINY_CONFIG, steps: 5 }));
    const followed = await egen(['train', '--dataset', datasetVersionId, '--model', modelId, '--config', short, '--interval-ms', '100']);
    expect(followed.code).toBe(0);
    expect(followed.out).toMatch(/Step 5\/5 {2}loss .* COMPLETED/);
  });

  it("the server's subscribers see every point, the status and every log line of a run the worker trains", async () => {
    // No worker while we subscribe, so the run is still queued when the relay starts following it.
    await worker?.stop();
    worker = null;
    const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 25, evalEvery: 5, evalBatches: 1 } });
    const metrics = await subscribe<{ runMetrics: { points: Array<{ step: number; name: string }> } }>(t.wsUrl, dev.token, 'subscription($id: ID!) { runMetrics(runId: $id) { points { step name } } }', { id: run.id });
    const updates = await subscribe<{ runUpdated: { status: string } }>(t.wsUrl, dev.token, 'subscription($id: ID!) { runUpdated(id: $id) { status } }', { id: run.id });
    const log = await subscribe<{ runLogAdded: { sequence: number; level: string; message: string } }>(t.wsUrl, dev.token, 'subscription($id: ID!) { runLogAdded(runId: $id) { sequence level message } }', { id: run.id });
    for (let i = 0; i < 200 && (t.server.pubSub.subscriberCount(RUN_METRICS_TOPIC, run.id) < 1 || t.server.pubSub.subscriberCount(RUN_LOG_TOPIC, run.id) < 1); i++) await new Promise((r) => setTimeout(r, 25));
    await t.server.relay.tick(); // the relay starts following the run from here
    expect(t.server.runner).toBeNull(); // this server trains nothing: every update comes through the relay
    worker = await startWorker(t.server.config, { pollIntervalMs: 100 });
    await updates.waitFor((m) => m.runUpdated.status === 'COMPLETED');
    await metrics.waitFor((m) => m.runMetrics.points.some((p) => p.name === 'loss' && p.step === 25));
    const live = metrics.messages.flatMap((m) => m.runMetrics.points);
    expect(live.filter((p) => p.name === 'loss').map((p) => p.step)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(live.filter((p) => p.name === 'val_loss').map((p) => p.step)).toEqual([5, 10, 15, 20, 25]);
    // The relay reads the run's status every interval, so a short run may go from QUEUED to
    // COMPLETED between two reads: what it publishes follows the lifecycle and ends COMPLETED.
    const statuses = updates.messages.map((m) => m.runUpdated.status);
    const order = ['QUEUED', 'IN_PROGRESS', 'COMPLETED'];
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(statuses.map((s) => order.indexOf(s))).toEqual([...statuses.map((s) => order.indexOf(s))].sort((a, b) => a - b));
    expect(statuses.every((s) => order.includes(s))).toBe(true);
    // Every line the worker wrote after the relay started following (the "Queued" line came before), in order.
    await log.waitFor((m) => m.runLogAdded.message.startsWith('Completed at step 25/25'));
    const stored = await t.graphqlAs<{ runLogs: { nodes: Array<{ sequence: number; level: string; message: string }> } }>(dev.token, 'query($id: ID!) { runLogs(runId: $id, first: 100) { nodes { sequence level message } } }', { id: run.id });
    const lines = stored.data!.runLogs.nodes;
    expect(lines[0]!.message).toMatch(/^Queued by /);
    expect(log.messages.map((m) => m.runLogAdded)).toEqual(lines.slice(1));
    expect(lines.find((l) => l.message.startsWith('Claimed by worker'))!.message).toContain(`(attempt 1)`);
    await metrics.dispose();
    await updates.dispose();
    await log.dispose();
  });
});
