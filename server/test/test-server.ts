// Starts a real EGen server (HTTP + WebSocket) on a free port with its own data directory and
// database, for tests that talk to the API the way clients do.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerConfig } from '../src/config/config.ts';
import { startServer, type RunningServer, type StartOptions } from '../src/server.ts';
import { createTestDatabase, type Engine } from './databases.ts';

export type GraphQLResponse<T> = { data?: T; errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }> };

/** The first admin every test server starts with. */
export const TEST_ADMIN = { email: 'admin@test.local', password: 'admin-password-1' } as const;

export interface TestUser {
  id: string;
  email: string;
  password: string;
  role: 'ADMIN' | 'DEVELOPER' | 'VIEWER';
  /** A fresh access token of a session of this user. */
  token: string;
  refreshToken: string;
}

export interface TestServer {
  server: RunningServer;
  httpUrl: string;
  graphqlUrl: string;
  wsUrl: string;
  dataDir: string;
  /** POSTs a GraphQL operation and returns the parsed JSON response. */
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse<T>>;
  /** The same with "Authorization: Bearer <token>". */
  graphqlAs<T = Record<string, unknown>>(token: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** Signs in and returns the tokens (throws on failure). */
  login(email: string, password: string): Promise<{ token: string; refreshToken: string; userId: string }>;
  /** The first admin, signed in. */
  admin: TestUser;
  /** Creates a user with a role (as the admin) and signs them in. */
  createUser(role: TestUser['role'], email?: string): Promise<TestUser>;
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
    initialAdmin: { ...TEST_ADMIN },
    ...options.config,
  };
  const server = await startServer(config, { printInitialPassword: () => undefined, ...options });
  const httpUrl = `http://127.0.0.1:${server.port}`;
  const graphqlUrl = `${httpUrl}/graphql`;
  const graphql = async <T>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GraphQLResponse<T>> => {
    const response = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return (await response.json()) as GraphQLResponse<T>;
  };
  const login = async (email: string, password: string): Promise<{ token: string; refreshToken: string; userId: string }> => {
    const result = await graphql<{ login: { accessToken: string; refreshToken: string; user: { id: string } } }>('mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken user { id } } }', {
      email,
      password,
    });
    if (!result.data) throw new Error(`login as ${email} failed: ${JSON.stringify(result.errors)}`);
    return { token: result.data.login.accessToken, refreshToken: result.data.login.refreshToken, userId: result.data.login.user.id };
  };
  const adminLogin = await login(TEST_ADMIN.email, TEST_ADMIN.password);
  const admin: TestUser = { id: adminLogin.userId, email: TEST_ADMIN.email, password: TEST_ADMIN.password, role: 'ADMIN', token: adminLogin.token, refreshToken: adminLogin.refreshToken };
  const graphqlAs = <T>(token: string, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>> => graphql<T>(query, variables, { authorization: `Bearer ${token}` });
  let userCount = 0;
  return {
    server,
    httpUrl,
    graphqlUrl,
    wsUrl: `ws://127.0.0.1:${server.port}/graphql`,
    dataDir,
    graphql,
    graphqlAs,
    login,
    admin,
    async createUser(role, email = `${role.toLowerCase()}${++userCount}@test.local`) {
      const password = `${role.toLowerCase()}-password-1`;
      const created = await graphqlAs<{ createUser: { id: string } }>(admin.token, 'mutation($input: CreateUserInput!) { createUser(input: $input) { id } }', { input: { email, password, role } });
      if (!created.data) throw new Error(`createUser failed: ${JSON.stringify(created.errors)}`);
      const session = await login(email, password);
      return { id: created.data.createUser.id, email, password, role, token: session.token, refreshToken: session.refreshToken };
    },
    async stop() {
      await server.stop();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
