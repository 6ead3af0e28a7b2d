// Admin operations on accounts and the audit log they leave, against the real server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/test-server.ts';

const CREATE_USER = 'mutation($input: CreateUserInput!) { createUser(input: $input) { id email role disabledAt } }';
const LOGIN = 'mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken } }';
const AUDIT = `query($filter: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { id at action outcome actorKind actorId actorEmail apiKeyId targetType targetId before after requestId }
  }
}`;

interface AuditNode {
  id: string;
  at: string;
  action: string;
  outcome: string;
  actorKind: string;
  actorId: string | null;
  actorEmail: string | null;
  targetType: string | null;
  targetId: string | null;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  requestId: string | null;
}
type AuditPage = { auditLog: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: AuditNode[] } };

describe.each(ENGINES)('admin operations on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(engine);
  });
  afterAll(async () => t?.stop());

  const audit = async (filter: Record<string, unknown>, first = 50, after?: string): Promise<AuditPage['auditLog']> => {
    const result = await t.graphqlAs<AuditPage>(t.admin.token, AUDIT, { filter, first, after });
    expect(result.errors).toBeUndefined();
    return result.data!.auditLog;
  };

  it('creates users with field-level errors for bad input and CONFLICT for a taken email', async () => {
    const ok = await t.graphqlAs<{ createUser: { email: string; role: string } }>(t.admin.token, CREATE_USER, { input: { email: 'New.Person@Test.local', password: 'long-enough-1', role: 'VIEWER' } });
    expect(ok.data?.createUser).toMatchObject({ email: 'new.person@test.local', role: 'VIEWER' });
    const taken = await t.graphqlAs(t.admin.token, CREATE_USER, { input: { email: 'new.person@test.local', password: 'long-enough-1', role: 'VIEWER' } });
    expect(taken.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.email' });
    const short = await t.graphqlAs(t.admin.token, CREATE_USER, { input: { email: 'short@test.local', password: 'short', role: 'VIEWER' } });
    expect(short.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.password' });
    const notEmail = await t.graphqlAs(t.admin.token, CREATE_USER, { input: { email: 'not-an-email', password: 'long-enough-1', role: 'VIEWER' } });
    expect(notEmail.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
  });

  it('lists users with a role filter and cursor pagination', async () => {
    for (let i = 0; i < 3; i++) await t.createUser('DEVELOPER', `dev-page-${i}@test.local`);
    const query = 'query($after: String) { users(filter: { role: DEVELOPER, emailContains: "dev-page" }, first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { email role } } }';
    type Page = { users: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Array<{ email: string }> } };
    const first = (await t.graphqlAs<Page>(t.admin.token, query)).data!.users;
    expect(first.totalCount).toBe(3);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await t.graphqlAs<Page>(t.admin.token, query, { after: first.pageInfo.endCursor })).data!.users;
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect([...first.nodes, ...second.nodes].map((n) => n.email)).toEqual(['dev-page-0@test.local', 'dev-page-1@test.local', 'dev-page-2@test.local']);
    const bad = await t.graphqlAs(t.admin.token, 'query { users(first: 0) { totalCount } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('lists API keys newest first with cursor pagination, an owner filter and revoked keys on request', async () => {
    const owner = await t.createUser('DEVELOPER', 'key-page-owner@test.local');
    const other = await t.createUser('DEVELOPER', 'key-page-other@test.local');
    const CREATE_KEY = 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { apiKey { id } } }';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await t.graphqlAs<{ createApiKey: { apiKey: { id: string } } }>(owner.token, CREATE_KEY, { input: { name: `page-${i}` } })).data!.createApiKey.apiKey.id);
    await t.graphqlAs(other.token, CREATE_KEY, { input: { name: 'not-theirs' } });
    const query = `query($filter: ApiKeyFilter, $first: Int, $after: String) {
      apiKeys(filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name createdAt revokedAt owner { email } } } }
    }`;
    type Page = {
      apiKeys: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: Array<{ cursor: string; node: { id: string; name: string; createdAt: string; revokedAt: string | null; owner: { email: string } } }> };
    };
    const page = async (filter: Record<string, unknown>, first: number, after?: string | null): Promise<Page['apiKeys']> => {
      const result = await t.graphqlAs<Page>(t.admin.token, query, { filter, first, after });
      expect(result.errors).toBeUndefined();
      return result.data!.apiKeys;
    };
    const whole = await page({ ownerId: owner.id }, 100);
    expect(whole.totalCount).toBe(5);
    expect(whole.pageInfo.hasNextPage).toBe(false);
    expect(new Set(whole.edges.map((e) => e.node.id))).toEqual(new Set(ids));
    expect(whole.edges.every((e) => e.node.owner.email === 'key-page-owner@test.local')).toBe(true);
    const times = whole.edges.map((e) => Date.parse(e.node.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const seen: string[] = [];
    let after: string | null = null;
    for (let round = 0; round < 10; round++) {
      const next = await page({ ownerId: owner.id }, 2, after);
      expect(next.totalCount).toBe(5);
      seen.push(...next.edges.map((e) => e.node.id));
      expect(next.pageInfo.endCursor).toBe(next.edges.at(-1)?.cursor ?? null);
      if (!next.pageInfo.hasNextPage) break;
      after = next.pageInfo.endCursor;
    }
    expect(seen).toEqual(whole.edges.map((e) => e.node.id));

    await t.graphqlAs(t.admin.token, 'mutation($id: ID!) { revokeApiKey(id: $id) { id } }', { id: ids[0] });
    expect((await page({ ownerId: owner.id }, 100)).totalCount).toBe(5);
    const live = await page({ ownerId: owner.id, includeRevoked: false }, 100);
    expect(live.totalCount).toBe(4);
    expect(live.edges.map((e) => e.node.id)).not.toContain(ids[0]);
    expect((await page({}, 100)).totalCount).toBeGreaterThanOrEqual(6);
    const bad = await t.graphqlAs(t.admin.token, 'query { apiKeys(first: 101) { totalCount } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const refused = await t.graphqlAs(owner.token, 'query { apiKeys { totalCount } }');
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('a role change applies to the user’s open sessions at once and is audited with before/after', async () => {
    const dev = await t.createUser('DEVELOPER');
    const changed = await t.graphqlAs<{ setUserRole: { role: string } }>(t.admin.token, 'mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { role } }', { id: dev.id });
    expect(changed.data?.setUserRole.role).toBe('VIEWER');
    expect((await t.graphqlAs<{ me: { role: string } }>(dev.token, '{ me { role } }')).data?.me.role).toBe('VIEWER');
    const denied = await t.graphqlAs(dev.token, 'mutation { createModel(input: { name: "m", preset: "tiny" }) { id } }');
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const entries = await audit({ action: 'user.role_changed', targetId: dev.id });
    expect(entries.nodes).toHaveLength(1);
    expect(entries.nodes[0]).toMatchObject({ outcome: 'SUCCESS', actorKind: 'session', actorId: t.admin.id, actorEmail: t.admin.email, targetType: 'User', before: { role: 'DEVELOPER' }, after: { role: 'VIEWER' } });
    expect(entries.nodes[0]!.requestId).toBeTruthy();
    expect(JSON.stringify(entries.nodes[0])).not.toContain('argon2');
  });

  it('an admin cannot lock themselves out', async () => {
    const demote = await t.graphqlAs(t.admin.token, 'mutation($id: ID!) { setUserRole(id: $id, role: VIEWER) { role } }', { id: t.admin.id });
    expect(demote.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const disable = await t.graphqlAs(t.admin.token, 'mutation($id: ID!) { disableUser(id: $id) { id } }', { id: t.admin.id });
    expect(disable.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('disabling ends sessions and blocks sign-in until enabled again', async () => {
    const user = await t.createUser('VIEWER');
    await t.graphqlAs(t.admin.token, 'mutation($id: ID!) { disableUser(id: $id) { disabledAt } }', { id: user.id });
    const response = await fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` }, body: JSON.stringify({ query: '{ me { id } }' }) });
    expect(response.status).toBe(401);
    const login = await t.graphql(LOGIN, { email: user.email, password: user.password });
    expect(login.errors?.[0]).toMatchObject({ message: 'This account is disabled', extensions: { code: 'FORBIDDEN' } });
    await t.graphqlAs(t.admin.token, 'mutation($id: ID!) { enableUser(id: $id) { disabledAt } }', { id: user.id });
    expect((await t.graphql(LOGIN, { email: user.email, password: user.password })).errors).toBeUndefined();
  });

  it('resets a password: generated once, the old one and old sessions stop working', async () => {
    const user = await t.createUser('DEVELOPER');
    const reset = await t.graphqlAs<{ resetUserPassword: { temporaryPassword: string } }>(t.admin.token, 'mutation($id: ID!) { resetUserPassword(id: $id) { temporaryPassword user { id } } }', { id: user.id });
    const temporary = reset.data!.resetUserPassword.temporaryPassword;
    expect(temporary.length).toBeGreaterThanOrEqual(20);
    expect((await t.graphql(LOGIN, { email: user.email, password: user.password })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await t.graphql(LOGIN, { email: user.email, password: temporary })).errors).toBeUndefined();
    expect((await t.graphqlAs(user.token, '{ me { id } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const given = await t.graphqlAs<{ resetUserPassword: { temporaryPassword: string | null } }>(t.admin.token, 'mutation($id: ID!) { resetUserPassword(id: $id, newPassword: "chosen-password") { temporaryPassword } }', { id: user.id });
    expect(given.data?.resetUserPassword.temporaryPassword).toBeNull();
    const entries = await audit({ action: 'user.password_reset', targetId: user.id });
    expect(entries.totalCount).toBe(2);
    expect(JSON.stringify(entries.nodes)).not.toContain(temporary);
  });

  it('a user changes their own password with the current one; a wrong current one names the field', async () => {
    const user = await t.createUser('VIEWER');
    const wrong = await t.graphqlAs(user.token, 'mutation { changePassword(currentPassword: "nope-nope", newPassword: "brand-new-pass") }');
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    const ok = await t.graphqlAs<{ changePassword: boolean }>(user.token, `mutation { changePassword(currentPassword: "${user.password}", newPassword: "brand-new-pass") }`);
    expect(ok.data?.changePassword).toBe(true);
    expect((await t.graphql(LOGIN, { email: user.email, password: 'brand-new-pass' })).errors).toBeUndefined();
  });

  it('sensitive user fields: lastLoginAt is readable by the user and admins only', async () => {
    const viewer = await t.createUser('VIEWER');
    const own = await t.graphqlAs<{ me: { lastLoginAt: string } }>(viewer.token, '{ me { lastLoginAt } }');
    expect(own.data?.me.lastLoginAt).toBeTruthy();
    const dev = await t.createUser('DEVELOPER');
    const model = await t.graphqlAs<{ createModel: { id: string } }>(dev.token, 'mutation { createModel(input: { name: "owned", preset: "tiny" }) { id } }');
    const other = await t.graphqlAs<{ model: { owner: { email: string; lastLoginAt: string | null } } }>(viewer.token, 'query($id: ID!) { model(id: $id) { owner { email lastLoginAt } } }', { id: model.data!.createModel.id });
    expect(other.data?.model.owner).toEqual({ email: dev.email, lastLoginAt: null });
    expect(other.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', rule: 'User.lastLoginAt' });
    const asAdmin = await t.graphqlAs<{ model: { owner: { lastLoginAt: string | null } } }>(t.admin.token, 'query($id: ID!) { model(id: $id) { owner { lastLoginAt } } }', { id: model.data!.createModel.id });
    expect(asAdmin.data?.model.owner.lastLoginAt).toBeTruthy();
  });

  describe('audit log', () => {
    it('records failed and successful logins with the email tried', async () => {
      await t.graphql(LOGIN, { email: 'intruder@test.local', password: 'guess-guess' });
      const failed = await audit({ action: 'auth.login_failed' });
      expect(failed.nodes.find((n) => n.actorEmail === 'intruder@test.local')).toMatchObject({ outcome: 'FAILURE', actorKind: 'anonymous', actorId: null });
      const logins = await audit({ action: 'auth.login', actorId: t.admin.id });
      expect(logins.totalCount).toBeGreaterThanOrEqual(1);
      expect(logins.nodes.every((n) => n.actorId === t.admin.id && n.targetType === 'Session')).toBe(true);
      expect((await audit({ outcome: 'FAILURE' })).nodes.every((n) => n.outcome === 'FAILURE')).toBe(true);
    });

    it('pages newest first without gaps or repeats, and filters by prefix and time', async () => {
      const all = await audit({}, 100);
      expect(all.totalCount).toBeGreaterThan(10);
      const seen: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await audit({}, 4, after);
        seen.push(...page.nodes.map((n) => n.id));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor!;
      }
      expect(seen).toEqual(all.nodes.map((n) => n.id));
      const times = all.nodes.map((n) => n.at);
      expect([...times].sort().reverse()).toEqual(times);

      const users = await audit({ actionPrefix: 'user.' }, 100);
      expect(users.nodes.length).toBeGreaterThan(0);
      expect(users.nodes.every((n) => n.action.startsWith('user.'))).toBe(true);
      const future = await audit({ since: new Date(Date.now() + 60_000).toISOString() });
      expect(future.totalCount).toBe(0);
      const bad = await t.graphqlAs(t.admin.token, AUDIT, { after: 'garbage' });
      expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    });
  });
});
