// One Node HTTP server on one port: GraphQL over HTTP and WebSocket at /graphql, /healthz,
// /readyz, and the client at /. Every request gets an id (x-request-id) that its logs carry.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { type ExecutionResult, type GraphQLFormattedError, GraphQLError, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { bearerToken } from '../auth/auth.service.ts';
import type { GraphQLContext, Services } from '../graphql/context.ts';
import { sharedSubscribe } from '../graphql/shared-subscribe.ts';
import { DomainError } from '../errors/domain-error.ts';
import { formatGraphQLError, toGraphQLError } from '../errors/error-responses.ts';
import { createLoaders } from '../graphql/loaders.ts';
import type { Logger } from '../logging/logger.ts';
import { CLIENT_DIST_DIR } from '../paths.ts';
import { isPublicOperation } from '../security/access-control.ts';
import { ACCESS_RULES } from '../security/access-rules.ts';
import type { Principal, RequestOrigin } from '../security/principal.ts';
import { authorizeRequest, CORE_REST_ROUTES, matchRestPath, requestOrigin, type RestRoute, sendDomainError } from './rest.ts';
import { createStaticHandler } from './static-files.ts';

/** WebSocket close codes for authentication: no/invalid/expired credential, and a disabled account. */
export const WS_CLOSE_UNAUTHORIZED = CloseCode.Unauthorized; // 4401
export const WS_CLOSE_FORBIDDEN = CloseCode.Forbidden; // 4403

interface SocketExtra extends Record<PropertyKey, unknown> {
  principal?: Principal;
  token?: string;
  expiryTimer?: NodeJS.Timeout;
}

export const GRAPHQL_PATH = '/graphql';

export interface AppOptions {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  /** Handles requests the server does not (the client); defaults to serving client/dist. */
  clientHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Extra WebSocket upgrades (Vite's hot reload in dev mode) get a chance after /graphql. */
  onOtherUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
  /** REST endpoints under /api/ besides the core ones; each declares its access rule. */
  restRoutes?: readonly RestRoute[];
}

export interface App {
  httpServer: Server;
  /** Stops accepting, closes sockets and subscriptions, then Apollo. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error(`request body exceeds ${MAX_BODY_BYTES} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Internal errors never leak stack traces or messages to clients; the log keeps them. */
function formatError(logger: Logger): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => formatGraphQLError(formatted, error, (original) => logger.error({ err: original, formatted }, 'internal GraphQL error'));
}

/** Errors of a WebSocket result, formatted exactly as over HTTP. */
function formatResult(result: ExecutionResult, logger: Logger): ExecutionResult {
  if (!result.errors?.length) return result;
  const errors = result.errors.map((error) => {
    const formatted = formatGraphQLError(error.toJSON(), error, (original) => logger.error({ err: original }, 'internal GraphQL error (ws)'));
    return new GraphQLError(formatted.message, { path: formatted.path, extensions: formatted.extensions });
  });
  return { ...result, errors };
}

export async function createApp(options: AppOptions): Promise<App> {
  const { schema, services, logger } = options;
  const apollo = new ApolloServer<GraphQLContext>({ schema, formatError: formatError(logger), includeStacktraceInErrorResponses: false });
  await apollo.start();
  const clientHandler = options.clientHandler ?? createStaticHandler(CLIENT_DIST_DIR);
  const restRoutes = [...CORE_REST_ROUTES, ...(options.restRoutes ?? [])];

  async function handleRest(req: IncomingMessage, res: ServerResponse, pathname: string, requestId: string, requestLogger: Logger): Promise<void> {
    const forPath = restRoutes.filter((r) => matchRestPath(r.path, pathname) !== null);
    const route = forPath.find((r) => r.method === req.method);
    if (!route) {
      if (forPath.length) res.setHeader('allow', forPath.map((r) => r.method).join(', '));
      sendJson(res, forPath.length ? 405 : 404, { error: { code: forPath.length ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND', message: `${req.method} ${pathname} is not an API endpoint` }, requestId });
      return;
    }
    try {
      const origin = requestOrigin(req, requestId);
      const principal = await authorizeRequest(req, services, route.rule, `${route.method} ${route.path}`, origin);
      await route.handle(req, res, { principal, origin, logger: requestLogger, services, params: matchRestPath(route.path, pathname)! });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (res.headersSent) {
        res.end();
        return;
      }
      // Refused before the body was read (e.g. a 401 on an upload): answer now, drain, and close.
      if (!req.readableEnded) res.setHeader('connection', 'close');
      sendDomainError(res, error, requestId);
      req.resume();
    }
  }

  async function handleGraphQL(req: IncomingMessage, res: ServerResponse, requestId: string, requestLogger: Logger): Promise<void> {
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    let body: unknown = undefined;
    if (req.method === 'POST') {
      const text = await readBody(req);
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        sendJson(res, 400, { errors: [{ message: 'Request body is not valid JSON', extensions: { code: 'BAD_REQUEST' } }] });
        return;
      }
    }
    const response = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => {
        let principal: Principal;
        try {
          principal = await services.auth.authenticate(bearerToken(req.headers.authorization ?? null), requestOrigin(req, requestId));
        } catch (error) {
          // A credential that is present but bad fails the whole request (401/403), so clients refresh.
          if (error instanceof DomainError) throw toGraphQLError(error, { withHttpStatus: true });
          throw error;
        }
        return { requestId, logger: requestLogger, services, principal, origin: requestOrigin(req, requestId), loaders: createLoaders(services.dataSource) } satisfies GraphQLContext;
      },
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }

  const httpServer = createServer((req, res) => {
    const started = process.hrtime.bigint();
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && /^[\w.:-]{1,128}$/.test(incomingId) ? incomingId : randomUUID();
    const requestLogger = logger.child({ requestId });
    res.setHeader('x-request-id', requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      requestLogger.info({ method: req.method, url: req.url, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;

    const route = async (): Promise<void> => {
      if (pathname === '/healthz') {
        sendJson(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
      } else if (pathname === '/readyz') {
        const health = await services.system.health();
        const ready = health.databaseReachable && health.native.loaded;
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'not ready',
          database: health.databaseReachable,
          native: health.native.loaded,
          ...(health.native.error ? { nativeError: health.native.error } : {}),
        });
      } else if (pathname === GRAPHQL_PATH) {
        await handleGraphQL(req, res, requestId, requestLogger);
      } else if (pathname.startsWith('/api/')) {
        await handleRest(req, res, pathname, requestId, requestLogger);
      } else {
        clientHandler(req, res);
      }
    };
    route().catch((error: Error & { status?: number }) => {
      requestLogger.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, error.status ?? 500, { error: error.status ? error.message : 'Internal server error', requestId });
      else res.end();
    });
  });

  // Node ends requests not fully received within 5 minutes by default; a large upload
  // (POST /api/uploads) legitimately takes longer. Headers keep their own timeout.
  httpServer.requestTimeout = 0;

  // graphql-ws on the same port; other upgrades (Vite HMR in dev mode) are left to their owner.
  const wsServer = new WebSocketServer({ noServer: true });
  // Authentication happens once at connection_init (payload { authorization: "Bearer …" } or
  // { token }) and again for every subscribe, so logout and disabling apply to open sockets.
  // A bad or expired credential closes with 4401, a disabled account with 4403; the socket also
  // closes with 4401 when its access token expires (the client reconnects with a fresh one).
  // Without a credential the socket is anonymous and may run public operations only (the
  // heartbeat the sign-in page shows); asking for anything else closes it with 4401.
  const closeFor = (error: DomainError): [number, string] => [error.code === 'FORBIDDEN' ? WS_CLOSE_FORBIDDEN : WS_CLOSE_UNAUTHORIZED, `${error.code === 'FORBIDDEN' ? 'Forbidden' : 'Unauthorized'}: ${error.message}`.slice(0, 120)];
  const authenticateSocket = async (token: string | undefined, close: (code: number, reason: string) => void, origin: RequestOrigin): Promise<Principal | null> => {
    if (!token) return { kind: 'anonymous' };
    try {
      return await services.auth.authenticate(token, origin);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      close(...closeFor(error));
      return null;
    }
  };
  const wsCleanup = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      schema,
      // many subscribers of one run share the execution of each event
      subscribe: sharedSubscribe,
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const raw = typeof params.authorization === 'string' ? params.authorization : typeof params.token === 'string' ? `Bearer ${params.token}` : undefined;
        const socket = ctx.extra.socket;
        const close = (code: number, reason: string): void => socket.close(code, reason);
        let token: string | undefined;
        try {
          token = bearerToken(raw) ?? undefined;
        } catch (error) {
          if (error instanceof DomainError) close(...closeFor(error));
          return false;
        }
        const principal = await authenticateSocket(token, close, requestOrigin(ctx.extra.request, randomUUID()));
        if (!principal) return false;
        ctx.extra.principal = principal;
        ctx.extra.token = token;
        const expiresAt = principal.kind === 'anonymous' ? null : principal.expiresAt;
        const ms = expiresAt ? expiresAt.getTime() - Date.now() : Infinity;
        if (ms < 2 ** 31 - 1) ctx.extra.expiryTimer = setTimeout(() => close(WS_CLOSE_UNAUTHORIZED, 'Unauthorized: token expired'), Math.max(0, ms)).unref();
        return true;
      },
      onClose: (ctx) => clearTimeout(ctx.extra.expiryTimer),
      onSubscribe: async (ctx, _id, payload) => {
        const close = (code: number, reason: string): void => ctx.extra.socket.close(code, reason);
        const principal = await authenticateSocket(ctx.extra.token, close, requestOrigin(ctx.extra.request, randomUUID()));
        if (principal?.kind === 'anonymous' && !isPublicOperation(payload.query, payload.operationName, ACCESS_RULES)) {
          close(WS_CLOSE_UNAUTHORIZED, 'Unauthorized: send { authorization: "Bearer <token>" } in connection_init');
          return [new GraphQLError('Unauthorized', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        if (!principal) return [new GraphQLError('Unauthorized', { extensions: { code: 'UNAUTHENTICATED' } })];
        ctx.extra.principal = principal;
        return undefined;
      },
      context: (ctx) => {
        const requestId = randomUUID();
        return {
          requestId,
          logger: logger.child({ requestId, transport: 'ws' }),
          services,
          principal: ctx.extra.principal ?? { kind: 'anonymous' },
          origin: requestOrigin(ctx.extra.request, requestId),
          loaders: createLoaders(services.dataSource),
        } satisfies GraphQLContext;
      },
      onNext: (_ctx, _id, _payload, _args, result) => formatResult(result as ExecutionResult, logger),
    },
    wsServer,
  );
  httpServer.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === GRAPHQL_PATH) {
      wsServer.handleUpgrade(req, socket, head, (ws) => wsServer.emit('connection', ws, req));
    } else if (!options.onOtherUpgrade?.(req, socket, head)) {
      socket.destroy();
    }
  });

  return {
    httpServer,
    async close() {
      await wsCleanup.dispose();
      for (const client of wsServer.clients) client.terminate();
      wsServer.close();
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        httpServer.closeAllConnections();
      });
      await apollo.stop();
    },
  };
}
