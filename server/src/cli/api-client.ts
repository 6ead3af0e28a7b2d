// How CLI commands talk to a running server: the URL (--url, EGEN_URL, the stored login, or
// http://localhost:3000), the credential (a command's --token, EGEN_API_KEY, or the session stored
// by `egen login` in <config dir>/egen/credentials.json, 0600), and requests that refresh an
// expired session once and save the new tokens. Every command that talks to the server goes
// through resolveTarget() and withSession(); GraphQL through apiRequest().
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

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

/** The message when the server cannot be reached at all. */
export function unreachableMessage(url: string, error: Error): string {
  return `cannot reach the EGen server at ${url} (${error.message}); is it running? Set --url or EGEN_URL`;
}

/**
 * POSTs JSON over node:http(s), which (unlike fetch) has no 5-minute response timeout: building a
 * large dataset in createDataset takes a while.
 */
function postJson(url: string, path: string, body: string, token: string | null): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(`${url}${path}`);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...(token ? { authorization: `Bearer ${token}` } : {}) };
    const req = send(target, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (error) => reject(new Error(unreachableMessage(url, error))));
    req.end(body);
  });
}

async function post<T>(url: string, query: string, variables: Record<string, unknown>, token: string | null): Promise<{ status: number; data?: T; errors?: GraphQLErrorBody[] }> {
  const response = await postJson(url, '/graphql', JSON.stringify({ query, variables }), token);
  let body: { data?: T; errors?: GraphQLErrorBody[] };
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    body = { errors: [{ message: `unexpected HTTP ${response.status} from ${url}/graphql` }] };
  }
  return { status: response.status, ...body };
}

/** Where a command sends its requests, and with which credential. */
export interface ApiTarget {
  url: string;
  token: string;
  /** The `egen login` session the token is from (refreshed when refused), or null for an API key or --token. */
  stored: StoredCredentials | null;
}

/**
 * The server and credential of a command: `urlFlag` (--url), EGEN_URL, the stored login's URL or
 * the default; `tokenFlag` (--token), EGEN_API_KEY, or the session stored by `egen login`.
 */
export function resolveTarget(env: NodeJS.ProcessEnv, urlFlag?: string, tokenFlag?: string): ApiTarget {
  const url = resolveUrl(urlFlag, env);
  const apiKey = tokenFlag || env.EGEN_API_KEY || null;
  const stored = apiKey ? null : loadCredentials(env);
  if (!apiKey && !stored) throw new Error('not signed in: run `egen login` (or set EGEN_API_KEY)');
  return { url, token: apiKey ?? stored!.accessToken, stored };
}

const REFRESH = 'mutation($token: String!) { refreshSession(refreshToken: $token) { accessToken refreshToken accessTokenExpiresAt } }';

/**
 * Runs `send` with the target's token. When the server refuses a stored session's token as
 * UNAUTHENTICATED (it expired), refreshes the session once, saves the new pair, and sends again.
 */
export async function withSession<R>(env: NodeJS.ProcessEnv, target: ApiTarget, send: (token: string) => Promise<R>, unauthenticated: (result: R) => boolean): Promise<R> {
  const result = await send(target.token);
  const stored = target.stored;
  if (!stored || !unauthenticated(result)) return result;
  const refreshed = await post<{ refreshSession: { accessToken: string; refreshToken: string; accessTokenExpiresAt: string } }>(target.url, REFRESH, { token: stored.refreshToken }, null);
  if (!refreshed.data) throw new Error('your session has ended: run `egen login` again');
  target.stored = { ...stored, ...refreshed.data.refreshSession };
  target.token = refreshed.data.refreshSession.accessToken;
  saveCredentials(env, target.stored);
  return send(target.token);
}

/** Runs one operation as the stored user (or EGEN_API_KEY); throws ApiError with the server's errors. */
export function apiRequest<T>(env: NodeJS.ProcessEnv, urlFlag: string | undefined, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  return apiRequestAs<T>(env, resolveTarget(env, urlFlag), query, variables);
}

/** The same for a target resolved once (e.g. with a --token flag) and reused across requests. */
export async function apiRequestAs<T>(env: NodeJS.ProcessEnv, target: ApiTarget, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await withSession(
    env,
    target,
    (token) => post<T>(target.url, query, variables, token),
    (r) => r.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED',
  );
  if (result.errors?.length || !result.data) throw new ApiError(result.errors ?? [{ message: `HTTP ${result.status} without data` }]);
  return result.data;
}

/** Unauthenticated request (login). */
export async function anonymousRequest<T>(url: string, query: string, variables: Record<string, unknown>): Promise<T> {
  const result = await post<T>(url, query, variables, null);
  if (result.errors?.length || !result.data) throw new ApiError(result.errors ?? [{ message: `HTTP ${result.status} without data` }]);
  return result.data;
}

// ---- uploads (POST /api/uploads) ----

export type UploadResult = { id: string; sha256: string; sizeBytes: number };

export interface UploadSource {
  filename: string;
  /** Opens the bytes to send (called once per attempt: a refreshed session sends again). */
  open: () => Readable;
  /** Known size, sent as content-length; null streams chunked (e.g. a folder packed on the fly). */
  totalBytes: number | null;
}

/** Streams the bytes to POST /api/uploads once; resolves with the answer, also when it came early (a refusal). */
function sendUpload(url: string, token: string, source: UploadSource, onProgress: (sent: number, total: number | null, seconds: number) => void): Promise<{ status: number; text: string }> {
  const total = source.totalBytes;
  const target = new URL(`${url}/api/uploads`);
  target.searchParams.set('filename', source.filename);
  const started = Date.now();
  let sent = 0;
  let lastReport = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      sent += chunk.length;
      const now = Date.now();
      if (now - lastReport >= 200 || sent === total) {
        lastReport = now;
        onProgress(sent, total, (now - started) / 1000);
      }
      done(null, chunk);
    },
  });
  return new Promise((resolve, reject) => {
    let answered = false;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}`, ...(total !== null ? { 'content-length': String(total) } : {}) };
    const req = send(target, { method: 'POST', headers }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      const done = (): void => {
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        // a refusal comes before the body is read: stop sending the rest
        if (!req.writableFinished) req.destroy();
      };
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', done);
      res.on('error', done); // the server closes a refused upload's connection after its answer
    });
    req.on('error', (error) => {
      if (!answered) reject(new Error(unreachableMessage(url, error)));
    });
    pipeline(source.open(), counter, req).catch((error: Error) => {
      if (!answered) reject(new Error(`upload failed: ${error.message}`));
    });
  });
}

/** Uploads as the target's user (refreshing a stored session once if it expired). */
export async function uploadStream(env: NodeJS.ProcessEnv, target: ApiTarget, source: UploadSource, onProgress: (sent: number, total: number | null, seconds: number) => void): Promise<UploadResult> {
  const response = await withSession(
    env,
    target,
    (token) => sendUpload(target.url, token, source, onProgress),
    (r) => r.status === 401,
  );
  let body: Partial<UploadResult> & { error?: { code?: string; message?: string } };
  try {
    body = JSON.parse(response.text) as typeof body;
  } catch {
    throw new Error(`upload failed: HTTP ${response.status}: ${response.text.slice(0, 200)}`);
  }
  if (response.status !== 201) throw new Error(`upload failed: ${body.error?.message ?? `HTTP ${response.status}`}${body.error?.code ? ` [${body.error.code}]` : ''}`);
  return body as UploadResult;
}
