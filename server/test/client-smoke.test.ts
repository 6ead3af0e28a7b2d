// The built client, served by the real server, in real Chromium: health shows green and the
// live (WebSocket) link ticks — so a broken link between client and server is caught here.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_DIST_DIR, PROJECT_ROOT } from '../src/paths.ts';
import { launchBrowser } from './browser.ts';
import { startTestServer, type TestServer } from './test-server.ts';

describe('web client in Chromium', () => {
  let t: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    if (!existsSync(join(CLIENT_DIST_DIR, 'index.html'))) throw new Error('the client is not built: run ./start.sh test (or npm run build:client) first');
    t = await startTestServer('sqlite', { heartbeatIntervalMs: 500 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('shows the server healthy with versions, and a live link', async () => {
    // First visit follows the system preference (dark here).
    const page = await browser.newPage({ colorScheme: 'dark' });
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    await page.goto(`${t.httpUrl}/`);
    // Signed out, the sign-in page shows; the dashboard (with the health panel) follows sign-in.
    await page.getByLabel('Email').fill(t.admin.email);
    await page.getByLabel('Password').fill(t.admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.textContent('[data-testid="health-status"]'), { timeout: 15_000 }).toBe('● Healthy');
    await expect.poll(() => page.textContent('[data-testid="live-link"]'), { timeout: 15_000 }).toMatch(/Live link: Live/);
    expect(await page.textContent('[data-testid="libtorch-version"]')).toMatch(/^\d+\.\d+\.\d+/);
    expect(await page.textContent('[data-testid="server-version"]')).toMatch(/^\d+\.\d+\.\d+/);

    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('dark');
    // The theme toggle switches and is remembered across a reload.
    await page.getByRole('button', { name: 'Light theme' }).click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe('light');
    // The session survives the reload.
    await expect.poll(() => page.textContent('[data-testid="health-status"]'), { timeout: 15_000 }).toBe('● Healthy');

    mkdirSync(join(PROJECT_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: join(PROJECT_ROOT, 'test-results', 'health-light.png'), fullPage: true });
    expect(failures).toEqual([]);
  });
});
