// npm run bench:api — the API under load, on this machine, SQLite.
//
// 1) A typical list query (models, 20 per page, with owner and latest version through
//    DataLoaders) under 50 concurrent clients (autocannon, 10 s): EGen's server (Apollo +
//    auth + access rules + logging) vs a bare graphql-http server executing the same schema,
//    resolvers and per-request auth and loaders. Prints p50/p99 latency, requests/s and the
//    ratio (target ≥ 0.8×).
// 2) Fan-out: 1,000 graphql-ws subscribers of runMetrics on one run while 10 metric batches a
//    second are published through the server's pub/sub (as the runner publishes them); prints
//    the p50/p99 delivery latency (target p99 < 100 ms). The clients run in a worker thread of
//    this process (on the same cores).
//
// Options: --seconds N (default 10), --subscribers N (default 1000).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createHandler } from 'graphql-http/lib/use/http';
import type { GraphQLContext } from '../server/src/graphql/context.ts';
import { createLoaders } from '../server/src/graphql/loaders.ts';
import { createLogger } from '../server/src/logging/logger.ts';
import { startServer } from '../server/src/server.ts';
import { RUN_METRICS_TOPIC } from '../server/src/training/training.topics.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const seconds = option('--seconds', 10);
const subscriberCount = option('--subscribers', 1000);

const dataDir = mkdtempSync(join(tmpdir(), 'egen-bench-api-'));
const admin = { email: 'bench@egen.local', password: 'bench-password-1' };
const config = { port: 0, host: '127.0.0.1', dataDir, database: { engine: 'sqlite' as const, path: join(dataDir, 'egen.sqlite') }, logLevel: 'warn' as const, logToFile: false, devMode: false, initialAdmin: admin };
const server = await startServer(config, { printInitialPassword: () => undefined, runTraining: false });
const base = `http://127.0.0.1:${server.port}`;

async function gql<T>(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const token = (await gql<{ login: { accessToken: string } }>('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }', { e: admin.email, p: admin.password })).login.accessToken;
for (let i = 0; i < 50; i++) {
  const model = await gql<{ createModel: { id: string } }>('mutation($input: CreateModelInput!) { createModel(input: $input) { id } }', { input: { name: `bench-${i}`, preset: 'tiny' } }, token);
  await gql('mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { id } }', { input: { modelId: model.createModel.id, notes: 'v1' } }, token);
}
const LIST = '{ models(first: 20) { totalCount pageInfo { hasNextPage endCursor } nodes { id name preset createdAt owner { email } latestVersion { version } architecture { parameterCount } } } }';

// The bare server: graphql-http on node:http, same schema, same auth and loaders per request.
const logger = createLogger({ ...config, logLevel: 'error' });
const handler = createHandler({
  schema: server.schema,
  context: async (req) => {
    const header = req.raw.headers.authorization;
    const principal = await server.services.auth.authenticate(typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7) : null);
    return { requestId: randomUUID(), logger, services: server.services, principal, origin: { requestId: '', ip: null, userAgent: null }, loaders: createLoaders(server.services.dataSource) } satisfies GraphQLContext as unknown as Record<
      string,
      unknown
    >;
  },
});
const bare = createServer((req, res) => void handler(req, res));
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareAddress = bare.address();
const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}/graphql`;

async function load(url: string): Promise<{ p50: number; p99: number; rps: number; errors: number }> {
  const result = await autocannon({ url, method: 'POST', connections: 50, duration: seconds, headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: LIST }) });
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, errors: result.errors + result.non2xx };
}

console.log(`bench:api — ${cpus().length} CPUs, SQLite, ${seconds} s per side, 50 connections`);
// check both answer the same
const ours = await gql(LIST, {}, token);
const theirs = (await (await fetch(bareUrl, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: LIST }) })).json()) as { data: unknown };
if (JSON.stringify(ours) !== JSON.stringify(theirs.data)) throw new Error('the two servers answer differently');
await load(`${base}/graphql`); // warm-up is the first second of each run; run once more for the figure
const egen = await load(`${base}/graphql`);
const plain = await load(bareUrl);
const row = (name: string, r: { p50: number; p99: number; rps: number; errors: number }): string =>
  `${name.padEnd(22)} p50 ${String(r.p50).padStart(4)} ms  p99 ${String(r.p99).padStart(4)} ms  ${r.rps.toFixed(0).padStart(6)} req/s  errors ${r.errors}`;
console.log(row('EGen (Apollo)', egen));
console.log(row('bare graphql-http', plain));
console.log(`ratio EGen / bare: ${(egen.rps / plain.rps).toFixed(2)}× requests/s (target ≥ 0.80×)`);
bare.close();

// Fan-out. The subscribers run in a worker thread, so the server's event loop is measured, not theirs.
const runId = randomUUID();
const require = createRequire(import.meta.url);
const CLIENTS = `
const { parentPort, workerData } = require('node:worker_threads');
const { createClient } = require(workerData.graphqlWs);
const WebSocket = require(workerData.ws);
const latencies = [];
let received = 0;
const clients = [];
for (let i = 0; i < workerData.count; i++) {
  const client = createClient({ url: workerData.url, webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: 'Bearer ' + workerData.token } });
  client.subscribe({ query: 'subscription($id: ID!) { runMetrics(runId: $id) { dropped points { step name value time } } }', variables: { id: workerData.runId } }, {
    next: (message) => { const now = Date.now(); for (const p of message.data.runMetrics.points) latencies.push(now - Date.parse(p.time)); received++; },
    error: (error) => parentPort.postMessage({ error: String(error && error.message || error) }),
    complete: () => undefined,
  });
  clients.push(client);
}
parentPort.on('message', async () => {
  await Promise.all(clients.map((c) => c.dispose()));
  parentPort.postMessage({ latencies, received });
});
`;
const worker = new Worker(CLIENTS, {
  eval: true,
  workerData: { graphqlWs: require.resolve('graphql-ws'), ws: require.resolve('ws'), url: `ws://127.0.0.1:${server.port}/graphql`, token, runId, count: subscriberCount },
});
worker.on('message', (m: { error?: string }) => m.error && console.error('subscriber error', m.error));
for (let i = 0; i < 1200 && server.pubSub.subscriberCount(RUN_METRICS_TOPIC, runId) < subscriberCount; i++) await new Promise((r) => setTimeout(r, 50));
const subscribed = server.pubSub.subscriberCount(RUN_METRICS_TOPIC, runId);
let step = 0;
const publisher = setInterval(() => {
  step++;
  server.pubSub.publish(RUN_METRICS_TOPIC, runId, { runId, points: [{ runId, name: 'loss', step, value: 1 / step, time: new Date() }], dropped: 0 });
}, 100);
await new Promise((r) => setTimeout(r, seconds * 1000));
clearInterval(publisher);
await new Promise((r) => setTimeout(r, 1000));
const { latencies, received } = await new Promise<{ latencies: number[]; received: number }>((resolve) => {
  worker.on('message', (m: { latencies?: number[]; received: number }) => m.latencies && resolve(m as { latencies: number[]; received: number }));
  worker.postMessage('done');
});
await worker.terminate();
latencies.sort((a, b) => a - b);
const pct = (q: number): number => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN;
console.log(`fan-out: ${subscribed} subscribers, ${step} batches published at 10/s for ${seconds} s, ${received} of ${step * subscribed} delivered; delivery p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms (target p99 < 100 ms)`);
await server.stop();
rmSync(dataDir, { recursive: true, force: true });
process.exit(0);
