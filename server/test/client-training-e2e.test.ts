// The training pages end to end in real Chromium against a real server: a developer creates a
// tiny model, launches a short run from the Training page (config typed in the YAML editor), sees
// the loss chart receive live points, pauses and resumes it, sees it complete with checkpoints,
// evaluates the version it registered (a plugin metric included) and compares two runs. A VIEWER
// cannot launch or control runs. The new pages pass axe in both themes and are photographed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.ts';
import { createShakespeareVersion, createTinyModel, isFinished, startRun, TINY_CONFIG, waitForRun } from '../src/training/testing/fixtures.ts';
import { launchBrowser, seriousViolations, signIn } from './browser.ts';
import { startTestServer, type TestServer, type TestUser } from './test-server.ts';

const SHOTS = join(PROJECT_ROOT, 'test-results', 'client');
const STARTED = Date.now();
const log = (what: string): void => console.log(`[client-training-e2e] ${((Date.now() - STARTED) / 1000).toFixed(1)} s: ${what}`);

const PLUGIN = `export const lengthRatio = {
  name: 'length_ratio',
  description: 'Mean length of generations over references',
  metric(predictions, references) {
    const p = predictions.reduce((n, s) => n + s.length, 0);
    const r = references.reduce((n, s) => n + s.length, 0);
    return r ? p / r : 0;
  },
};
`;

describe('training pages end to end in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  let dev: TestUser;
  let datasetVersionId: string;
  let runId = '';
  beforeAll(async () => {
    t = await startTestServer('sqlite', { heartbeatIntervalMs: 1000, config: { training: { concurrency: 1, threads: 1 } } });
    mkdirSync(join(t.dataDir, 'plugins'), { recursive: true });
    writeFileSync(join(t.dataDir, 'plugins', 'length-ratio.mjs'), PLUGIN);
    dev = await t.createUser('DEVELOPER', 'dev@test.local');
    // A slice of tiny Shakespeare through the API (the upload page has its own test).
    datasetVersionId = await createShakespeareVersion(t, dev, 24_000, 'shakespeare slice');
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  }, 240_000);
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('a developer creates a tiny model, launches a run from the Training page, watches it live, pauses, resumes, sees it complete, evaluates and compares runs; the pages pass axe in both themes', async () => {
    const page = await browser.newPage({ colorScheme: 'dark', viewport: { width: 1280, height: 900 } });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    const base = t.httpUrl;
    await signIn(page, base, dev.email, dev.password);
    const nav = page.getByRole('navigation', { name: 'Main' });

    // A tiny custom model with the dataset's tokenizer.
    await nav.getByRole('link', { name: 'Models' }).click();
    await page.getByRole('button', { name: 'Create a model' }).click();
    await page.getByLabel('Model name').fill('tiny bard');
    await page.getByLabel('Custom').check();
    await page.getByLabel('Layers', { exact: true }).fill('2');
    await page.getByLabel('Attention heads', { exact: true }).fill('2');
    await page.getByLabel('Width (embedding channels)', { exact: true }).fill('32');
    await page.getByLabel('Context length (tokens)', { exact: true }).fill('32');
    const tokenizer = page.getByLabel('Tokenizer', { exact: true });
    await expect.poll(() => tokenizer.locator('option').count()).toBeGreaterThan(1);
    await tokenizer.selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Create model' }).click();
    await page.getByRole('heading', { name: 'tiny bard' }).waitFor({ timeout: 30_000 });
    log('model created');

    // The Training page: what to train, then the config typed as YAML, which fills the form.
    await nav.getByRole('link', { name: 'Training' }).click();
    await page.getByRole('heading', { name: 'New training run' }).waitFor();
    const model = page.getByLabel('Model', { exact: true });
    await expect.poll(() => model.locator('option').count()).toBeGreaterThan(1);
    await model.selectOption({ index: 1 });
    await page.getByLabel('Dataset version').selectOption({ index: 1 });
    // Inline validation: a bad learning rate is flagged and the launch refused.
    await page.getByLabel('Learning rate', { exact: true }).fill('0');
    await page.getByLabel('Learning rate', { exact: true }).blur();
    await page.getByText('Learning rate must be above 0.').waitFor();
    const yaml = ['steps: 1500', 'learningRate: 0.003', 'warmupSteps: 2', 'batchSize: 4', 'seed: 7', 'threads: 1', 'device: cpu', 'evalEvery: 250', 'evalBatches: 2', 'checkpointEvery: 250', 'lrSchedule: COSINE'].join('\n');
    await page.getByLabel('Config (YAML), kept in step with the form').fill(yaml);
    expect(await page.getByLabel('Steps', { exact: true }).inputValue()).toBe('1500');
    expect(await page.getByLabel('Learning rate', { exact: true }).inputValue()).toBe('0.003');
    expect(await page.getByLabel('Batch size').inputValue()).toBe('4');
    // No run has measured the throughput yet: the time is stated as unknown.
    expect(await page.getByTestId('estimate-time').textContent()).toMatch(/unknown/);
    expect(await page.getByTestId('run-estimate').textContent()).toContain('192.0 k'); // 1500 × 4 × 32 tokens
    await page.getByRole('button', { name: 'Launch run' }).click();
    await page.waitForURL(/\/runs\/[^/]+$/);
    runId = new URL(page.url()).pathname.split('/').pop()!;
    log(`run ${runId} launched`);

    // Live: the loss chart is drawn and points keep arriving over the subscription.
    await expect.poll(() => page.getByTestId('metric-points').textContent(), { timeout: 60_000 }).toMatch(/received live/);
    await page.getByTestId('chart-Loss').locator('canvas').first().waitFor();
    const liveCount = async (): Promise<number> => Number(/(\d+) received live/.exec((await page.getByTestId('metric-points').textContent()) ?? '')?.[1] ?? 0);
    const before = await liveCount();
    await expect.poll(liveCount, { timeout: 30_000 }).toBeGreaterThan(before);
    log('live points arriving');

    // Pause, then resume.
    await page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 60_000 }).toMatch(/Paused/);
    const pausedAt = await page.getByTestId('run-progress').textContent();
    log(`paused at ${pausedAt}`);
    await page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 60_000 }).toMatch(/Running|Queued|Completed/);
    // It completes; the page follows.
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 240_000 }).toMatch(/Completed/);
    log('run completed');
    expect(await page.getByTestId('run-history').textContent()).toMatch(/Paused/);
    // The log panel: the start line and the completion line, levels as words, in order.
    const runLog = page.getByRole('log', { name: 'Run log' });
    await runLog.getByText(/^Completed at step 1500\/1500: last loss [\d.]+, best validation loss [\d.]+; registered model version 1 /).waitFor({ timeout: 30_000 });
    const logText = (await runLog.textContent()) ?? '';
    const started = logText.search(/INFOTraining started on cpu \(fp32, 1 thread\) at step 0\/1500: /);
    expect(started).toBeGreaterThanOrEqual(0);
    expect(logText.search(/INFOPaused at step \d+/)).toBeGreaterThan(started);
    expect(logText.indexOf('INFOCompleted at step 1500/1500')).toBeGreaterThan(logText.search(/INFOPaused at step/));
    expect(await page.getByTestId('run-log-follow').textContent()).toBe('Following new lines.');
    await page.getByRole('table', { name: 'Checkpoints' }).getByRole('row').nth(1).waitFor();
    await page.getByTestId('chart-Validation loss').locator('canvas').first().waitFor({ timeout: 20_000 });

    // Evaluate the registered version, a plugin metric included.
    await page.getByRole('link', { name: 'Evaluate it' }).click();
    await page.getByRole('heading', { name: 'Evaluate a model version' }).waitFor();
    await expect.poll(() => page.getByLabel('Model version', { exact: true }).inputValue(), { timeout: 10_000 }).not.toBe('');
    await page
      .getByLabel('length_ratio (plugin)', { exact: true })
      .check({ timeout: 10_000 })
      .catch(async (error: unknown) => {
        console.log('[client-training-e2e] evaluation page:', await page.locator('main').innerText(), JSON.stringify(await t.graphqlAs(dev.token, '{ evaluationMetrics { name plugin } }')));
        throw error;
      });
    expect(await page.getByLabel('perplexity', { exact: true }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Run evaluation' }).click();
    await expect.poll(() => page.getByTestId('evaluation-notice').textContent(), { timeout: 120_000 }).toMatch(/Evaluated tiny bard v1/);
    const results = page.getByTestId('evaluation-results');
    await results.getByRole('rowheader', { name: 'tiny bard v1' }).waitFor();
    expect(await results.getByRole('columnheader').allTextContents()).toEqual(expect.arrayContaining(['perplexity', 'token_accuracy', 'length_ratio']));
    log('evaluated');

    // A second, shorter run with another learning rate (through the API), then compare the two.
    const second = await startRun(t, dev, {
      datasetVersionId,
      modelId: (await t.graphqlAs<{ trainingRun: { modelId: string } }>(dev.token, 'query($id: ID!) { trainingRun(id: $id) { modelId } }', { id: runId })).data!.trainingRun.modelId,
      config: { ...TINY_CONFIG, steps: 60, learningRate: 0.001 },
    });
    await waitForRun(t, dev, second.id, isFinished, 120_000);
    await nav.getByRole('link', { name: 'Runs' }).click();
    const runsTable = page.getByRole('table', { name: 'Training runs' });
    await expect.poll(() => runsTable.getByRole('checkbox').count(), { timeout: 20_000 }).toBe(2);
    expect(await runsTable.getByText('Completed').count()).toBe(2);
    // The status filter asks the server.
    await page.getByLabel('Status', { exact: true }).selectOption('FAILED');
    await page.getByText('No runs yet.').waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('COMPLETED');
    await expect.poll(() => runsTable.getByRole('checkbox').count()).toBe(2);
    for (const box of await runsTable.getByRole('checkbox').all()) await box.check();
    await page.getByRole('button', { name: 'Compare 2 selected' }).click();
    await page.getByRole('heading', { name: 'Compare runs' }).waitFor();
    await page.getByTestId('compare-chart').locator('canvas').first().waitFor();
    expect(await page.getByTestId('compare-summary').textContent()).toMatch(/^2 runs/);
    const diff = page.getByTestId('config-diff');
    await diff.getByRole('rowheader', { name: /learningRate/ }).waitFor();
    const lrRow = diff.getByRole('row').filter({ has: page.getByRole('rowheader', { name: /learningRate/ }) });
    expect((await lrRow.getByRole('cell').allTextContents()).sort()).toEqual(['0.001', '0.003']);
    const comparePath = `${new URL(page.url()).pathname}${new URL(page.url()).search}`;
    await page.getByLabel('Metric', { exact: true }).selectOption('val_loss');
    await page.getByRole('heading', { name: 'Validation loss' }).waitFor();
    log('compared');

    // The new pages in both themes: axe, then a photograph.
    const pages = [
      { name: 'training', path: '/training', ready: 'text=New training run' },
      { name: 'runs', path: '/runs', ready: 'text=tiny bard ·' },
      { name: 'run-detail', path: `/runs/${runId}`, ready: '[data-testid="chart-Loss"] canvas' },
      { name: 'compare', path: comparePath, ready: '[data-testid="compare-chart"] canvas' },
      { name: 'evaluation', path: `/evaluation?datasetVersion=${datasetVersionId}`, ready: '[data-testid="evaluation-results"]' },
    ];
    const problems: string[] = [];
    for (const theme of ['dark', 'light'] as const) {
      await page.evaluate((value) => localStorage.setItem('egen.theme', value), theme);
      for (const entry of pages) {
        await page.goto(`${base}${entry.path}`);
        await page.locator(entry.ready).first().waitFor({ timeout: 30_000 });
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        for (const problem of await seriousViolations(page)) problems.push(`${entry.name} (${theme}): ${problem}`);
        await page.screenshot({ path: join(SHOTS, `${entry.name}-${theme}.png`), fullPage: true });
      }
    }
    expect(problems).toEqual([]);
    expect(failures).toEqual([]);
    await page.close();
  }, 600_000);

  it('a VIEWER follows runs but cannot launch or control them; the API refuses too', async () => {
    const viewer = await t.createUser('VIEWER', 'viewer@test.local');
    const page = await browser.newPage({ colorScheme: 'light' });
    await signIn(page, t.httpUrl, viewer.email, viewer.password);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Runs' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Training' }).count()).toBe(0);
    await page.goto(`${t.httpUrl}/training`);
    expect(await page.getByRole('alert').textContent()).toMatch(/needs the DEVELOPER or ADMIN role/);
    expect(await page.getByRole('button', { name: 'Launch run' }).count()).toBe(0);
    // A running run: the list shows it, its page shows no controls to a viewer.
    const modelId = await createTinyModel(t, dev, 'viewer test model');
    const long = await startRun(t, dev, { datasetVersionId, modelId, config: { ...TINY_CONFIG, steps: 100_000 } });
    await page.goto(`${t.httpUrl}/runs`);
    await page
      .getByRole('table', { name: 'Training runs' })
      .getByRole('link', { name: /viewer test model/ })
      .waitFor();
    expect(await page.getByRole('link', { name: 'New run' }).count()).toBe(0);
    await page.goto(`${t.httpUrl}/runs/${long.id}`);
    await page
      .getByTestId('run-state')
      .waitFor({ timeout: 20_000 })
      .catch(async (error: unknown) => {
        console.log('[client-training-e2e] run page:', await page.locator('main').innerText());
        throw error;
      });
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 30_000 }).toMatch(/Running|Queued/);
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    const refused = await t.graphqlAs(viewer.token, 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id } }', { input: { modelId, datasetVersionId } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The owner cancels it from the page.
    await t.graphqlAs(dev.token, 'mutation($id: ID!) { cancelRun(id: $id) { id } }', { id: long.id });
    await expect.poll(() => page.getByTestId('run-state').textContent(), { timeout: 30_000 }).toMatch(/Cancelled/);
    await page.close();
  }, 120_000);
});
