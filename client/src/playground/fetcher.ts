// GraphiQL's fetcher: queries and mutations over HTTP with the signed-in session, subscriptions
// over the app's graphql-ws client (which also carries the session).
import { wsClient } from '../api/client.ts';
import { authFetch } from '../auth/session.ts';

export interface FetcherParams {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

function isSubscription(params: FetcherParams): boolean {
  // Comments stripped; the named operation (or the only one) decides.
  const text = params.query.replace(/#[^\n]*/g, '');
  if (params.operationName) return new RegExp(`\\bsubscription\\s+${params.operationName}\\b`).test(text);
  return /^\s*subscription\b/.test(text);
}

export function sessionFetcher(params: FetcherParams): Promise<unknown> | AsyncIterable<unknown> {
  if (isSubscription(params)) {
    return wsClient.iterate({ query: params.query, operationName: params.operationName ?? undefined, variables: params.variables ?? undefined });
  }
  return authFetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(params),
  }).then((response) => response.json() as Promise<unknown>);
}
