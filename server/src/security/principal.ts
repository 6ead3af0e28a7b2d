// Who is calling: resolved once per HTTP request and once per WebSocket connection.
import type { Role } from './roles.ts';

export interface AuthenticatedUser {
  id: string;
  email: string;
  /** The effective role: the user's, or for an API key the lower of key and owner. */
  role: Role;
}

export type Principal = { kind: 'anonymous' } | { kind: 'session'; user: AuthenticatedUser; sessionId: string; expiresAt: Date } | { kind: 'apiKey'; user: AuthenticatedUser; apiKeyId: string; expiresAt: Date | null };

export const ANONYMOUS: Principal = { kind: 'anonymous' };

/** Where a request came from, for the audit log. */
export interface RequestOrigin {
  requestId: string;
  ip: string | null;
  userAgent: string | null;
}
