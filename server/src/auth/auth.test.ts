// Sign-in, refresh rotation and reuse detection, logout, API keys, and authentication over
// WebSocket (connection_init) and REST, against the real server on both engines.
import { statSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import { IsNull } from 'typeorm';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { wsCloseCode, wsFirstResult } from '../../test/ws.ts';
import { startServer } from '../server.ts';
import { signJwt } from '../security/jwt.ts';
import { loadOrCreateJwtSecret } from './auth-secret.ts';
import { initialPasswordPath, DEFAULT_ADMIN_EMAIL } from '../admin/admin-bootstrap.ts';
import { ApiKey } from './api-key.entity.ts';
import { AuditService } from '../audit/audit.service.ts';
import { AuthService, sha256 } from './auth.service.ts';
import { RefreshToken, Session } from './session.entity.ts';

const LOGIN = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken accessTokenExpiresAt user { id email role } } }';
const REFRESH = 'mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken user { email } } }';
const ME = '{ me { id email role } }';
const CREATE_KEY = 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { secret apiKey { id prefix name role expiresAt lastUsedAt revokedAt } } }';
const HEARTBEAT = 'subscription { heartbeat { sequence } }';

type KeyResult = { createApiKey: { secret: string; apiKey: { id: string; prefix: string; role: string; lastUsedAt: string | null } } };

async function httpStatus(t: TestServer, token: string): Promise<{ status: number; body: { errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } }> {
  const response = await fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: ME }) });
  return { status: response.status, body: (await response.json()) as never };
}

describe.each(ENGINES)('authentication on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  let viewer: TestUser;
  beforeAll(async () => {
    t = await startTestServer(engine, { heartbeatIntervalMs: 50 });
    dev = await t.createUser('DEVELOPER');
    viewer = await t.createUser('VIEWER');
  });
  afterAll(async () => t?.stop());

  describe('login and me', () => {
    it('login returns an access token, a refresh token and the user; me answers with it', async () => {
      const result = await t.graphql<{ login: { accessToken: string; refreshToken: string; accessTokenExpiresAt: string; user: { id: string; email: string; role: string } } }>(LOGIN, { email: ` ${dev.email.toUpperCase()} `, password: dev.password });
      expect(result.errors).toBeUndefined();
      const login = result.data!.login;
      expect(login.user).toEqual({ id: dev.id, email: dev.email, role: 'DEVELOPER' });
      expect(login.accessToken.split('.')).toHaveLength(3);
      expect(JSON.parse(Buffer.from(login.accessToken.split('.')[0]!, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
      expect(login.refreshToken).toMatch(/^egr_/);
      expect(new Date(login.accessTokenExpiresAt).getTime()).toBeGreaterThan(Date.now() + 10 * 60_000);
      const me = await t.graphqlAs<{ me: unknown }>(login.accessToken, ME);
      expect(me.data!.me).toEqual({ id: dev.id, email: dev.email, role: 'DEVELOPER' });
    });

    it('a wrong password and an unknown email get the same UNAUTHENTICATED answer', async () => {
      const wrong = await t.graphql(LOGIN, { email: dev.email, password: 'not-the-password' });
      const unknown = await t.graphql(LOGIN, { email: 'nobody@test.local', password: 'whatever-123' });
      for (const result of [wrong, unknown]) {
        expect(result.errors?.[0]).toMatchObject({ message: 'Invalid email or password', extensions: { code: 'UNAUTHENTICATED' } });
        expect(result.data).toBeNull();
      }
    });

    it('refuses further tries after 10 failed sign-ins for one email from one address', async () => {
      const user = await t.createUser('VIEWER');
      for (let i = 0; i < 10; i++) await t.graphql(LOGIN, { email: user.email, password: `wrong-${i}-password` });
      const refused = await t.graphql(LOGIN, { email: user.email, password: user.password });
      expect(refused.errors?.[0]).toMatchObject({ message: expect.stringContaining('Too many failed sign-ins'), extensions: { code: 'UNAUTHENTICATED', retryAfterSeconds: 900 } });
      // Other accounts are unaffected.
      expect((await t.graphql(LOGIN, { email: viewer.email, password: viewer.password })).errors).toBeUndefined();
    });

    it('me without a token is UNAUTHENTICATED; a malformed or forged token fails the request with 401', async () => {
      const anonymous = await t.graphql(ME);
      expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await httpStatus(t, 'not-a-jwt')).status).toBe(401);
      const forged = signJwt({ sub: dev.id, sid: 'x', iss: 'egen', iat: 0, exp: 4102444800 }, Buffer.alloc(32, 7));
      const response = await httpStatus(t, forged);
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(JSON.stringify(response.body)).not.toMatch(/stack|at .*\.ts/);
    });

    it('pins the algorithm: a token with alg "none" or HS512 is rejected even with valid claims', async () => {
      const [, body] = dev.token.split('.');
      for (const alg of ['none', 'HS512']) {
        const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
        const response = await httpStatus(t, `${header}.${body}.`);
        expect(response.status).toBe(401);
        expect(response.body.errors?.[0]?.message).toContain('algorithm must be HS256');
      }
    });

    it('an expired access token is rejected with 401', async () => {
      const secret = loadOrCreateJwtSecret(t.dataDir);
      const session = await t.server.dataSource.getRepository(Session).findOneByOrFail({ userId: dev.id });
      const now = Math.floor(Date.now() / 1000);
      const expired = signJwt({ sub: dev.id, sid: session.id, iss: 'egen', iat: now - 1000, exp: now - 10 }, secret);
      const response = await httpStatus(t, expired);
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0]?.message).toContain('expired');
    });
  });

  describe('refresh tokens', () => {
    it('rotate: each refresh token works once and yields a new pair', async () => {
      const first = await t.login(viewer.email, viewer.password);
      const second = await t.graphql<{ refreshSession: { accessToken: string; refreshToken: string } }>(REFRESH, { token: first.refreshToken });
      expect(second.errors).toBeUndefined();
      const pair = second.data!.refreshSession;
      expect(pair.refreshToken).not.toBe(first.refreshToken);
      expect((await t.graphqlAs<{ me: { email: string } }>(pair.accessToken, ME)).data?.me.email).toBe(viewer.email);
      const third = await t.graphql<{ refreshSession: { refreshToken: string } }>(REFRESH, { token: pair.refreshToken });
      expect(third.errors).toBeUndefined();
    });

    it('reuse of an old refresh token revokes the whole family, access tokens included', async () => {
      const first = await t.login(viewer.email, viewer.password);
      const rotated = (await t.graphql<{ refreshSession: { accessToken: string; refreshToken: string } }>(REFRESH, { token: first.refreshToken })).data!.refreshSession;
      const reuse = await t.graphql(REFRESH, { token: first.refreshToken });
      expect(reuse.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(reuse.errors?.[0]?.message).toContain('reuse detected');
      // The legitimate successor dies with the family, and so do the session's access tokens.
      const successor = await t.graphql(REFRESH, { token: rotated.refreshToken });
      expect(successor.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect((await httpStatus(t, rotated.accessToken)).status).toBe(401);
      expect((await httpStatus(t, first.token)).status).toBe(401);
      // Other sessions of the same user live on.
      expect((await httpStatus(t, viewer.token)).status).toBe(200);
    });

    it('housekeeping removes refresh tokens a day past expiry and long-ended sessions', async () => {
      const session = await t.login(viewer.email, viewer.password);
      const { dataSource } = t.server;
      const row = await dataSource.getRepository(RefreshToken).findOneByOrFail({ tokenHash: sha256(session.refreshToken) });
      await dataSource.getRepository(RefreshToken).update({ id: row.id }, { expiresAt: new Date(Date.now() - 2 * 86_400_000) });
      const ended = await t.login(viewer.email, viewer.password);
      const endedRow = await dataSource.getRepository(RefreshToken).findOneByOrFail({ tokenHash: sha256(ended.refreshToken) });
      await dataSource.getRepository(Session).update({ id: endedRow.sessionId }, { revokedAt: new Date(Date.now() - 40 * 86_400_000), revokedReason: 'logout' });
      const service = new AuthService(dataSource, new AuditService(dataSource), loadOrCreateJwtSecret(t.dataDir));
      const pruned = await service.pruneExpired();
      expect(pruned.refreshTokens).toBeGreaterThanOrEqual(1);
      expect(pruned.sessions).toBe(1);
      expect(await dataSource.getRepository(RefreshToken).findOneBy({ id: row.id })).toBeNull();
      expect(await dataSource.getRepository(Session).findOneBy({ id: endedRow.sessionId })).toBeNull();
      expect((await t.graphql(REFRESH, { token: session.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('lists your open sessions and ends one; others’ sessions are not yours to end', async () => {
      const user = await t.createUser('VIEWER');
      const second = await t.login(user.email, user.password);
      const listed = await t.graphqlAs<{ mySessions: Array<{ id: string; current: boolean }> }>(user.token, '{ mySessions { id current createdAt ip } }');
      expect(listed.data!.mySessions).toHaveLength(2);
      expect(listed.data!.mySessions.filter((s) => s.current)).toHaveLength(1);
      const other = listed.data!.mySessions.find((s) => !s.current)!;
      const byStranger = await t.graphqlAs(viewer.token, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: other.id });
      expect(byStranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      const ended = await t.graphqlAs<{ revokeSession: boolean }>(user.token, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: other.id });
      expect(ended.data?.revokeSession).toBe(true);
      expect((await httpStatus(t, second.token)).status).toBe(401);
      expect((await httpStatus(t, user.token)).status).toBe(200);
      const byAdmin = await t.graphqlAs<{ revokeSession: boolean }>(t.admin.token, 'mutation($id: ID!) { revokeSession(id: $id) }', { id: listed.data!.mySessions.find((s) => s.current)!.id });
      expect(byAdmin.data?.revokeSession).toBe(true);
      expect((await httpStatus(t, user.token)).status).toBe(401);
    });

    it('an unknown refresh token is UNAUTHENTICATED', async () => {
      const result = await t.graphql(REFRESH, { token: 'egr_nope' });
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('logout ends the session: its access and refresh tokens stop working', async () => {
      const session = await t.login(viewer.email, viewer.password);
      const out = await t.graphqlAs<{ logout: boolean }>(session.token, 'mutation { logout }');
      expect(out.data?.logout).toBe(true);
      expect((await httpStatus(t, session.token)).status).toBe(401);
      expect((await t.graphql(REFRESH, { token: session.refreshToken })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('API keys', () => {
    it('lifecycle: created with a one-time secret and visible prefix, used as Bearer, listed without secret, revoked', async () => {
      const created = await t.graphqlAs<KeyResult>(dev.token, CREATE_KEY, { input: { name: 'ci' } });
      expect(created.errors).toBeUndefined();
      const { secret, apiKey } = created.data!.createApiKey;
      expect(secret).toMatch(/^egk_[0-9a-f]{12}_[\w-]{43}$/);
      expect(secret.startsWith(apiKey.prefix)).toBe(true);
      expect(apiKey).toMatchObject({ role: 'DEVELOPER', lastUsedAt: null });

      const me = await t.graphqlAs<{ me: { email: string; role: string } }>(secret, ME);
      expect(me.data?.me).toMatchObject({ email: dev.email, role: 'DEVELOPER' });
      const listed = await t.graphqlAs<{ myApiKeys: Array<Record<string, unknown>> }>(dev.token, '{ myApiKeys { id prefix lastUsedAt revokedAt } }');
      const row = listed.data!.myApiKeys.find((k) => k.id === apiKey.id)!;
      expect(row.prefix).toBe(apiKey.prefix);
      expect(row.lastUsedAt).not.toBeNull();
      const stored = await t.server.dataSource.getRepository(ApiKey).findOneByOrFail({ id: apiKey.id });
      expect(stored.secretHash).not.toContain(secret.slice(18));

      const revoked = await t.graphqlAs<{ revokeApiKey: { revokedAt: string | null } }>(dev.token, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: apiKey.id });
      expect(revoked.data?.revokeApiKey.revokedAt).not.toBeNull();
      const after = await httpStatus(t, secret);
      expect(after.status).toBe(401);
      expect(after.body.errors?.[0]?.message).toContain('revoked');
      // Creation, revocation and the rejected use are in the audit log.
      const log = await t.graphqlAs<{ auditLog: { nodes: Array<{ action: string; outcome: string; after: Record<string, unknown> | null }> } }>(
        t.admin.token,
        'query($id: ID!) { auditLog(filter: { targetType: "ApiKey", targetId: $id }) { nodes { action outcome after } } }',
        { id: apiKey.id },
      );
      expect(log.data!.auditLog.nodes.map((n) => n.action)).toEqual(['auth.api_key_rejected', 'api_key.revoked', 'api_key.created']);
      expect(log.data!.auditLog.nodes[0]).toMatchObject({ outcome: 'FAILURE', after: { reason: 'revoked' } });
      expect(JSON.stringify(log.data)).not.toContain(secret);
    });

    it('a key never exceeds its owner: a higher role is refused, a lower one limits what the key may do', async () => {
      const tooHigh = await t.graphqlAs(dev.token, CREATE_KEY, { input: { name: 'root', role: 'ADMIN' } });
      expect(tooHigh.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.role' });
      const readOnly = (await t.graphqlAs<KeyResult>(dev.token, CREATE_KEY, { input: { name: 'read', role: 'VIEWER' } })).data!.createApiKey;
      const attempt = await t.graphqlAs(readOnly.secret, 'mutation { createModel(input: { name: "k", preset: "tiny" }) { id } }');
      expect(attempt.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'Mutation.createModel' });
    });

    it('an expiry in the past is refused; an expired key stops working', async () => {
      const past = await t.graphqlAs(dev.token, CREATE_KEY, { input: { name: 'old', expiresAt: '2001-01-01T00:00:00.000Z' } });
      expect(past.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.expiresAt' });
      const soon = (await t.graphqlAs<KeyResult>(dev.token, CREATE_KEY, { input: { name: 'soon', expiresAt: new Date(Date.now() + 3_600_000).toISOString() } })).data!.createApiKey;
      expect((await httpStatus(t, soon.secret)).status).toBe(200);
      await t.server.dataSource.getRepository(ApiKey).update({ id: soon.apiKey.id }, { expiresAt: new Date(Date.now() - 1000) });
      const expired = await httpStatus(t, soon.secret);
      expect(expired.status).toBe(401);
      expect(expired.body.errors?.[0]?.message).toContain('expired');
    });

    it('others cannot revoke your key; an admin lists and revokes anyone’s', async () => {
      const key = (await t.graphqlAs<KeyResult>(dev.token, CREATE_KEY, { input: { name: 'shared' } })).data!.createApiKey;
      const byViewer = await t.graphqlAs(viewer.token, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: key.apiKey.id });
      expect(byViewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      const listed = await t.graphqlAs<{ apiKeys: { nodes: Array<{ id: string; owner: { email: string } }> } }>(t.admin.token, 'query($owner: ID) { apiKeys(filter: { ownerId: $owner }, first: 100) { nodes { id owner { email } } } }', {
        owner: dev.id,
      });
      expect(listed.data!.apiKeys.nodes.map((k) => k.id)).toContain(key.apiKey.id);
      expect(new Set(listed.data!.apiKeys.nodes.map((k) => k.owner.email))).toEqual(new Set([dev.email]));
      const byAdmin = await t.graphqlAs<{ revokeApiKey: { revokedAt: string } }>(t.admin.token, 'mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }', { id: key.apiKey.id });
      expect(byAdmin.data?.revokeApiKey.revokedAt).toBeTruthy();
      expect((await httpStatus(t, key.secret)).status).toBe(401);
    });
  });

  describe('WebSocket connection_init', () => {
    it('a valid token in connection_init subscribes', async () => {
      const outcome = await wsFirstResult(t.wsUrl, { authorization: `Bearer ${viewer.token}` }, HEARTBEAT);
      expect(outcome).toMatchObject({ kind: 'next', data: { heartbeat: { sequence: expect.any(Number) } } });
      const asToken = await wsFirstResult(t.wsUrl, { token: viewer.token }, HEARTBEAT);
      expect(asToken.kind).toBe('next');
    });

    it('without a token only public operations run; anything else closes the socket with 4401', async () => {
      expect(await wsFirstResult(t.wsUrl, undefined, HEARTBEAT)).toMatchObject({ kind: 'next', data: { heartbeat: { sequence: expect.any(Number) } } });
      expect(await wsFirstResult(t.wsUrl, undefined, ME)).toMatchObject({ kind: 'closed', code: 4401 });
      expect(await wsFirstResult(t.wsUrl, undefined, '{ health { status } me { id } }')).toMatchObject({ kind: 'closed', code: 4401 });
      expect(await wsFirstResult(t.wsUrl, { authorization: 'Basic abc' }, HEARTBEAT)).toMatchObject({ kind: 'closed', code: 4401 });
    });

    it('an expired or forged token closes with 4401', async () => {
      const secret = loadOrCreateJwtSecret(t.dataDir);
      const session = await t.server.dataSource.getRepository(Session).findOneByOrFail({ userId: dev.id });
      const now = Math.floor(Date.now() / 1000);
      const expired = signJwt({ sub: dev.id, sid: session.id, iss: 'egen', iat: now - 100, exp: now - 1 }, secret);
      expect(await wsFirstResult(t.wsUrl, { authorization: `Bearer ${expired}` }, HEARTBEAT)).toMatchObject({ kind: 'closed', code: 4401 });
      expect(await wsFirstResult(t.wsUrl, { authorization: 'Bearer x.y.z' }, HEARTBEAT)).toMatchObject({ kind: 'closed', code: 4401 });
    });

    it('an open socket closes with 4401 when its access token expires', async () => {
      const secret = loadOrCreateJwtSecret(t.dataDir);
      const session = await t.server.dataSource.getRepository(Session).findOneByOrFail({ userId: dev.id, revokedAt: IsNull() });
      const now = Math.floor(Date.now() / 1000);
      const shortLived = signJwt({ sub: dev.id, sid: session.id, iss: 'egen', iat: now, exp: now + 2 }, secret);
      expect(await wsCloseCode(t.wsUrl, { authorization: `Bearer ${shortLived}` }, 6000)).toBe(4401);
    });

    it('every subscribe re-checks the credential: after logout the open socket closes with 4401', async () => {
      const session = await t.login(viewer.email, viewer.password);
      let closedWith: number | null = null;
      const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${session.token}` }, on: { closed: (e) => (closedWith = (e as { code: number }).code) } });
      const first = await new Promise<unknown>((resolve, reject) => {
        const stop = client.subscribe({ query: HEARTBEAT }, { next: (v) => (stop(), resolve(v)), error: reject, complete: () => undefined });
      });
      expect(first).toMatchObject({ data: { heartbeat: { sequence: expect.any(Number) } } });
      await t.graphqlAs(session.token, 'mutation { logout }');
      const second = await new Promise<unknown>((resolve) => {
        client.subscribe({ query: HEARTBEAT }, { next: () => resolve('data'), error: (e) => resolve(e), complete: () => resolve('complete') });
      });
      await client.dispose();
      expect(second === 'data').toBe(false);
      expect(closedWith).toBe(4401);
    });

    it('a credential of a disabled account closes with 4403', async () => {
      const user = await t.createUser('DEVELOPER');
      const key = (await t.graphqlAs<KeyResult>(user.token, CREATE_KEY, { input: { name: 'ws' } })).data!.createApiKey;
      await t.graphqlAs(t.admin.token, 'mutation($id: ID!) { disableUser(id: $id) { id } }', { id: user.id });
      expect(await wsFirstResult(t.wsUrl, { authorization: `Bearer ${key.secret}` }, HEARTBEAT)).toMatchObject({ kind: 'closed', code: 4403 });
    });

    it('roles apply over WebSocket too: a VIEWER cannot run a mutation there', async () => {
      const outcome = await wsFirstResult(t.wsUrl, { authorization: `Bearer ${viewer.token}` }, 'mutation { createModel(input: { name: "ws", preset: "tiny" }) { id } }');
      const errors = outcome.kind === 'next' ? outcome.errors : outcome.kind === 'errors' ? outcome.errors : [];
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'Mutation.createModel' });
      const me = await wsFirstResult(t.wsUrl, { authorization: `Bearer ${viewer.token}` }, ME);
      expect(me).toMatchObject({ kind: 'next', data: { me: { email: viewer.email } } });
    });
  });

  describe('REST endpoints', () => {
    it('GET /api/me needs a credential: 401 without, 200 with a session token or an API key', async () => {
      const anonymous = await fetch(`${t.httpUrl}/api/me`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      expect(await anonymous.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      const withToken = await fetch(`${t.httpUrl}/api/me`, { headers: { authorization: `Bearer ${dev.token}` } });
      expect(await withToken.json()).toEqual({ id: dev.id, email: dev.email, role: 'DEVELOPER', via: 'session' });
      const key = (await t.graphqlAs<KeyResult>(dev.token, CREATE_KEY, { input: { name: 'rest' } })).data!.createApiKey;
      const withKey = await fetch(`${t.httpUrl}/api/me`, { headers: { authorization: `Bearer ${key.secret}` } });
      expect(await withKey.json()).toMatchObject({ email: dev.email, via: 'apiKey' });
      expect((await fetch(`${t.httpUrl}/api/me`, { headers: { authorization: 'Bearer garbage' } })).status).toBe(401);
    });

    it('unknown /api paths are JSON 404s; /healthz and /readyz stay public', async () => {
      const missing = await fetch(`${t.httpUrl}/api/nope`, { headers: { authorization: `Bearer ${dev.token}` } });
      expect(missing.status).toBe(404);
      expect((await fetch(`${t.httpUrl}/api/me`, { method: 'DELETE' })).status).toBe(405);
      expect((await fetch(`${t.httpUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${t.httpUrl}/readyz`)).status).toBe(200);
    });
  });
});

describe('first start', () => {
  it('creates an admin with a random password, printed once and saved to a 0600 file', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'egen-bootstrap-'));
    const database = await createTestDatabase('sqlite');
    const printed: string[] = [];
    const config = { port: 0, host: '127.0.0.1', dataDir, database: database.config, logLevel: 'warn' as const, logToFile: false, devMode: false };
    try {
      const first = await startServer(config, { printInitialPassword: (text) => printed.push(text) });
      await first.stop();
      const file = initialPasswordPath(dataDir);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const password = /password: (\S+)/.exec(readFileSync(file, 'utf8'))![1]!;
      expect(printed.join('')).toContain(password);
      expect(statSync(join(dataDir, 'secrets', 'jwt-hs256.key')).mode & 0o777).toBe(0o600);

      const second = await startServer(config, { printInitialPassword: (text) => printed.push(text) });
      try {
        expect(printed).toHaveLength(1);
        const response = await fetch(`http://127.0.0.1:${second.port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: LOGIN, variables: { email: DEFAULT_ADMIN_EMAIL, password } }) });
        const body = (await response.json()) as { data: { login: { user: { role: string } } } };
        expect(body.data.login.user.role).toBe('ADMIN');
      } finally {
        await second.stop();
      }
    } finally {
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
