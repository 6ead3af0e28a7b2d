// REST endpoints beside GraphQL (/api/*): each declares its access rule, and
// authenticateRequest() resolves the caller from "Authorization: Bearer <token or API key>"
// exactly as GraphQL does. /healthz and /readyz are not REST routes and stay public.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from '../auth/auth.service.ts';
import type { Services } from '../graphql/context.ts';
import { type DomainError, ForbiddenError, UnauthenticatedError } from '../errors/domain-error.ts';
import { toHttpErrorResponse } from '../errors/error-responses.ts';
import type { Logger } from '../logging/logger.ts';
import { type AccessRule, ruleAllows } from '../security/access-control.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import { Role } from '../security/roles.ts';

export interface RestContext {
  principal: Principal;
  origin: RequestOrigin;
  logger: Logger;
  services: Services;
  /** Values of the route's ":name" path segments. */
  params: Record<string, string>;
}

export interface RestRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Exact path, e.g. "/api/uploads", where a ":name" segment matches any one segment (e.g. "/api/artifacts/:id/download"). */
  path: string;
  rule: AccessRule;
  handle(req: IncomingMessage, res: ServerResponse, ctx: RestContext): Promise<void>;
}

/** The ":name" segments of `pattern` in `pathname`, or null when it does not match. */
export function matchRestPath(pattern: string, pathname: string): Record<string, string> | null {
  const want = pattern.split('/');
  const got = pathname.split('/');
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(':') && got[i]) {
      try {
        params[want[i]!.slice(1)] = decodeURIComponent(got[i]!);
      } catch {
        return null;
      }
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

export function requestOrigin(req: IncomingMessage, requestId: string): RequestOrigin {
  const userAgent = req.headers['user-agent'];
  return { requestId, ip: req.socket.remoteAddress ?? null, userAgent: typeof userAgent === 'string' ? userAgent : null };
}

/** The caller of an HTTP request: anonymous without a credential; throws UNAUTHENTICATED/FORBIDDEN for a bad one. */
export function authenticateRequest(req: IncomingMessage, services: Pick<Services, 'auth'>, origin: RequestOrigin | null = null): Promise<Principal> {
  const header = req.headers.authorization;
  return services.auth.authenticate(bearerToken(typeof header === 'string' ? header : null), origin);
}

/** Authenticates and checks a rule; returns the principal or throws a DomainError. */
export async function authorizeRequest(req: IncomingMessage, services: Pick<Services, 'auth'>, rule: AccessRule, what: string, origin: RequestOrigin | null = null): Promise<Principal> {
  const principal = await authenticateRequest(req, services, origin);
  if (ruleAllows(rule, principal)) return principal;
  if (principal.kind === 'anonymous') throw new UnauthenticatedError(`Sign in to use ${what}`);
  throw new ForbiddenError(`${what} needs the ${String(rule)} role; you have ${principal.user.role}`);
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

/** A domain error as a JSON body with the same code GraphQL would give. */
export function sendDomainError(res: ServerResponse, error: DomainError, requestId: string): void {
  const { status, headers, body } = toHttpErrorResponse(error, requestId);
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  sendJson(res, status, body);
}

/** GET /api/me: who the credential belongs to (the CLI checks its stored token with it). */
export const whoAmIRoute: RestRoute = {
  method: 'GET',
  path: '/api/me',
  rule: Role.VIEWER,
  async handle(_req, res, ctx) {
    if (ctx.principal.kind === 'anonymous') throw new UnauthenticatedError('Sign in first');
    sendJson(res, 200, { id: ctx.principal.user.id, email: ctx.principal.user.email, role: ctx.principal.user.role, via: ctx.principal.kind });
  },
};

export const CORE_REST_ROUTES: readonly RestRoute[] = [whoAmIRoute];
