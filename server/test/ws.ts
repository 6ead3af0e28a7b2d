// One graphql-ws subscription for tests: resolves with the first result, the subscribe errors,
// or the close code when the server closes the socket.
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export type WsOutcome =
  | { kind: 'next'; data: Record<string, unknown> | null | undefined; errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }
  | { kind: 'errors'; errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }> }
  | { kind: 'closed'; code: number; reason: string }
  | { kind: 'timeout' };

export function wsFirstResult(url: string, connectionParams: Record<string, unknown> | undefined, query: string, variables?: Record<string, unknown>, timeoutMs = 3000): Promise<WsOutcome> {
  return new Promise((resolve) => {
    let closed: { code: number; reason: string } | null = null;
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      ...(connectionParams ? { connectionParams } : {}),
      on: { closed: (event) => (closed = { code: (event as { code: number }).code, reason: String((event as { reason: unknown }).reason) }) },
    });
    const done = (outcome: WsOutcome): void => {
      clearTimeout(timer);
      void client.dispose();
      resolve(outcome);
    };
    const timer = setTimeout(() => done({ kind: 'timeout' }), timeoutMs);
    client.subscribe<Record<string, unknown>>(
      { query, variables },
      {
        next: (value) => done({ kind: 'next', data: value.data, ...(value.errors ? { errors: value.errors } : {}) }),
        error: (error) => {
          if (Array.isArray(error)) done({ kind: 'errors', errors: error });
          else {
            const event = error as { code?: number; reason?: string };
            done({ kind: 'closed', code: closed?.code ?? event.code ?? -1, reason: closed?.reason ?? event.reason ?? '' });
          }
        },
        complete: () => done({ kind: 'timeout' }),
      },
    );
  });
}

/** Waits until the server closes an idle, authenticated connection; resolves with the code. */
export function wsCloseCode(url: string, connectionParams: Record<string, unknown>, timeoutMs = 5000): Promise<number | 'open'> {
  return new Promise((resolve) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: false,
      connectionParams,
      on: {
        closed: (event) => {
          clearTimeout(timer);
          resolve((event as { code: number }).code);
        },
      },
      onNonLazyError: () => undefined,
    });
    const timer = setTimeout(() => {
      void client.dispose();
      resolve('open');
    }, timeoutMs);
  });
}
