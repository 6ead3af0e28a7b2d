// Dev mode: the client is served by Vite in middleware mode on the server's own port, with hot
// module reload over Vite's WebSocket (protocol "vite-hmr"); GraphQL keeps /graphql.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { ViteDevServer } from 'vite';
import { PROJECT_ROOT } from '../paths.ts';

export interface DevClient {
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  isOwnUpgrade: (req: IncomingMessage) => boolean;
  /** Starts Vite on the given server (its HMR WebSocket shares the port). */
  attach: (server: Server) => void;
  close: () => Promise<void>;
}

export function createDevClient(): DevClient {
  let vite: Promise<ViteDevServer> | null = null;
  return {
    attach(server) {
      vite = import('vite').then(({ createServer }) =>
        createServer({
          configFile: join(PROJECT_ROOT, 'client', 'vite.config.ts'),
          server: { middlewareMode: true, hmr: { server } },
          appType: 'spa',
        }),
      );
    },
    handle(req, res) {
      if (!vite) {
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('The dev client is starting\n');
        return;
      }
      void vite.then((dev) => dev.middlewares(req, res, () => res.writeHead(404).end('Not found\n')));
    },
    isOwnUpgrade: (req) => req.headers['sec-websocket-protocol'] === 'vite-hmr',
    async close() {
      await (await vite)?.close();
    },
  };
}
