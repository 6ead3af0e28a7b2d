// `egen login`, `egen models create` and `egen models list` against a real server.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { credentialsPath } from './api-client.ts';
import { runCli } from './main.ts';

describe('egen login / models (sqlite)', () => {
  let t: TestServer;
  let dev: TestUser;
  let configHome: string;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
    dev = await t.createUser('DEVELOPER');
    configHome = mkdtempSync(join(tmpdir(), 'egen-cli-'));
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(configHome, { recursive: true, force: true });
  });

  async function egen(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: { XDG_CONFIG_HOME: configHome, EGEN_URL: t.httpUrl, ...env } });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('commands need a login first', async () => {
    const result = await egen(['models', 'list']);
    expect(result.code).toBe(1);
    expect(result.err).toContain('not signed in: run `egen login`');
  });

  it('a wrong password fails with the server’s message; nothing is stored', async () => {
    const result = await egen(['login', '--email', dev.email], { EGEN_PASSWORD: 'wrong-password' });
    expect(result).toMatchObject({ code: 1, err: 'egen login: Invalid email or password' });
  });

  it('login stores the session in a 0600 file under the config directory', async () => {
    const result = await egen(['login', '--email', dev.email], { EGEN_PASSWORD: dev.password });
    expect(result.code).toBe(0);
    expect(result.out).toContain(`as ${dev.email} (DEVELOPER)`);
    const path = credentialsPath({ XDG_CONFIG_HOME: configHome });
    expect(path).toBe(join(configHome, 'egen', 'credentials.json'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ url: t.httpUrl, email: dev.email, accessToken: expect.any(String), refreshToken: expect.stringMatching(/^egr_/) });
  });

  it('models create prints the model; bad flags print the field that is wrong', async () => {
    const created = await egen(['models', 'create', 'cli-tiny', '--preset', 'tiny', '--context-length', '128']);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^Created model cli-tiny \([0-9a-f-]{36}\): 4 layers, 4 heads, width 128, context 128/);
    const bad = await egen(['models', 'create', 'cli-bad', '--preset', 'tiny', '--heads', '3']);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('--width: must be divisible by heads');
    const usage = await egen(['models', 'create']);
    expect(usage.code).toBe(2);
  });

  it('models list shows a table; an expired session is refreshed transparently', async () => {
    const path = credentialsPath({ XDG_CONFIG_HOME: configHome });
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { accessToken: string; refreshToken: string };
    // Make the stored access token unusable: the CLI must refresh and save the new pair.
    writeFileSync(path, JSON.stringify({ ...stored, accessToken: 'expired.token.value' }), { mode: 0o600 });
    const list = await egen(['models', 'list']);
    expect(list.code).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(/^NAME\s+PRESET\s+PARAMS/);
    expect(list.out).toContain('cli-tiny');
    const after = JSON.parse(readFileSync(path, 'utf8')) as { refreshToken: string; accessToken: string };
    expect(after.refreshToken).not.toBe(stored.refreshToken);
    expect(after.accessToken).not.toBe('expired.token.value');
    const json = await egen(['models', 'list', '--json']);
    expect(JSON.parse(json.out)[0]).toMatchObject({ name: 'cli-tiny' });
  });

  it('models create --labels makes a classifier; a repeated label is named by its position', async () => {
    const created = await egen(['models', 'create', 'cli-classifier', '--preset', 'tiny', '--labels', 'spam,ham']);
    expect(created.code).toBe(0);
    expect(created.out).toMatch(/^Created classifier \(2 labels: spam, ham\) cli-classifier/);
    const repeated = await egen(['models', 'create', 'cli-bad-labels', '--preset', 'tiny', '--labels', 'spam,ham,spam']);
    expect(repeated.code).toBe(1);
    expect(repeated.err).toContain('--labels #3: repeats "spam" (label 0)');
  });

  it('an API key in EGEN_API_KEY works without a login', async () => {
    const key = await t.graphqlAs<{ createApiKey: { secret: string } }>(dev.token, 'mutation { createApiKey(input: { name: "cli" }) { secret } }');
    const list = await egen(['models', 'list', '--name', 'cli'], { XDG_CONFIG_HOME: join(configHome, 'empty'), EGEN_API_KEY: key.data!.createApiKey.secret });
    expect(list.code).toBe(0);
    expect(list.out).toContain('cli-tiny');
  });

  it('logout forgets the session', async () => {
    const result = await egen(['logout']);
    expect(result.code).toBe(0);
    expect((await egen(['models', 'list'])).err).toContain('not signed in');
  });
});
