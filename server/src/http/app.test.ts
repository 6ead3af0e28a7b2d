import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/test-server.ts';
import { CLIENT_DIST_DIR } from '../paths.ts';

describe.each(ENGINES)('HTTP and WebSocket API on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(engine, { heartbeatIntervalMs: 50 });
  });
  afterAll(async () => t?.stop());

  it('GET /healthz answers 200 with JSON', async () => {
    const response = await fetch(`${t.httpUrl}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('GET /readyz reports the database and the native addon ready', async () => {
    const response = await fetch(`${t.httpUrl}/readyz`);
    expect(await response.json()).toEqual({ status: 'ready', database: true, native: true });
    expect(response.status).toBe(200);
  });

  it('Query.health reports versions, engine and libtorch', async () => {
    const result = await t.graphql<{ health: Record<string, unknown> & { native: Record<string, unknown> } }>('{ health { status version databaseEngine databaseReachable instanceId native { loaded libtorchVersion devices { type name } } } }');
    expect(result.errors).toBeUndefined();
    expect(result.data!.health).toMatchObject({ status: 'ok', databaseEngine: engine, databaseReachable: true });
    expect(result.data!.health.native.libtorchVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(result.data!.health.instanceId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('echoes a valid x-request-id and makes one up otherwise', async () => {
    const mine = await fetch(`${t.httpUrl}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-123');
    const made = await fetch(`${t.httpUrl}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a malformed GraphQL body gets a 400 with a clear message', async () => {
    const response = await fetch(t.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('not valid JSON');
  });

  it('a query for an unknown field is a validation error, not a crash', async () => {
    const result = await t.graphql('{ nope }');
    expect(result.errors?.[0]?.message).toContain('Cannot query field "nope"');
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('subscriptions run over graphql-ws on the same port', async () => {
    const client = createClient({ url: t.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${t.admin.token}` } });
    const ticks: number[] = [];
    await new Promise<void>((resolve, reject) => {
      const unsubscribe = client.subscribe<{ heartbeat: { sequence: number } }>(
        { query: 'subscription { heartbeat { sequence serverTime } }' },
        {
          next: (value) => {
            ticks.push(value.data!.heartbeat.sequence);
            if (ticks.length === 3) {
              unsubscribe();
              resolve();
            }
          },
          error: reject,
          complete: () => undefined,
        },
      );
    });
    await client.dispose();
    expect(ticks[1]! - ticks[0]!).toBe(1);
    expect(ticks[2]! - ticks[1]!).toBe(1);
  });

  it('serves the client shell for client-side routes, or says the client is not built', async () => {
    const response = await fetch(`${t.httpUrl}/runs/42`);
    const text = await response.text();
    if (existsSync(join(CLIENT_DIST_DIR, 'index.html'))) {
      expect(response.status).toBe(200);
      expect(text).toContain('<div id="root">');
      expect((await fetch(`${t.httpUrl}/assets/missing-file.js`)).status).toBe(404);
    } else {
      expect(response.status).toBe(503);
      expect(text).toContain('web client is not built');
    }
  });
});
