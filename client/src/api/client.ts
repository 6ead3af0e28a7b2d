// The one GraphQL client: queries and mutations over HTTP, subscriptions over graphql-ws,
// both at /graphql on the server that served this page, with the signed-in session's token.
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';
import { accessToken, authFetch, onSessionChange, refresh } from '../auth/session.ts';

const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;

export const wsClient = createWsClient({
  url: wsUrl,
  lazy: true,
  retryAttempts: Infinity,
  shouldRetry: () => true,
  // The server closes with 4401 when the access token expires: reconnect with a fresh one.
  connectionParams: async () => {
    const token = await accessToken();
    return token ? { authorization: `Bearer ${token}` } : {};
  },
  on: {
    closed: (event) => {
      if ((event as CloseEvent | undefined)?.code === 4401) void refresh();
    },
  },
});

// Signing in or out changes who the live link speaks for: reconnect.
let signedInAs: string | undefined;
onSessionChange((session) => {
  if (session?.user.id === signedInAs) return;
  signedInAs = session?.user.id;
  wsClient.terminate();
});

export const graphqlClient = new Client({
  url: '/graphql',
  fetch: authFetch,
  exchanges: [
    fetchExchange,
    subscriptionExchange({
      forwardSubscription(request) {
        const input = { ...request, query: request.query || '' };
        return {
          subscribe(sink) {
            const unsubscribe = wsClient.subscribe(input, sink);
            return { unsubscribe };
          },
        };
      },
    }),
  ],
  requestPolicy: 'network-only',
  // POST for every operation: the server's CSRF guard refuses GET queries without a preflight header.
  preferGetMethod: false,
});
