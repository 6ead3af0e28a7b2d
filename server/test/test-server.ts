// Starts a real EGen server (HTTP + WebSocket) on a free port with its own data directory and
// database, for tests that talk to the API the way clients do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerConfig } from '../src/config/config.ts';
import { startServer, type RunningServer, type StartOptions } from '../src/server.ts';
import { createTestDatabase, type Engine } from './databases.ts';

export interface TestServer {
  server: RunningServer;
  httpUrl: string;
  graphqlUrl: string;
  wsUrl: string;
  dataDir: string;
  /** POSTs a GraphQL operation and returns the parsed JSON response. */
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;
  stop(): Promise<void>;
}

export async function startTestServer(engine: Engine, options: StartOptions & { config?: Partial<ServerConfig> } = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'egen-data-'));
  const database = await createTestDatabase(engine);
  const config: ServerConfig = {
    port: 0,
    host: '127.0.0.1',
    dataDir,
    database: database.config,
    logLevel: 'warn',
    logToFile: false,
    devMode: false,
    ...options.config,
  };
  const server = await startServer(config, options);
  const httpUrl = `http://127.0.0.1:${server.port}`;
  const graphqlUrl = `${httpUrl}/graphql`;
  return {
    server,
    httpUrl,
    graphqlUrl,
    wsUrl: `ws://127.0.0.1:${server.port}/graphql`,
    dataDir,
    async graphql(query, variables, headers = {}) {
      const response = await fetch(graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return response.json();
    },
    async stop() {
      await server.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
