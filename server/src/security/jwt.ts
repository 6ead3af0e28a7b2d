// Compact JWS with HS256 only. The algorithm is pinned: a token whose header names anything
// else (none, RS256, …) is rejected before its signature is looked at.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const JWT_ALGORITHM = 'HS256';
export const JWT_ISSUER = 'egen';

export interface AccessTokenClaims {
  /** User id. */
  sub: string;
  /** Session (refresh-token family) id. */
  sid: string;
  iss: string;
  /** Seconds since the epoch. */
  iat: number;
  exp: number;
}

export class JwtError extends Error {
  constructor(
    message: string,
    readonly reason: 'malformed' | 'algorithm' | 'signature' | 'expired' | 'claims',
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

export function signJwt(claims: AccessTokenClaims, secret: Buffer): string {
  const head = b64(JSON.stringify({ alg: JWT_ALGORITHM, typ: 'JWT' }));
  const body = b64(JSON.stringify(claims));
  const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${signature}`;
}

/** Verifies signature, algorithm, issuer and expiry; returns the claims or throws JwtError. */
export function verifyJwt(token: string, secret: Buffer, nowSeconds = Math.floor(Date.now() / 1000)): AccessTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('token is not a JWT', 'malformed');
  const [head, body, signature] = parts as [string, string, string];
  let header: unknown;
  let claims: Partial<AccessTokenClaims>;
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Partial<AccessTokenClaims>;
  } catch {
    throw new JwtError('token is not a JWT', 'malformed');
  }
  if (typeof header !== 'object' || header === null || (header as { alg?: unknown }).alg !== JWT_ALGORITHM) {
    throw new JwtError(`token algorithm must be ${JWT_ALGORITHM}`, 'algorithm');
  }
  const expected = createHmac('sha256', secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new JwtError('token signature is invalid', 'signature');
  if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string' || typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.iss !== JWT_ISSUER) {
    throw new JwtError('token claims are invalid', 'claims');
  }
  if (claims.exp <= nowSeconds) throw new JwtError('token has expired', 'expired');
  return claims as AccessTokenClaims;
}
