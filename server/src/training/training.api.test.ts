// Training runs through the real API (HTTP + graphql-ws) on both engines: validation, the
// queue, a live subscriber that receives every metric point in order, pause, resume, cancel,
// ownership, early stopping, the gradient-norm threshold, and downsampled history.
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { RunStatus, TrainingRun } from './training.entity.ts';
import { RUN_METRICS_TOPIC, RUN_UPDATED_TOPIC } from './training.topics.ts';
import { createShakespeareVersion, createTinyModel, getRun, isFinished, type RunView, startRun, subscribe, TINY_CONFIG, waitForRun } from './testing/fixtures.ts';

type LogLine = { sequence: number; level: 'INFO' | 'WARN' | 'ERROR'; message: string; time: string; runId: string };
const LOGS = 'query($id: ID!, $first: Int, $after: String) { runLogs(runId: $id, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { sequence level message time runId } } }';

/** Every line of a run's log, fetched a few at a time to cross page boundaries. */
async function runLog(t: TestServer, user: TestUser, id: string, first = 4): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  let after: string | null = null;
  for (;;) {
    const result: { data?: { runLogs: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: LogLine[] } }; errors?: unknown } = await t.graphqlAs(user.token, LOGS, { id, first, after });
    if (!result.data) throw new Error(`runLogs failed: ${JSON.stringify(result.errors)}`);
    lines.push(...result.data.runLogs.nodes);
    if (!result.data.runLogs.pageInfo.hasNextPage) {
      expect(result.data.runLogs.totalCount).toBe(lines.length);
      return lines;
    }
    after = result.data.runLogs.pageInfo.endCursor;
  }
}

/** Index of the first line matching, failing with the whole log when none does. */
function lineIndex(lines: LogLine[], pattern: RegExp): number {
  const index = lines.findIndex((l) => pattern.test(l.message));
  if (index < 0) throw new Error(`no log line matches ${pattern}:\n${lines.map((l) => `${l.sequence} ${l.level} ${l.message}`).join('\n')}`);
  return index;
}

type Batch = { runMetrics: { runId: string; dropped: number; points: Array<{ step: number; name: string; value: number | null }> } };

describe.each(ENGINES)('training runs API on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  let datasetVersionId: string;
  let modelId: string;

  beforeAll(async () => {
    t = await startTestServer(engine, { config: { training: { concurrency: 1, threads: 1, staleAfterMs: 2000 } } });
    dev = await t.createUser('DEVELOPER');
    datasetVersionId = await createShakespeareVersion(t, dev);
    modelId = await createTinyModel(t, dev);
  });
  afterAll(async () => t?.stop());

  async function waitForSubscribers(topic: string, id: string, count = 1): Promise<void> {
    for (let i = 0; i < 200 && t.server.pubSub.subscriberCount(topic, id) < count; i++) await new Promise((r) => setTimeout(r, 25));
    expect(t.server.pubSub.subscriberCount(topic, id)).toBeGreaterThanOrEqual(count);
  }

  it('validates the whole config with field-level errors', async () => {
    const result = await t.graphqlAs(dev.token, 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id } }', {
      input: { modelId, datasetVersionId, config: { batchSize: 0, steps: 10, epochs: 1, learningRate: -1, lora: { rank: 4 }, device: 'tpu', earlyStopping: {} } },
    });
    const fields = (result.errors?.[0]?.extensions?.fieldErrors as Array<{ field: string }>).map((e) => e.field);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(fields).toEqual(expect.arrayContaining(['input.config.batchSize', 'input.config.epochs', 'input.config.learningRate', 'input.config.lora', 'input.config.device', 'input.config.evalEvery']));
    const missing = await t.graphqlAs(dev.token, 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id } }', { input: { datasetVersionId: 'nope' } });
    expect((missing.errors?.[0]?.extensions?.fieldErrors as Array<{ field: string }>).map((e) => e.field)).toEqual(['input.modelId', 'input.datasetVersionId']);
  });

  it('trains a queued run with a live subscriber receiving every metric point in order; cancel frees the queue', async () => {
    // A long run holds the only slot, so the second run is still queued when we subscribe.
    const blocker = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 100_000 } });
    await waitForRun(t, dev, blocker.id, (r) => r.status === 'IN_PROGRESS' && r.step > 0);
    const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 40, evalEvery: 10, evalBatches: 2, checkpointEvery: 10 } });
    expect(run).toMatchObject({ status: 'QUEUED', progress: 'Step 0/40', maxSteps: 40 });

    const metrics = await subscribe<Batch>(t.wsUrl, dev.token, 'subscription($id: ID!) { runMetrics(runId: $id) { runId dropped points { step name value } } }', { id: run.id });
    const updates = await subscribe<{ runUpdated: { status: string; stage: string; progress: string; step: number; checkpoints: Array<{ step: number }> } }>(
      t.wsUrl,
      dev.token,
      'subscription($id: ID!) { runUpdated(id: $id) { status stage progress step checkpoints { step } } }',
      { id: run.id },
    );
    // a second caller (a VIEWER) and a second subscription of the same caller see the same points
    const viewer = await t.createUser('VIEWER');
    const viewerMetrics = await subscribe<Batch>(t.wsUrl, viewer.token, 'subscription($id: ID!) { runMetrics(runId: $id) { runId dropped points { step name value } } }', { id: run.id });
    const again = await subscribe<Batch>(t.wsUrl, dev.token, 'subscription($id: ID!) { runMetrics(runId: $id) { points { step name } } }', { id: run.id });
    await waitForSubscribers(RUN_METRICS_TOPIC, run.id, 3);
    await waitForSubscribers(RUN_UPDATED_TOPIC, run.id);

    const cancelled = await t.graphqlAs<{ cancelRun: RunView }>(dev.token, 'mutation($id: ID!) { cancelRun(id: $id) { id status } }', { id: blocker.id });
    expect(cancelled.errors).toBeUndefined();
    const blockerEnd = await waitForRun(t, dev, blocker.id, isFinished);
    expect(blockerEnd).toMatchObject({ status: 'CANCELLED', stopReason: 'cancelled by a user', resultVersion: null });

    const done = await waitForRun(t, dev, run.id, isFinished);
    expect(done).toMatchObject({ status: 'COMPLETED', step: 40, progress: 'Step 40/40', stage: 'done', attempts: 1 });
    expect(done.lastLoss).toBeGreaterThan(0);
    expect(done.bestValLoss).toBeGreaterThan(0);
    expect(done.resultVersion).toMatchObject({ runId: run.id, datasetVersionId, parentVersionId: null });
    expect(existsSync(done.resultVersion!.checkpointPath!)).toBe(true);

    const completed = await updates.waitFor((m) => m.runUpdated.status === 'COMPLETED');
    // Relations are read fresh for every event, not from the first event's DataLoader cache.
    expect(completed.runUpdated.checkpoints.map((c) => c.step)).toEqual([10, 20, 30, 40]);
    await metrics.waitFor((m) => m.runMetrics.points.some((p) => p.name === 'loss' && p.step === 40));
    const live = metrics.messages.flatMap((m) => m.runMetrics.points);
    expect(metrics.messages.every((m) => m.runMetrics.dropped === 0)).toBe(true);
    expect(live.filter((p) => p.name === 'loss').map((p) => p.step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(live.filter((p) => p.name === 'val_loss').map((p) => p.step)).toEqual([10, 20, 30, 40]);
    const statuses = updates.messages.map((m) => m.runUpdated.status);
    expect(statuses).toContain('IN_PROGRESS');
    expect(updates.messages.some((m) => m.runUpdated.progress.startsWith('Step ') && m.runUpdated.step > 0 && m.runUpdated.step < 40)).toBe(true);

    // What the subscriber saw is what was stored.
    const history = await t.graphqlAs<{ trainingRun: { metrics: Array<{ step: number; name: string; value: number }>; checkpoints: Array<{ step: number }> } }>(
      dev.token,
      'query($id: ID!) { trainingRun(id: $id) { metrics(names: ["loss"]) { step name value } checkpoints { step } } }',
      { id: run.id },
    );
    expect(history.data!.trainingRun.metrics).toEqual(live.filter((p) => p.name === 'loss'));
    expect(history.data!.trainingRun.checkpoints.map((c) => c.step)).toEqual([10, 20, 30, 40]);
    await viewerMetrics.waitFor((m) => m.runMetrics.points.some((p) => p.name === 'loss' && p.step === 40));
    await again.waitFor((m) => m.runMetrics.points.some((p) => p.name === 'loss' && p.step === 40));
    expect(viewerMetrics.messages.flatMap((m) => m.runMetrics.points)).toEqual(live);
    expect(again.messages.flatMap((m) => m.runMetrics.points)).toEqual(live.map(({ step, name }) => ({ step, name })));
    await Promise.all([metrics.dispose(), updates.dispose(), viewerMetrics.dispose(), again.dispose()]);

    const list = await t.graphqlAs<{ trainingRuns: { totalCount: number; nodes: Array<{ id: string; model: { id: string }; owner: { id: string } }> } }>(
      dev.token,
      'query { trainingRuns(filter: { status: COMPLETED }) { totalCount nodes { id model { id } owner { id } } } }',
    );
    expect(list.data!.trainingRuns).toMatchObject({ totalCount: 1, nodes: [{ id: run.id, model: { id: modelId }, owner: { id: dev.id } }] });
  });

  it('pauses and resumes within a step; only the owner or an admin controls a run; viewers read', async () => {
    const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 100_000 } });
    await waitForRun(t, dev, run.id, (r) => r.status === 'IN_PROGRESS' && r.step > 2);
    const other = await t.createUser('DEVELOPER');
    const viewer = await t.createUser('VIEWER');
    const denied = await t.graphqlAs(other.token, 'mutation($id: ID!) { pauseRun(id: $id) { id } }', { id: run.id });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const viewerStart = await t.graphqlAs(viewer.token, 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id } }', { input: { modelId, datasetVersionId } });
    expect(viewerStart.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await getRun(t, viewer, run.id)).id).toBe(run.id);

    const paused = await t.graphqlAs(dev.token, 'mutation($id: ID!) { pauseRun(id: $id) { id } }', { id: run.id });
    expect(paused.errors).toBeUndefined();
    const atPause = await waitForRun(t, dev, run.id, (r) => r.status === 'PAUSED', 5000);
    expect(atPause.stage).toBe('paused');
    await new Promise((r) => setTimeout(r, 400));
    const still = await getRun(t, dev, run.id);
    expect(still).toMatchObject({ status: 'PAUSED', step: atPause.step });

    const resumed = await t.graphqlAs(t.admin.token, 'mutation($id: ID!) { resumeRun(id: $id) { id } }', { id: run.id });
    expect(resumed.errors).toBeUndefined();
    await waitForRun(t, dev, run.id, (r) => r.status === 'IN_PROGRESS' && r.step > atPause.step, 5000);
    await t.graphqlAs(dev.token, 'mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: run.id });
    expect(await waitForRun(t, dev, run.id, isFinished)).toMatchObject({ status: 'CANCELLED' });
    const again = await t.graphqlAs(dev.token, 'mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: run.id });
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');

    // The log tells the same story, in order, and a viewer reads it.
    const lines = await runLog(t, viewer, run.id);
    const order = [
      /^Pause requested at step \d+/,
      new RegExp(`^Paused at step ${atPause.step}$`),
      /^Resume requested at step \d+/,
      new RegExp(`^Resumed at step ${atPause.step}$`),
      /^Cancel requested by a user at step \d+/,
      /^Cancelled at step \d+: cancelled by a user$/,
    ];
    const at = order.map((pattern) => lineIndex(lines, pattern));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(at.at(-1)).toBe(lines.length - 1);
  });

  it('keeps a log of a run: queued, claimed, loaded, started, step summaries, evaluations, checkpoints, completion; live lines by subscription', async () => {
    const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 20, evalEvery: 10, evalBatches: 1, checkpointEvery: 10 } });
    const live = await subscribe<{ runLogAdded: LogLine }>(t.wsUrl, dev.token, 'subscription($id: ID!) { runLogAdded(runId: $id) { sequence level message time runId } }', { id: run.id });
    const done = await waitForRun(t, dev, run.id, isFinished);
    expect(done.status).toBe('COMPLETED');
    const lines = await runLog(t, dev, run.id, 3);
    expect(lines.map((l) => l.sequence)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.every((l) => l.runId === run.id && l.level === 'INFO')).toBe(true);
    expect(lines.map((l) => Date.parse(l.time))).toEqual([...lines.map((l) => Date.parse(l.time))].sort((a, b) => a - b));
    const milestones = [
      new RegExp(`^Queued by ${dev.email.replace('.', '\\.')}: model "tiny-test" on dataset version 1 \\(${datasetVersionId}\\), 20 steps on cpu$`),
      /^Claimed by worker .+ \(attempt 1\)$/,
      /^Model "tiny-test": 2 layers, 2 heads, width 32, context 32, vocabulary 320; freshly initialized$/,
      /^Dataset version 1 \(.+\) loaded: [\d,]+ records, [\d,]+ training and [\d,]+ validation tokens in 2 shards$/,
      /^Training started on cpu \(fp32, 1 thread\) at step 0\/20: [\d,]+ parameters \([\d,]+ trainable\), [\d,]+ training tokens; 20 steps, batch 4, learning rate 0\.003 \(cosine, warmup 2, min 0\.0003\).*seed 7, evaluate every 10 steps, checkpoint every 10 steps$/,
      /^Step 10\/20: loss [\d.]+, learning rate [\d.e-]+, gradient norm [\d.]+, [\d,]+ tokens\/s/,
      /^Evaluation at step 10: validation loss [\d.]+, perplexity [\d.]+/,
      /^Checkpoint saved at step 10( \(best so far\))?: .*step-00000010$/,
      /^Step 20\/20: loss/,
      /^Evaluation at step 20: /,
      /^Checkpoint saved at step 20.* \(final\): .*step-00000020$/,
      /^Training ended at step 20\/20; registering a model version from /,
      new RegExp(`^Completed at step 20/20: last loss [\\d.]+, best validation loss [\\d.]+; registered model version \\d+ \\(${done.resultVersion!.id}\\)$`),
    ];
    const at = milestones.map((pattern) => lineIndex(lines, pattern));
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(at[0]).toBe(0);
    expect(at.at(-1)).toBe(lines.length - 1);
    // one summary per step, not one per event at that step
    expect(lines.filter((l) => l.message.startsWith('Step ')).map((l) => l.message.split(':')[0])).toEqual(['Step 10/20', 'Step 20/20']);
    // the subscriber got every line written after it subscribed, ending with the completion
    await live.waitFor((m) => m.runLogAdded.message.startsWith('Completed at step 20/20'));
    const received = live.messages.map((m) => m.runLogAdded);
    expect(received.length).toBeGreaterThan(5);
    expect(received).toEqual(lines.slice(lines.length - received.length));
    await live.dispose();
  });

  it('a failing run logs its reason; the log is refused to anonymous callers and unknown runs are named', async () => {
    const exploding = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 50, gradNormThreshold: 1e-6 } });
    expect(await waitForRun(t, dev, exploding.id, isFinished)).toMatchObject({ status: 'FAILED' });
    const lines = await runLog(t, dev, exploding.id);
    const warn = lineIndex(lines, /^Stopping: gradient norm [\d.e+-]+ exceeded the threshold 0\.000001 at step 1$/);
    const failed = lineIndex(lines, /^Failed at step 1: gradient norm [\d.e+-]+ exceeded the threshold 0\.000001 at step 1$/);
    expect([lines[warn]!.level, lines[failed]!.level]).toEqual(['WARN', 'ERROR']);
    expect(failed).toBe(lines.length - 1);
    expect(lines.some((l) => l.message.startsWith('Completed'))).toBe(false);

    const unknown = await t.graphqlAs(dev.token, LOGS, { id: '00000000-0000-0000-0000-000000000000' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(unknown.errors?.[0]?.message).toBe('TrainingRun 00000000-0000-0000-0000-000000000000 not found');
    const anonymous = await t.graphql(LOGS, { id: exploding.id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await t.graphqlAs(dev.token, LOGS, { id: exploding.id, first: 101 })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    expect((await t.graphqlAs(dev.token, LOGS, { id: exploding.id, after: 'nope' })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it('stops early when the validation loss stops improving; the gradient-norm threshold stops the run or skips the update', async () => {
    const early = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 200, evalEvery: 2, evalBatches: 1, earlyStopping: { patience: 2, minDelta: 100 } } });
    const stopped = await waitForRun(t, dev, early.id, isFinished);
    expect(stopped).toMatchObject({ status: 'COMPLETED', step: 6 });
    expect(stopped.stopReason).toMatch(/^early stopping/);
    expect(stopped.resultVersion?.checkpointPath).toBeTruthy();

    const exploding = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 50, gradNormThreshold: 1e-6 } });
    const failed = await waitForRun(t, dev, exploding.id, isFinished);
    expect(failed).toMatchObject({ status: 'FAILED', step: 1, resultVersion: null });
    expect(failed.failureReason).toMatch(/gradient norm .* exceeded the threshold 0.000001 at step 1/);

    // "skip": every step's update is skipped (all norms exceed the threshold), so the run
    // completes with the weights it started from: its last loss is that of a run whose updates
    // are negligible (learning rate 1e-12, no decay), and not that of a normally trained run.
    const skipping = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 6, gradNormThreshold: 1e-6, gradNormAction: 'skip' } });
    const frozen = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 6, learningRate: 1e-12, minLearningRate: 0, weightDecay: 0 } });
    const trained = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 6 } });
    const skipped = await waitForRun(t, dev, skipping.id, isFinished);
    const reference = await waitForRun(t, dev, frozen.id, isFinished);
    const normal = await waitForRun(t, dev, trained.id, isFinished);
    expect(skipped).toMatchObject({ status: 'COMPLETED', step: 6, failureReason: null });
    expect(skipped.lastLoss).toBeCloseTo(reference.lastLoss!, 5);
    expect(Math.abs(normal.lastLoss! - skipped.lastLoss!)).toBeGreaterThan(1e-3);
    const badAction = await t.graphqlAs(dev.token, 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id } }', {
      input: { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 6, gradNormAction: 'ignore' } },
    });
    expect(JSON.stringify(badAction.errors)).toContain('gradNormAction');
  });

  it('trains with deterministic kernels when asked (stored with the run) and refuses unknown kernels', async () => {
    const fast = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 4 } });
    const deterministic = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 4, kernels: 'DETERMINISTIC' } });
    const [a, b] = [await waitForRun(t, dev, fast.id, isFinished), await waitForRun(t, dev, deterministic.id, isFinished)];
    expect(b).toMatchObject({ status: 'COMPLETED', step: 4 });
    // The same model and data: only the attention kernel differs, which moves the loss by rounding only.
    expect(Math.abs(a.lastLoss! - b.lastLoss!)).toBeLessThan(1e-4);
    const stored = await t.graphqlAs<{ trainingRun: { config: { kernels: string } } }>(dev.token, 'query($id: ID!) { trainingRun(id: $id) { config } }', { id: deterministic.id });
    expect(stored.data?.trainingRun.config.kernels).toBe('deterministic');
    const bad = await t.graphqlAs(dev.token, 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id } }', {
      input: { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 4, kernels: 'SLOW' } },
    });
    expect(JSON.stringify(bad.errors)).toMatch(/kernels|TrainingKernels/);
  });

  it('on divergence (NaN) rolls back to the best checkpoint and fails with the reason', async () => {
    const diverging = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 200, learningRate: 1e4, warmupSteps: 100, gradClip: 0, evalEvery: 1, evalBatches: 1, checkpointEvery: 1 } });
    const failed = await waitForRun(t, dev, diverging.id, isFinished);
    expect(failed).toMatchObject({ status: 'FAILED', resultVersion: null });
    expect(failed.step).toBeLessThan(200);
    expect(failed.failureReason).toMatch(/^loss is (NaN|infinite) at step \d+; rolled back to the best checkpoint .*step-\d{8}$/);
    expect(failed.lastCheckpoint).toBe(failed.bestCheckpoint);
    expect(failed.failureReason).toContain(failed.bestCheckpoint!);
    expect(existsSync(failed.bestCheckpoint!)).toBe(true);
  });

  it('a run held by a worker that stopped is taken over; without its checkpoint it fails with the reason', async () => {
    const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 3 } });
    await waitForRun(t, dev, run.id, isFinished);
    // As if a worker had died holding it at step 10, and its checkpoint were gone.
    const lost = '/nonexistent/egen/checkpoints/step-00000010';
    await t.server.dataSource
      .getRepository(TrainingRun)
      .update({ id: run.id }, { status: RunStatus.IN_PROGRESS, stage: 'training', workerId: 'dead-worker', heartbeatAt: new Date(Date.now() - 60_000), lastCheckpoint: lost, resultVersionId: null, finishedAt: null });
    const failed = await waitForRun(t, dev, run.id, (r) => r.status === 'FAILED', 20_000);
    expect(failed).toMatchObject({ attempts: 2, failureReason: `cannot resume: checkpoint ${lost} is missing` });
    const lines = await runLog(t, dev, run.id);
    const requeued = lineIndex(lines, new RegExp(`^The worker dead-worker stopped sending heartbeats at step \\d+; the run is back in the queue to resume from ${lost}$`));
    const reason = lineIndex(lines, new RegExp(`^Failed: cannot resume: checkpoint ${lost} is missing$`));
    expect([lines[requeued]!.level, lines[reason]!.level]).toEqual(['WARN', 'ERROR']);
    expect(lineIndex(lines, /\(attempt 2\)$/)).toBeGreaterThan(requeued);
    expect(reason).toBe(lines.length - 1);
  });

  it('downsamples long metric series to min/max buckets', async () => {
    const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 1 } });
    await waitForRun(t, dev, run.id, isFinished);
    const now = new Date().toISOString();
    const rows = Array.from({ length: 5000 }, (_, i) => `('${run.id}', 'synthetic', ${i + 1}, ${i === 2500 ? 1000 : Math.sin(i / 100)}, '${now}')`);
    for (let i = 0; i < rows.length; i += 500) await t.server.dataSource.query(`INSERT INTO metric_points (run_id, name, step, value, time) VALUES ${rows.slice(i, i + 500).join(', ')}`);
    const started = performance.now();
    const result = await t.graphqlAs<{ trainingRun: { metrics: Array<{ step: number; value: number }> } }>(dev.token, 'query($id: ID!) { trainingRun(id: $id) { metrics(names: ["synthetic"], maxPoints: 200) { step value } } }', { id: run.id });
    const elapsed = performance.now() - started;
    const points = result.data!.trainingRun.metrics;
    expect(points.length).toBeLessThanOrEqual(200);
    expect(points.length).toBeGreaterThan(150);
    expect(Math.max(...points.map((p) => p.value))).toBe(1000); // the spike survives
    expect(points.map((p) => p.step)).toEqual([...points.map((p) => p.step)].sort((a, b) => a - b));
    expect(elapsed).toBeLessThan(2000);
  });
});
