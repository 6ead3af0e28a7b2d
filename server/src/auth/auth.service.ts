// Sign-in, sessions with rotating refresh tokens, API keys, and turning a bearer credential
// into a Principal. Access tokens are short-lived HS256 JWTs naming a session; every request
// re-reads the session and the user, so logout, disabling and role changes apply at once.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service.ts';
import { type Connection, paginate, type PageArgs, SortDirection } from '../graphql/connection.ts';
import { NotFoundError, ValidationError } from '../errors/domain-error.ts';
import { JwtError, JWT_ISSUER, signJwt, verifyJwt } from '../security/jwt.ts';
import { assertCanModify, requireUser } from '../security/ownership.ts';
import { ANONYMOUS, type AuthenticatedUser, type Principal, type RequestOrigin } from '../security/principal.ts';
import { hasRole, lowerRole, Role } from '../security/roles.ts';
import { ApiKey } from './api-key.entity.ts';
import { AccountDisabledError, InvalidCredentialsError, InvalidTokenError, TooManyLoginAttemptsError } from './auth.errors.ts';
import { burnPasswordCheck, verifyPassword } from './passwords.ts';
import { RefreshToken, Session } from './session.entity.ts';
import { User } from './user.entity.ts';

export interface AuthOptions {
  /** Lifetime of access tokens. Defaults to 900 s (15 minutes). */
  accessTokenTtlSeconds?: number;
  /** Lifetime of each refresh token. Defaults to 30 days. */
  refreshTokenTtlSeconds?: number;
  /** Failed sign-ins for one email from one address before further tries are refused. Defaults to 10. */
  maxFailedLogins?: number;
  /** The window those failures are counted in. Defaults to 900 s (15 minutes). */
  failedLoginWindowSeconds?: number;
}

export interface IssuedTokens {
  accessToken: string;
  accessTokenExpiresAt: Date;
  refreshToken: string;
  user: User;
}

export interface CreatedApiKey {
  apiKey: ApiKey;
  /** The whole key; shown once, never stored. */
  secret: string;
}

export const API_KEY_PREFIX = 'egk_';
const REFRESH_PREFIX = 'egr_';
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function normalizeEmail(email: string, field = 'email'): string {
  const normalized = email.trim().toLowerCase();
  if (normalized.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(normalized)) throw ValidationError.single(field, 'must be an email address');
  return normalized;
}

export function snapshot(user: Pick<User, 'id' | 'email' | 'role'>): AuthenticatedUser {
  return { id: user.id, email: user.email, role: user.role };
}

/** Reads "Bearer <token>" from an Authorization header value; null when absent. */
export function bearerToken(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new InvalidTokenError('the Authorization header must be "Bearer <token>"');
  return match[1]!;
}

export class AuthService {
  private readonly accessTtl: number;
  private readonly refreshTtl: number;
  private readonly maxFailedLogins: number;
  private readonly failedLoginWindow: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly secret: Buffer,
    options: AuthOptions = {},
  ) {
    this.accessTtl = options.accessTokenTtlSeconds ?? 900;
    this.refreshTtl = options.refreshTokenTtlSeconds ?? 30 * 24 * 3600;
    this.maxFailedLogins = options.maxFailedLogins ?? 10;
    this.failedLoginWindow = options.failedLoginWindowSeconds ?? 900;
  }

  // ----- sign-in and sessions -----

  async login(emailInput: string, password: string, origin: RequestOrigin | null): Promise<IssuedTokens> {
    const email = emailInput.trim().toLowerCase();
    // Brute-force brake, counted in the audit log so every server sharing the database agrees.
    // Per email and address, so an attacker elsewhere cannot lock the owner out.
    const since = new Date(Date.now() - this.failedLoginWindow * 1000);
    const failures = await this.audit.countSince({ action: 'auth.login_failed', actorEmail: email, ip: origin?.ip ?? null }, since);
    if (failures >= this.maxFailedLogins) {
      await this.audit.record({ action: 'auth.login_throttled', outcome: 'FAILURE', actor: { kind: 'anonymous', email }, origin });
      throw new TooManyLoginAttemptsError(this.failedLoginWindow);
    }
    const user = await this.dataSource.getRepository(User).findOneBy({ email });
    const ok = user ? await verifyPassword(user.passwordHash, password) : (await burnPasswordCheck(password), false);
    if (!user || !ok) {
      await this.audit.record({ action: 'auth.login_failed', outcome: 'FAILURE', actor: { kind: 'anonymous', email }, origin, targetType: user ? 'User' : undefined, targetId: user?.id, after: { reason: 'invalid_credentials' } });
      throw new InvalidCredentialsError();
    }
    if (user.disabledAt) {
      await this.audit.record({ action: 'auth.login_failed', outcome: 'FAILURE', actor: { kind: 'anonymous', email }, origin, targetType: 'User', targetId: user.id, after: { reason: 'disabled' } });
      throw new AccountDisabledError();
    }
    return this.dataSource.transaction(async (manager) => {
      const now = new Date();
      await manager.getRepository(User).update({ id: user.id }, { lastLoginAt: now });
      user.lastLoginAt = now;
      const session: Session = { id: randomUUID(), userId: user.id, createdAt: now, revokedAt: null, revokedReason: null, userAgent: origin?.userAgent?.slice(0, 512) ?? null, ip: origin?.ip ?? null };
      await manager.getRepository(Session).insert(session);
      const refreshToken = await this.issueRefreshToken(manager, session.id, now);
      const principal: Principal = { kind: 'session', user: snapshot(user), sessionId: session.id, expiresAt: now };
      await this.audit.record({ action: 'auth.login', actor: principal, origin, targetType: 'Session', targetId: session.id }, manager);
      return { ...this.issueAccessToken(user.id, session.id, now), refreshToken, user };
    });
  }

  /** Exchanges a refresh token for a new pair. Presenting a used one revokes its whole family. */
  async refresh(refreshToken: string, origin: RequestOrigin | null): Promise<IssuedTokens> {
    const tokens = this.dataSource.getRepository(RefreshToken);
    const token = refreshToken.startsWith(REFRESH_PREFIX) ? await tokens.findOneBy({ tokenHash: sha256(refreshToken) }) : null;
    if (!token) throw new InvalidTokenError('unknown refresh token');
    const session = await this.dataSource.getRepository(Session).findOneBy({ id: token.sessionId });
    const user = session ? await this.dataSource.getRepository(User).findOneBy({ id: session.userId }) : null;
    if (!session || !user) throw new InvalidTokenError('unknown refresh token');
    const actor: Principal = { kind: 'session', user: snapshot(user), sessionId: session.id, expiresAt: new Date() };
    if (session.revokedAt) throw new InvalidTokenError('the session has ended');
    if (user.disabledAt) throw new AccountDisabledError();
    if (token.expiresAt.getTime() <= Date.now()) throw new InvalidTokenError('the refresh token has expired');

    const now = new Date();
    // Claim the token atomically: of two concurrent uses, exactly one wins.
    const claimed = await tokens.update({ id: token.id, usedAt: IsNull() }, { usedAt: now });
    if (!claimed.affected) {
      await this.revokeSession(session.id, 'reuse');
      await this.audit.record({ action: 'auth.refresh_reuse_detected', outcome: 'FAILURE', actor, origin, targetType: 'Session', targetId: session.id, after: { revoked: true } });
      throw new InvalidTokenError('refresh token reuse detected; the session has been ended');
    }
    return this.dataSource.transaction(async (manager) => {
      const next = await this.issueRefreshToken(manager, session.id, now);
      await this.audit.record({ action: 'auth.refresh', actor, origin, targetType: 'Session', targetId: session.id }, manager);
      return { ...this.issueAccessToken(user.id, session.id, now), refreshToken: next, user };
    });
  }

  /** Ends the caller's session; its refresh and access tokens stop working. */
  async logout(principal: Principal, origin: RequestOrigin | null): Promise<boolean> {
    requireUser(principal);
    if (principal.kind !== 'session') throw ValidationError.single('authorization', 'logout needs a session token, not an API key');
    await this.revokeSession(principal.sessionId, 'logout');
    await this.audit.record({ action: 'auth.logout', actor: principal, origin, targetType: 'Session', targetId: principal.sessionId });
    return true;
  }

  /** Open sessions of a user, newest first. */
  listOpenSessions(userId: string): Promise<Session[]> {
    return this.dataSource.getRepository(Session).find({ where: { userId, revokedAt: IsNull() }, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  /** Ends one session: your own, or anyone's for an admin. */
  async revokeSessionById(principal: Principal, id: string, origin: RequestOrigin | null): Promise<boolean> {
    const user = requireUser(principal);
    const session = await this.dataSource.getRepository(Session).findOneBy({ id });
    // Someone else's session is reported as missing to non-admins: ids are not to be probed.
    if (!session || (session.userId !== user.id && user.role !== Role.ADMIN)) throw new NotFoundError('Session', id);
    if (session.revokedAt) return false;
    await this.revokeSession(id, 'revoked');
    await this.audit.record({ action: 'auth.session_revoked', actor: principal, origin, targetType: 'Session', targetId: id, after: { userId: session.userId } });
    return true;
  }

  /**
   * Housekeeping: every refresh adds a row, so drop refresh tokens that expired a day ago
   * and sessions that ended longer ago than a refresh token lives. Returns what was removed.
   */
  async pruneExpired(now = new Date()): Promise<{ refreshTokens: number; sessions: number }> {
    const tokenCutoff = new Date(now.getTime() - 24 * 3600 * 1000).toISOString();
    const sessionCutoff = new Date(now.getTime() - this.refreshTtl * 1000).toISOString();
    const tokens = await this.dataSource.createQueryBuilder().delete().from(RefreshToken).where('expires_at < :cutoff', { cutoff: tokenCutoff }).execute();
    const ended = await this.dataSource.getRepository(Session).createQueryBuilder('s').select('s.id', 'id').where('s.revokedAt IS NOT NULL AND s.revokedAt < :cutoff', { cutoff: sessionCutoff }).getRawMany<{ id: string }>();
    if (ended.length) {
      const ids = ended.map((r) => r.id);
      await this.dataSource.createQueryBuilder().delete().from(RefreshToken).where('session_id IN (:...ids)', { ids }).execute();
      await this.dataSource.createQueryBuilder().delete().from(Session).where('id IN (:...ids)', { ids }).execute();
    }
    return { refreshTokens: tokens.affected ?? 0, sessions: ended.length };
  }

  /** Revokes every open session of a user (password reset, disabling, role change). */
  async revokeUserSessions(userId: string, reason: string, manager: EntityManager = this.dataSource.manager): Promise<number> {
    const result = await manager.getRepository(Session).update({ userId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
    return result.affected ?? 0;
  }

  private async revokeSession(sessionId: string, reason: string): Promise<void> {
    await this.dataSource.getRepository(Session).update({ id: sessionId, revokedAt: IsNull() }, { revokedAt: new Date(), revokedReason: reason });
  }

  private async issueRefreshToken(manager: EntityManager, sessionId: string, now: Date): Promise<string> {
    const value = REFRESH_PREFIX + randomBytes(32).toString('base64url');
    const row: RefreshToken = { id: randomUUID(), sessionId, tokenHash: sha256(value), createdAt: now, expiresAt: new Date(now.getTime() + this.refreshTtl * 1000), usedAt: null };
    await manager.getRepository(RefreshToken).insert(row);
    return value;
  }

  private issueAccessToken(userId: string, sessionId: string, now: Date): { accessToken: string; accessTokenExpiresAt: Date } {
    const iat = Math.floor(now.getTime() / 1000);
    const exp = iat + this.accessTtl;
    return { accessToken: signJwt({ sub: userId, sid: sessionId, iss: JWT_ISSUER, iat, exp }, this.secret), accessTokenExpiresAt: new Date(exp * 1000) };
  }

  // ----- authenticating requests -----

  /**
   * Turns a bearer credential (an access token or an API key) into a Principal; no credential
   * is anonymous. A credential that is present but invalid, expired or revoked throws
   * UNAUTHENTICATED; a disabled account throws FORBIDDEN.
   */
  async authenticate(token: string | null, origin: RequestOrigin | null = null): Promise<Principal> {
    if (!token) return ANONYMOUS;
    return token.startsWith(API_KEY_PREFIX) ? this.authenticateApiKey(token, origin) : this.authenticateAccessToken(token);
  }

  private async authenticateAccessToken(token: string): Promise<Principal> {
    let claims;
    try {
      claims = verifyJwt(token, this.secret);
    } catch (error) {
      if (error instanceof JwtError) throw new InvalidTokenError(error.message);
      throw error;
    }
    const session = await this.dataSource.getRepository(Session).findOneBy({ id: claims.sid });
    if (!session || session.userId !== claims.sub || session.revokedAt) throw new InvalidTokenError('the session has ended');
    const user = await this.dataSource.getRepository(User).findOneBy({ id: claims.sub });
    if (!user) throw new InvalidTokenError('the user no longer exists');
    if (user.disabledAt) throw new AccountDisabledError();
    return { kind: 'session', user: snapshot(user), sessionId: session.id, expiresAt: new Date(claims.exp * 1000) };
  }

  private async authenticateApiKey(token: string, origin: RequestOrigin | null): Promise<Principal> {
    const prefix = token.slice(0, API_KEY_PREFIX.length + 12);
    const keys = this.dataSource.getRepository(ApiKey);
    const key = await keys.findOneBy({ prefix });
    const given = Buffer.from(sha256(token), 'hex');
    if (!key || !timingSafeEqual(given, Buffer.from(key.secretHash, 'hex'))) throw new InvalidTokenError('unknown API key');
    const owner = await this.dataSource.getRepository(User).findOneBy({ id: key.ownerId });
    if (!owner) throw new InvalidTokenError('unknown API key');
    // A real key that no longer works is worth an audit entry: it may be a leaked one.
    const rejected = async (reason: string, error: Error): Promise<never> => {
      await this.audit.record({ action: 'auth.api_key_rejected', outcome: 'FAILURE', actor: { kind: 'anonymous', email: owner.email }, origin, targetType: 'ApiKey', targetId: key.id, after: { reason } });
      throw error;
    };
    if (key.revokedAt) return rejected('revoked', new InvalidTokenError('the API key has been revoked'));
    if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return rejected('expired', new InvalidTokenError('the API key has expired'));
    if (owner.disabledAt) return rejected('owner_disabled', new AccountDisabledError());
    const now = Date.now();
    if (!key.lastUsedAt || now - key.lastUsedAt.getTime() > LAST_USED_WRITE_INTERVAL_MS) {
      await keys.update({ id: key.id }, { lastUsedAt: new Date(now) });
    }
    return { kind: 'apiKey', user: { ...snapshot(owner), role: lowerRole(key.role, owner.role) }, apiKeyId: key.id, expiresAt: key.expiresAt };
  }

  // ----- API keys -----

  async createApiKey(principal: Principal, input: { name: string; role?: Role | null; expiresAt?: Date | null }, origin: RequestOrigin | null): Promise<CreatedApiKey> {
    const user = requireUser(principal);
    const name = input.name.trim();
    const errors = [];
    if (!name || name.length > 100) errors.push({ field: 'input.name', message: 'must be 1 to 100 characters' });
    const role = input.role ?? user.role;
    if (!hasRole(user.role, role)) errors.push({ field: 'input.role', message: `must not be above your own role (${user.role})` });
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) errors.push({ field: 'input.expiresAt', message: 'must be in the future' });
    if (errors.length) throw new ValidationError(errors);
    const id = randomUUID();
    const secret = API_KEY_PREFIX + randomBytes(6).toString('hex') + '_' + randomBytes(32).toString('base64url');
    const apiKey: ApiKey = { id, ownerId: user.id, name, prefix: secret.slice(0, API_KEY_PREFIX.length + 12), secretHash: sha256(secret), role, expiresAt: input.expiresAt ?? null, revokedAt: null, lastUsedAt: null, createdAt: new Date() };
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(ApiKey).insert(apiKey);
      await this.audit.record({ action: 'api_key.created', actor: principal, origin, targetType: 'ApiKey', targetId: id, after: publicApiKey(apiKey) }, manager);
    });
    return { apiKey, secret };
  }

  /** The caller's keys; an admin may name any owner, or all owners with ownerId null. */
  /** One page of API keys, newest first (admin listing). */
  pageApiKeys(filter: { ownerId?: string | null; includeRevoked?: boolean | null } | null | undefined, page: PageArgs): Promise<Connection<ApiKey>> {
    const qb = this.dataSource.getRepository(ApiKey).createQueryBuilder('k');
    if (filter?.ownerId) qb.andWhere('k.ownerId = :ownerId', { ownerId: filter.ownerId });
    if (filter?.includeRevoked === false) qb.andWhere('k.revokedAt IS NULL');
    return paginate(qb, { alias: 'k', sortProperty: 'createdAt', sortValue: (k) => k.createdAt.toISOString(), direction: SortDirection.DESC, page });
  }

  listApiKeys(ownerId: string | null): Promise<ApiKey[]> {
    return this.dataSource.getRepository(ApiKey).find({ where: ownerId ? { ownerId } : {}, order: { createdAt: 'DESC', id: 'DESC' } });
  }

  async revokeApiKey(principal: Principal, id: string, origin: RequestOrigin | null): Promise<ApiKey> {
    const repo = this.dataSource.getRepository(ApiKey);
    const key = await repo.findOneBy({ id });
    if (!key) throw new NotFoundError('ApiKey', id);
    // Anyone signed in may revoke their own keys (also a VIEWER); an admin anyone's.
    const user = requireUser(principal);
    if (key.ownerId !== user.id) assertCanModify(principal, key.ownerId, 'API key');
    if (key.revokedAt) return key;
    const before = publicApiKey(key);
    key.revokedAt = new Date();
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(ApiKey).update({ id }, { revokedAt: key.revokedAt });
      await this.audit.record({ action: 'api_key.revoked', actor: principal, origin, targetType: 'ApiKey', targetId: id, before, after: publicApiKey(key) }, manager);
    });
    return key;
  }
}

/** What the audit log keeps of a key: never its hash. */
export function publicApiKey(key: ApiKey): Record<string, unknown> {
  return { name: key.name, prefix: key.prefix, ownerId: key.ownerId, role: key.role, expiresAt: key.expiresAt?.toISOString() ?? null, revokedAt: key.revokedAt?.toISOString() ?? null };
}
