// @vitest-environment jsdom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

function payload(n: number, expiresInMs: number): Record<string, unknown> {
  return {
    accessToken: `access-${n}`,
    accessTokenExpiresAt: new Date(Date.now() + expiresInMs).toISOString(),
    refreshToken: `refresh-${n}`,
    user: { id: 'u1', email: 'a@b.test', role: 'DEVELOPER' },
  };
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

describe('session', () => {
  beforeEach(() => {
    localStorage.clear();
    vi.resetModules();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });

  it('signs in, keeps the session across a reload, and renews an access token about to expire', async () => {
    const fetchMock = vi.fn(async (_url: unknown, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body)) as { query: string };
      if (body.query.includes('login(')) return json({ data: { login: payload(1, 60_000) } });
      if (body.query.includes('refreshSession')) return json({ data: { refreshSession: payload(2, 600_000) } });
      return json({ data: {} });
    });
    vi.stubGlobal('fetch', fetchMock);
    let session = await import('./session.ts');
    await session.signIn('a@b.test', 'pw');
    expect(session.getSession()?.user.role).toBe('DEVELOPER');
    // A reload: the module starts again from localStorage.
    vi.resetModules();
    session = await import('./session.ts');
    expect(session.getSession()?.refreshToken).toBe('refresh-1');
    // Fresh, the token is used as it is.
    expect(await session.accessToken()).toBe('access-1');
    // 50 s later it has 10 s left, under the margin (a quarter of its 60 s life): it is renewed.
    const now = Date.now();
    vi.spyOn(Date, 'now').mockReturnValue(now + 50_000);
    expect(await session.accessToken()).toBe('access-2');
    const refreshCall = fetchMock.mock.calls.find(([, init]) => String(init?.body).includes('refreshSession'));
    expect(JSON.parse(String(refreshCall![1]!.body)).variables).toEqual({ refreshToken: 'refresh-1' });
    expect(await session.accessToken()).toBe('access-2');
  });

  it('retries a request that got 401 once with a renewed token, and signs out when renewal is refused', async () => {
    const seen: string[] = [];
    let refusals = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: unknown, init?: RequestInit) => {
        const body = init?.body ? (JSON.parse(String(init.body)) as { query: string }) : null;
        if (body?.query.includes('login(')) return json({ data: { login: payload(1, 600_000) } });
        if (body?.query.includes('refreshSession')) {
          refusals++;
          return refusals === 1 ? json({ data: { refreshSession: payload(2, 600_000) } }) : json({ errors: [{ message: 'reused' }] });
        }
        seen.push(new Headers(init?.headers).get('authorization') ?? '');
        return new Response('{}', { status: seen.length === 1 ? 401 : seen.length === 2 ? 200 : 401 });
      }),
    );
    const session = await import('./session.ts');
    await session.signIn('a@b.test', 'pw');
    const ok = await session.authFetch('/graphql', { method: 'POST' });
    expect(ok.status).toBe(200);
    expect(seen).toEqual(['Bearer access-1', 'Bearer access-2']);
    const refused = await session.authFetch('/graphql', { method: 'POST' });
    expect(refused.status).toBe(401);
    expect(session.getSession()).toBeNull();
  });
});
