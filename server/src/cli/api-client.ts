// How CLI commands talk to a running server: the URL (--url, EGEN_URL, the stored login, or
// http://localhost:3000), the credential (EGEN_API_KEY, or the session stored by `egen login`
// in <config dir>/egen/credentials.json, 0600), and GraphQL requests that refresh an expired
// session once and save the new tokens.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const DEFAULT_URL = 'http://localhost:3000';

export interface StoredCredentials {
  url: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiresAt: string;
}

export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: string; field?: string; fieldErrors?: Array<{ field: string; message: string }> } & Record<string, unknown>;
}

/** A GraphQL error answer, with the server's code and field errors. */
export class ApiError extends Error {
  constructor(readonly errors: GraphQLErrorBody[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'ApiError';
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

/** <XDG_CONFIG_HOME or ~/.config>/egen/credentials.json (on Windows %APPDATA%\egen). */
export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || (process.platform === 'win32' && env.APPDATA) || join(env.HOME || homedir(), '.config');
  return join(base, 'egen', 'credentials.json');
}

export function loadCredentials(env: NodeJS.ProcessEnv): StoredCredentials | null {
  const path = credentialsPath(env);
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as StoredCredentials;
  } catch {
    return null;
  }
}

export function saveCredentials(env: NodeJS.ProcessEnv, credentials: StoredCredentials): string {
  const path = credentialsPath(env);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600); // also when the file existed with looser permissions
  return path;
}

export function removeCredentials(env: NodeJS.ProcessEnv): void {
  rmSync(credentialsPath(env), { force: true });
}

export function resolveUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return (flag || env.EGEN_URL || loadCredentials(env)?.url || DEFAULT_URL).replace(/\/+$/, '');
}

async function post<T>(url: string, query: string, variables: Record<string, unknown>, token: string | null): Promise<{ status: number; data?: T; errors?: GraphQLErrorBody[] }> {
  let response: Response;
  try {
    response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (error) {
    throw new Error(`cannot reach the EGen server at ${url} (${(error as Error).cause ? String((error as { cause: Error }).cause.message) : (error as Error).message}); is it running? Set --url or EGEN_URL`);
  }
  const body = (await response.json().catch(() => ({ errors: [{ message: `unexpected HTTP ${response.status} from ${url}/graphql` }] }))) as { data?: T; errors?: GraphQLErrorBody[] };
  return { status: response.status, ...body };
}

const REFRESH = 'mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken accessTokenExpiresAt } }';

/** Runs one operation as the stored user (or EGEN_API_KEY); throws ApiError with the server's errors. */
export async function apiRequest<T>(env: NodeJS.ProcessEnv, urlFlag: string | undefined, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const url = resolveUrl(urlFlag, env);
  const apiKey = env.EGEN_API_KEY || null;
  const stored = apiKey ? null : loadCredentials(env);
  if (!apiKey && !stored) throw new Error('not signed in: run `egen login` (or set EGEN_API_KEY)');
  let result = await post<T>(url, query, variables, apiKey ?? stored!.accessToken);
  if (stored && result.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED') {
    const refreshed = await post<{ refreshSession: { accessToken: string; refreshToken: string; accessTokenExpiresAt: string } }>(url, REFRESH, { token: stored.refreshToken }, null);
    if (!refreshed.data) throw new Error('your session has ended: run `egen login` again');
    saveCredentials(env, { ...stored, ...refreshed.data.refreshSession });
    result = await post<T>(url, query, variables, refreshed.data.refreshSession.accessToken);
  }
  if (result.errors?.length || !result.data) throw new ApiError(result.errors ?? [{ message: `HTTP ${result.status} without data` }]);
  return result.data;
}

/** Unauthenticated request (login). */
export async function anonymousRequest<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const result = await post<T>(url, query, variables, null);
  if (result.errors?.length || !result.data) throw new ApiError(result.errors ?? [{ message: `HTTP ${result.status} without data` }]);
  return result.data;
}
