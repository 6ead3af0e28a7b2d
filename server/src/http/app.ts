// One Node HTTP server on one port: GraphQL over HTTP and WebSocket at /graphql, /healthz,
// /readyz, and the client at /. Every request gets an id (x-request-id) that its logs carry.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { handleUploadRequest, UPLOADS_PATH } from '../datasets/uploads.http.ts';
import type { GraphQLContext, Services } from '../graphql/context.ts';
import type { Logger } from '../logging/logger.ts';
import { CLIENT_DIST_DIR } from '../paths.ts';
import { createStaticHandler } from './static-files.ts';

export const GRAPHQL_PATH = '/graphql';

export interface AppOptions {
  schema: GraphQLSchema;
  services: Services;
  logger: Logger;
  /** Handles requests the server does not (the client); defaults to serving client/dist. */
  clientHandler?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Extra WebSocket upgrades (Vite's hot reload in dev mode) get a chance after /graphql. */
  onOtherUpgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
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
  return (formatted) => {
    const code = formatted.extensions?.code;
    if (code === 'INTERNAL_SERVER_ERROR' || code === undefined) {
      logger.error({ err: formatted }, 'internal GraphQL error');
      return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL' } };
    }
    const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  };
}

export async function createApp(options: AppOptions): Promise<App> {
  const { schema, services, logger } = options;
  const apollo = new ApolloServer<GraphQLContext>({ schema, formatError: formatError(logger), includeStacktraceInErrorResponses: false });
  await apollo.start();
  const clientHandler = options.clientHandler ?? createStaticHandler(CLIENT_DIST_DIR);

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
      context: async () => ({ requestId, logger: requestLogger, services }),
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
      } else if (pathname === UPLOADS_PATH) {
        await handleUploadRequest(req, res, services.datasets);
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
  const wsCleanup = useServer<Record<string, unknown>, { requestId: string }>(
    {
      schema,
      context: (ctx) => {
        const requestId = randomUUID();
        return { requestId, logger: logger.child({ requestId, transport: 'ws' }), services } satisfies GraphQLContext;
      },
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
