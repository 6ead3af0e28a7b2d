// The web client end to end in real Chromium against a real server with a fresh data directory:
// sign in, upload tiny Shakespeare, read its report, run a pipeline, create a tiny model, use the
// admin pages and the playground; a VIEWER sees no admin; a list longer than a server page shows
// every row. Every page is scanned with axe-core in both themes (no serious or critical violation)
// and photographed under test-results/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST_DIR, PROJECT_ROOT } from '../src/paths.ts';
import { launchBrowser, seriousViolations, signIn } from './browser.ts';
import { measureChartEngine } from '../../scripts/bench/chart-engine.ts';
import { startTestServer, type TestServer } from './test-server.ts';

const SHOTS = join(PROJECT_ROOT, 'test-results', 'client');
const STARTED = Date.now();
const log = (what: string): void => console.log(`[client-e2e] ${((Date.now() - STARTED) / 1000).toFixed(1)} s: ${what}`);

describe('web client end to end in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(join(CLIENT_DIST_DIR, 'index.html'))) throw new Error('the client is not built: run npm run build:client first');
    t = await startTestServer('sqlite', { heartbeatIntervalMs: 1000 });
    browser = await launchBrowser();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('an admin signs in, uploads tiny Shakespeare, sees the report, runs a pipeline, creates a tiny model, uses admin and playground; every page passes axe in both themes', async () => {
    const page = await browser.newPage({ colorScheme: 'dark', viewport: { width: 1280, height: 900 } });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    const base = t.httpUrl;
    const pages: Array<{ name: string; path: string; ready: string }> = [];

    // Signed out: the sign-in page.
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in to EGen' }).waitFor();
    pages.push({ name: 'sign-in', path: '/', ready: 'text=Sign in to EGen' });
    const signInProblems = await seriousViolations(page);
    expect(signInProblems).toEqual([]);
    await page.screenshot({ path: join(SHOTS, 'sign-in-dark.png'), fullPage: true });

    // A wrong password is refused with the server's message.
    await page.getByLabel('Email').fill(t.admin.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.getByRole('alert').textContent()).toMatch(/Invalid email or password/);

    await signIn(page, base, t.admin.email, t.admin.password);
    expect(await page.getByTestId('current-user').textContent()).toContain('ADMIN');
    await expect.poll(() => page.textContent('[data-testid="health-status"]'), { timeout: 20_000 }).toBe('● Healthy');
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(1);

    // Datasets: upload by the file picker, with progress, then the mapping, then the report.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
    await page.getByRole('button', { name: 'Upload a dataset' }).click();
    await page.getByLabel('Choose a file…').setInputFiles(join(PROJECT_ROOT, 'datasets', 'tinyshakespeare.txt'));
    await expect.poll(() => page.getByTestId('upload-status').textContent(), { timeout: 60_000 }).toMatch(/Uploaded: 100%/);
    expect(await page.getByRole('progressbar').getAttribute('value')).toBe('100');
    await page.getByLabel('Dataset name').fill('tiny shakespeare');
    await page.getByLabel('Documents').selectOption('PARAGRAPHS');
    await page.getByLabel('Tokenizer vocabulary size').fill('512');
    await page.getByRole('button', { name: 'Create dataset' }).click();
    const report = page.getByTestId('validation-report');
    log('creating the dataset');
    await report.waitFor({ timeout: 240_000 });
    log('dataset created');
    expect(await page.getByTestId('gate-overall').textContent()).toMatch(/Gate: (✓ PASS|✕ FAIL)/);
    expect(await report.getByRole('table', { name: 'Gate criteria' }).getByRole('row').count()).toBeGreaterThan(1);
    const datasetPath = new URL(page.url()).pathname;
    expect(datasetPath).toMatch(/^\/datasets\/.+/);

    // A preprocessing pipeline on version 1 creates version 2, shown in the lineage.
    await page.getByLabel('Step to add').selectOption('lengthFilter');
    await page.getByRole('button', { name: 'Add step' }).click();
    await page.getByLabel('Minimum characters (step 3)').fill('2');
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    await expect.poll(() => page.getByTestId('dataset-notice').textContent(), { timeout: 240_000 }).toMatch(/Created version 2/);
    log('pipeline ran');
    await page.getByRole('cell', { name: 'v1 → pipeline' }).waitFor();

    // The records of the selected version (v2) in a virtualized table: a page at first, more as
    // the keyboard scrolls the region to the end; only a window of rows is in the DOM.
    const summary = page.getByTestId('records-summary');
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toMatch(/^100 of [\d,]+ records loaded/);
    const records = page.getByRole('region', { name: 'Processed records of version 2 (scrolls)' });
    await records.getByRole('cell', { name: 'records.jsonl, line 1', exact: true }).waitFor();
    await records.focus();
    await page.keyboard.press('End');
    await expect.poll(() => summary.textContent(), { timeout: 30_000 }).toMatch(/^(200|300) of /);
    expect(await records.locator('tbody tr.virtual-row').count()).toBeLessThan(60);
    await page.keyboard.press('End');
    await records
      .getByRole('cell', { name: /^records\.jsonl, line (1\d\d|2\d\d|3\d\d)$/ })
      .first()
      .waitFor();
    // The uploaded rows of version 1, with their file and line.
    await page.getByRole('button', { name: 'v1', exact: true }).click();
    await page.getByLabel('Uploaded rows').check();
    const uploadedRows = page.getByRole('region', { name: 'Uploaded rows of version 1 (scrolls)' });
    await uploadedRows.getByRole('cell', { name: 'tinyshakespeare.txt, line 1', exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'v2', exact: true }).click();
    log('records previewed');

    // The dataset list: sortable, filterable.
    await page.getByRole('link', { name: 'Datasets' }).first().click();
    await page.getByRole('link', { name: 'tiny shakespeare' }).waitFor();
    await page.getByLabel('Filter datasets').fill('nothing like this');
    await page.getByText('No rows match the filter.').waitFor();
    await page.getByLabel('Filter datasets').fill('');

    // Models: a tiny model from the preset, with the dataset's tokenizer.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
    await page.getByRole('button', { name: 'Create a model' }).click();
    await page.getByLabel('Model name').fill('tiny bard');
    await page.getByLabel('Preset', { exact: true }).selectOption('tiny');
    const tokenizer = page.getByLabel('Tokenizer', { exact: true });
    await expect.poll(() => tokenizer.locator('option').count()).toBeGreaterThan(1);
    await tokenizer.selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Create model' }).click();
    await page.getByRole('heading', { name: 'tiny bard' }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('model-architecture').textContent()).toContain('tiny');
    const modelPath = new URL(page.url()).pathname;
    // Versions with lineage: v1 trained on the dataset, v2 trained from v1.
    await page.getByLabel('Trained on').selectOption({ index: 1 });
    await page.getByRole('button', { name: 'Register version' }).click();
    await page.getByText('Registered version 1.').waitFor();
    await page.getByLabel('Trained from').selectOption({ label: 'v1' });
    await page.getByRole('button', { name: 'Register version' }).click();
    await page.getByText('Registered version 2.').waitFor();
    const v2 = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'v2' }) });
    expect(await v2.getByRole('cell').first().textContent()).toBe('v1');

    // The version page: lineage back to v1, a tag added from the keyboard, v2 compared with v1.
    await v2.getByRole('link', { name: 'v2' }).click();
    await page.getByTestId('version-lineage').getByRole('link', { name: 'tiny bard v1' }).waitFor();
    await page.getByLabel('Add a tag').fill('production');
    await page.getByLabel('Add a tag').press('Enter');
    await page.getByRole('button', { name: 'Remove tag production' }).waitFor();
    await page.getByLabel('Compare with').selectOption({ label: 'v1' });
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByTestId('version-comparison').waitFor();
    const versionUrl = new URL(page.url());
    expect(versionUrl.search).toBe('?compare=1');

    // Admin: an API key's secret is shown once; the audit log lists the sign-ins.
    await page.goto(`${base}/admin/keys`);
    await page.getByLabel('Key name').fill('ci key');
    await page.getByRole('button', { name: 'Create key' }).click();
    expect(await page.getByTestId('api-key-secret').inputValue()).toMatch(/^egk_/);
    await page.getByRole('button', { name: 'Revoke ci key' }).click();
    await page.getByText('Revoked ci key.').waitFor();
    await page.goto(`${base}/admin/audit`);
    await page.getByLabel('Action starts with').fill('auth.');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('cell', { name: 'auth.login_failed' }).first().waitFor();

    // The playground runs a query as the signed-in user.
    await page.goto(`${base}/playground`);
    await page.locator('.graphiql-container').waitFor({ timeout: 30_000 });
    await page.locator('.graphiql-query-editor').getByText('query Me').waitFor();
    await page.locator('.graphiql-execute-button').click();
    await expect.poll(() => page.locator('.graphiql-response').textContent(), { timeout: 20_000 }).toContain(t.admin.email);

    pages.push(
      { name: 'dashboard', path: '/', ready: '[data-testid="health-status"]' },
      { name: 'datasets', path: '/datasets', ready: 'text=tiny shakespeare' },
      { name: 'dataset-detail', path: datasetPath, ready: '[data-testid="validation-report"]' },
      { name: 'models', path: '/models', ready: 'text=tiny bard' },
      { name: 'model-detail', path: modelPath, ready: '[data-testid="model-architecture"]' },
      { name: 'model-version', path: versionUrl.pathname + versionUrl.search, ready: '[data-testid="version-comparison"]' },
      { name: 'admin-users', path: '/admin/users', ready: 'text=viewer@test.local' },
      { name: 'admin-keys', path: '/admin/keys', ready: 'text=ci key' },
      { name: 'admin-audit', path: '/admin/audit', ready: 'text=auth.login' },
      { name: 'playground', path: '/playground', ready: '.graphiql-container' },
      { name: 'account', path: '/account', ready: 'text=this session' },
    );
    await t.createUser('VIEWER', 'viewer@test.local');
    // An admin resets a password: the temporary one is shown once.
    await page.goto(`${base}/admin/users`);
    await page.getByRole('button', { name: 'Reset password of viewer@test.local' }).click();
    expect((await page.getByTestId('temporary-password').textContent())?.length).toBeGreaterThanOrEqual(8);

    log('scanning pages');
    const problems: string[] = [];
    for (const theme of ['dark', 'light'] as const) {
      await page.evaluate((value) => localStorage.setItem('egen.theme', value), theme);
      for (const entry of pages.slice(1)) {
        await page.goto(`${base}${entry.path}`);
        await page.locator(entry.ready).first().waitFor({ timeout: 30_000 });
        expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
        for (const problem of await seriousViolations(page)) problems.push(`${entry.name} (${theme}): ${problem}`);
        await page.screenshot({ path: join(SHOTS, `${entry.name}-${theme}.png`), fullPage: true });
      }
    }
    // The sign-in page in the light theme.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to EGen' }).waitFor();
    for (const problem of await seriousViolations(page)) problems.push(`sign-in (light): ${problem}`);
    await page.screenshot({ path: join(SHOTS, 'sign-in-light.png'), fullPage: true });

    expect(problems).toEqual([]);
    expect(failures).toEqual([]);
    await page.close();
  }, 600_000);

  it('a VIEWER sees no admin and is refused there; the API refuses too', async () => {
    const viewer = await t.createUser('VIEWER');
    const page = await browser.newPage({ colorScheme: 'light' });
    await signIn(page, t.httpUrl, viewer.email, viewer.password);
    expect(await page.getByTestId('current-user').textContent()).toContain('VIEWER');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Datasets' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Admin' }).count()).toBe(0);
    await page.goto(`${t.httpUrl}/admin/users`);
    expect(await page.getByRole('alert').textContent()).toMatch(/needs the ADMIN role/);
    expect(await page.getByRole('table').count()).toBe(0);
    // Nor can a viewer create: no upload or create buttons.
    await page.goto(`${t.httpUrl}/datasets`);
    await page.getByRole('heading', { name: 'Datasets' }).waitFor();
    expect(await page.getByRole('button', { name: 'Upload a dataset' }).count()).toBe(0);
    // The account page shows the role and the viewer's own sessions.
    await page.getByRole('link', { name: 'My account' }).click();
    expect(await page.getByTestId('account-role').textContent()).toBe('VIEWER');
    await page.getByText('this session').waitFor();
    const refused = await t.graphqlAs(viewer.token, '{ users { totalCount } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await page.close();
  });

  it('a list longer than a server page shows every row: 105 API keys over two pages', async () => {
    const aliases = Array.from({ length: 105 }, (_, i) => `k${i}: createApiKey(input: { name: "bulk key ${String(i).padStart(3, '0')}" }) { apiKey { id } }`);
    const created = await t.graphqlAs(t.admin.token, `mutation { ${aliases.join('\n')} }`);
    expect(created.errors).toBeUndefined();
    const counted = await t.graphqlAs<{ apiKeys: { totalCount: number } }>(t.admin.token, '{ apiKeys { totalCount } }');
    const total = counted.data!.apiKeys.totalCount;
    expect(total).toBeGreaterThanOrEqual(105);
    const page = await browser.newPage();
    await signIn(page, t.httpUrl, t.admin.email, t.admin.password);
    await page.goto(`${t.httpUrl}/admin/keys`);
    const pager = page.getByRole('navigation', { name: 'API keys pages' });
    await expect.poll(() => pager.textContent(), { timeout: 15_000 }).toContain(`(${total} rows)`);
    // Newest first on the server: the first key created came on the second page.
    await page.getByLabel('Filter API keys').fill('bulk key 000');
    await page.getByRole('cell', { name: 'bulk key 000', exact: true }).waitFor();
    expect(await page.getByTestId('partial-list').count()).toBe(0);
    await page.close();
  });

  it('the chart engine draws 20 runs × 100k points and follows pan/zoom (timings: npm run bench:charts)', async () => {
    const result = await measureChartEngine(browser);
    console.log(`[client-e2e] chart: 20 × 100k points drawn in ${result.renderMs.toFixed(0)} ms; pan/zoom redraw p90 ${result.p90DrawMs.toFixed(1)} ms, ${result.fps.toFixed(0)} frames/s shown`);
    expect(result.columns).toBe(21);
    expect(Number.isFinite(result.renderMs) && Number.isFinite(result.p90DrawMs)).toBe(true);
  });

  it('keeps the session with the refresh token when access tokens expire (HTTP, live link and reload)', async () => {
    const short = await startTestServer('sqlite', { heartbeatIntervalMs: 500, config: { auth: { accessTokenTtlSeconds: 4 } } });
    const page = await browser.newPage();
    try {
      await signIn(page, short.httpUrl, short.admin.email, short.admin.password);
      await expect.poll(() => page.textContent('[data-testid="live-link"]'), { timeout: 15_000 }).toMatch(/Live link: Live/);
      await page.waitForTimeout(6_000);
      // The access token of the sign-in has expired: requests renew it, the socket reconnects.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models' }).click();
      await page.getByText('No models yet.').waitFor({ timeout: 15_000 });
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
      const tick = async (): Promise<string> => (await page.textContent('[data-testid="live-link"]')) ?? '';
      const before = await tick();
      await expect.poll(tick, { timeout: 15_000 }).not.toBe(before);
      expect(await tick()).toMatch(/Live link: Live/);
      await page.waitForTimeout(5_000);
      await page.reload();
      await page.getByTestId('current-user').waitFor();
      await expect.poll(() => page.textContent('[data-testid="health-status"]'), { timeout: 15_000 }).toBe('● Healthy');
      // Signing out ends the session on the server: its refresh token no longer works.
      const refreshToken = await page.evaluate(() => (JSON.parse(localStorage.getItem('egen.session') ?? '{}') as { refreshToken?: string }).refreshToken);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to EGen' }).waitFor();
      await expect.poll(async () => (await short.graphql('mutation($r: String!) { refreshSession(refreshToken: $r) { accessToken } }', { r: refreshToken })).errors?.length ?? 0).toBeGreaterThan(0);
    } finally {
      await page.close();
      await short.stop();
    }
  }, 120_000);
});
