// The signed-in session: tokens kept in localStorage so a reload stays signed in; the short-lived
// access token is renewed with the one-use refresh token shortly before it expires (or after a 401).
export type Role = 'ADMIN' | 'DEVELOPER' | 'VIEWER';

export interface SessionUser {
  id: string;
  email: string;
  role: Role;
}

export interface Session {
  accessToken: string;
  /** Milliseconds since the epoch. */
  accessTokenExpiresAt: number;
  /** When this client received the access token (ms since the epoch). */
  accessTokenReceivedAt?: number;
  refreshToken: string;
  user: SessionUser;
}

interface AuthPayloadJson {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  user: SessionUser;
}

const STORAGE_KEY = 'egen.session';
/** Renew this long before the access token expires (at most a quarter of its lifetime). */
const RENEW_MARGIN_MS = 30_000;

function renewMargin(session: Session): number {
  const lifetime = session.accessTokenExpiresAt - (session.accessTokenReceivedAt ?? session.accessTokenExpiresAt - 4 * RENEW_MARGIN_MS);
  return Math.min(RENEW_MARGIN_MS, Math.max(0, lifetime / 4));
}

const PAYLOAD_FIELDS = 'accessToken accessTokenExpiresAt refreshToken user { id email role }';

type Listener = (session: Session | null) => void;
const listeners = new Set<Listener>();
let current: Session | null = load();
let refreshing: Promise<Session | null> | null = null;

function load(): Session | null {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Session;
    return parsed.refreshToken && parsed.user ? parsed : null;
  } catch {
    return null;
  }
}

function set(session: Session | null): void {
  current = session;
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
  for (const listener of listeners) listener(session);
}

function fromPayload(payload: AuthPayloadJson): Session {
  return {
    accessToken: payload.accessToken,
    accessTokenExpiresAt: Date.parse(payload.accessTokenExpiresAt),
    accessTokenReceivedAt: Date.now(),
    refreshToken: payload.refreshToken,
    user: payload.user,
  };
}

export function getSession(): Session | null {
  return current;
}

export function onSessionChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function postGraphQL<T>(query: string, variables: Record<string, unknown>, token?: string): Promise<{ data?: T; errors?: Array<{ message: string }> }> {
  const response = await fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
}

/** Signs in; throws an Error with the server's message on failure. */
export async function signIn(email: string, password: string): Promise<Session> {
  const result = await postGraphQL<{ login: AuthPayloadJson }>(`mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { ${PAYLOAD_FIELDS} } }`, { email, password });
  if (!result.data) throw new Error(result.errors?.[0]?.message ?? 'Sign-in failed');
  const session = fromPayload(result.data.login);
  set(session);
  return session;
}

/** Exchanges the refresh token for new tokens (once at a time); signs out when that fails. */
export function refresh(): Promise<Session | null> {
  const session = current;
  if (!session) return Promise.resolve(null);
  refreshing ??= (async () => {
    try {
      const result = await postGraphQL<{ refreshSession: AuthPayloadJson }>(`mutation Refresh($refreshToken: String!) { refreshSession(refreshToken: $refreshToken) { ${PAYLOAD_FIELDS} } }`, { refreshToken: session.refreshToken });
      if (!result.data) {
        set(null);
        return null;
      }
      const next = fromPayload(result.data.refreshSession);
      set(next);
      return next;
    } catch {
      // Network trouble: keep the session, the next call tries again.
      return current;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A valid access token, renewed first when it is about to expire; null when signed out. */
export async function accessToken(): Promise<string | null> {
  if (!current) return null;
  if (current.accessTokenExpiresAt - Date.now() < renewMargin(current)) return (await refresh())?.accessToken ?? null;
  return current.accessToken;
}

export async function signOut(): Promise<void> {
  const token = current?.accessToken;
  set(null);
  if (token) await postGraphQL('mutation Logout { logout }', {}, token).catch(() => undefined);
}

/** fetch with the session's bearer token; after a 401 it renews the token once and retries. */
export async function authFetch(input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> {
  const withToken = (token: string | null): RequestInit => {
    const headers = new Headers(init.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    return { ...init, headers };
  };
  const response = await fetch(input, withToken(await accessToken()));
  if (response.status !== 401 || !current) return response;
  const renewed = await refresh();
  return renewed ? fetch(input, withToken(renewed.accessToken)) : response;
}
