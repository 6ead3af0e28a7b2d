// `egen datasets upload|list|show` against a real server, signed in the way a user is: `egen
// login` (the stored session), or EGEN_API_KEY / --token, with --url or EGEN_URL overriding.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsPath } from '../cli/api-client.ts';
import { runCli } from '../cli/main.ts';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { progressLine } from '../cli/progress.ts';

const SAMPLES = join(import.meta.dirname, '../../../datasets');

describe.each(ENGINES)('egen datasets on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  let configHome: string;
  beforeAll(async () => {
    t = await startTestServer(engine);
    dev = await t.createUser('DEVELOPER');
    configHome = mkdtempSync(join(tmpdir(), 'egen-cli-'));
  });
  afterAll(async () => {
    await t?.stop();
    if (configHome) rmSync(configHome, { recursive: true, force: true });
  });

  /** Runs the CLI with its own config directory (where `egen login` stores the session) and nothing else from the environment. */
  async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: { XDG_CONFIG_HOME: configHome, ...env } });
    return { code, out, err };
  }

  it('without a login or API key: a clear error naming `egen login`', async () => {
    const result = await cli(['datasets', 'list'], { EGEN_URL: t.httpUrl });
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toContain('not signed in: run `egen login`');
  });

  it('after `egen login`, upload shows progress, then the validation summary with the gate per criterion', async () => {
    const login = await cli(['login', '--url', t.httpUrl, '--email', dev.email], { EGEN_PASSWORD: dev.password });
    expect(login.code).toBe(0);
    // the stored login also names the server: no --url needed from here on
    const result = await cli(['datasets', 'upload', join(SAMPLES, 'reviews.csv'), '--name', 'reviews', '--text-field', 'review', '--vocab-size', '300']);
    expect(result.err.join('\n')).toMatch(/\[#+\] 100%\s+.* \/ .*\/s\s+ETA /);
    expect(result.code).toBe(0);
    const out = result.out.join('\n');
    expect(out).toContain('Dataset reviews');
    expect(out).toMatch(/Rows:\s+12 \(12 with text/);
    expect(out).toContain('PASS  zero missing values');
    expect(out).toMatch(/PASS {2}tokenization error rate < 0.1%/);
  });

  it('list and show (by name) with the stored session; the owner is shown', async () => {
    const list = await cli(['datasets', 'list']);
    expect(list.code).toBe(0);
    expect(list.out[0]).toMatch(/^NAME\s+ID\s+VERSION\s+FORMAT\s+RECORDS\s+TOKENS\s+GATE\s+OWNER$/);
    expect(list.out[1]).toMatch(new RegExp(`^reviews\\s+[0-9a-f-]{36}\\s+v1\\s+CSV\\s+12\\s+\\d+\\s+PASS\\s+${dev.email}$`));
    const show = await cli(['datasets', 'show', 'reviews']);
    expect(show.code).toBe(0);
    expect(show.out.join('\n')).toMatch(/v1 [0-9a-f-]{36} {2}12 records/);
    expect(show.out.join('\n')).toContain(`owner ${dev.email}`);
    expect(show.out.join('\n')).toContain('Gate: PASS');
  });

  it('an expired stored session is refreshed for an upload too, and the new pair saved', async () => {
    const path = credentialsPath({ XDG_CONFIG_HOME: configHome });
    const stored = JSON.parse(readFileSync(path, 'utf8')) as { accessToken: string; refreshToken: string };
    writeFileSync(path, JSON.stringify({ ...stored, accessToken: 'expired.token.value' }), { mode: 0o600 });
    const result = await cli(['datasets', 'upload', join(SAMPLES, 'instructions.jsonl'), '--name', 'refreshed', '--vocab-size', '300']);
    expect(result.err.join('\n')).not.toContain('upload failed');
    expect(result.code).toBe(0);
    const after = JSON.parse(readFileSync(path, 'utf8')) as { accessToken: string; refreshToken: string };
    expect(after.accessToken).not.toBe('expired.token.value');
    expect(after.refreshToken).not.toBe(stored.refreshToken);
  });

  it('EGEN_API_KEY, --token and --url / EGEN_URL override the stored login', async () => {
    const key = await t.graphqlAs<{ createApiKey: { secret: string } }>(dev.token, 'mutation { createApiKey(input: { name: "datasets-cli" }) { secret } }');
    const emptyConfig = { XDG_CONFIG_HOME: join(configHome, 'empty') };
    const byKey = await cli(['datasets', 'list'], { ...emptyConfig, EGEN_URL: t.httpUrl, EGEN_API_KEY: key.data!.createApiKey.secret });
    expect(byKey.code).toBe(0);
    expect(byKey.out.join('\n')).toContain('reviews');
    const byFlags = await cli(['datasets', 'list', '--url', t.httpUrl, '--token', key.data!.createApiKey.secret], emptyConfig);
    expect(byFlags.code).toBe(0);
    // a bad --token is used instead of the (good) stored session, and refused
    const badToken = await cli(['datasets', 'list', '--token', 'not-a-key']);
    expect(badToken.code).toBe(1);
    expect(badToken.err.join('\n')).toContain('[UNAUTHENTICATED]');
    // --url (and its older name --server) beat the stored login's server
    const unreachable = await cli(['datasets', 'list', '--url', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err.join('\n')).toContain('cannot reach the EGen server at http://127.0.0.1:9');
    expect((await cli(['datasets', 'list', '--server', 'http://127.0.0.1:9'])).err.join('\n')).toContain('cannot reach the EGen server at http://127.0.0.1:9');
    expect((await cli(['datasets', 'list'], { EGEN_URL: 'http://127.0.0.1:9' })).err.join('\n')).toContain('cannot reach the EGen server at http://127.0.0.1:9');
  });

  it('a viewer may list but not upload: the server refuses with FORBIDDEN', async () => {
    const viewer = await t.createUser('VIEWER');
    const viewerConfig = { XDG_CONFIG_HOME: join(configHome, 'viewer') };
    expect((await cli(['login', '--url', t.httpUrl, '--email', viewer.email], { ...viewerConfig, EGEN_PASSWORD: viewer.password })).code).toBe(0);
    expect((await cli(['datasets', 'list'], viewerConfig)).code).toBe(0);
    const upload = await cli(['datasets', 'upload', join(SAMPLES, 'reviews.csv'), '--text-field', 'review'], viewerConfig);
    expect(upload.code).toBe(1);
    expect(upload.err.join('\n')).toMatch(/upload failed: POST \/api\/uploads needs the DEVELOPER role; you have VIEWER \[FORBIDDEN\]/);
  });

  it('a bad file fails with its location and exit code 1', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'egen-cli-')), 'bad.jsonl');
    writeFileSync(path, '{"text":"a"}\nnot json\n');
    const result = await cli(['datasets', 'upload', path]);
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toContain('line 2: not valid JSON');
  });

  it('usage errors exit 2', async () => {
    expect((await cli(['datasets', 'upload'])).code).toBe(2);
    expect((await cli(['datasets', 'upload', join(SAMPLES, 'reviews.csv'), '--format', 'xml'])).err.join('\n')).toContain('--format must be');
    const badUrl = await cli(['datasets', 'list', '--url', 'not a url']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.err.join('\n')).toContain('--url must be a URL');
  });

  it('progress lines show bytes, rate and ETA', () => {
    expect(progressLine(512 * 1024, 1024 * 1024, 2)).toBe('[###############---------------]  50%  512.0 KB / 1.0 MB  256.0 KB/s  ETA 0:02');
  });
});
