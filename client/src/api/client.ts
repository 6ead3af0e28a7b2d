// The one GraphQL client: queries and mutations over HTTP, subscriptions over graphql-ws,
// both at /graphql on the server that served this page.
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient as createWsClient } from 'graphql-ws';

const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/graphql`;

export const wsClient = createWsClient({ url: wsUrl, lazy: true, retryAttempts: Infinity, shouldRetry: () => true });

export const graphqlClient = new Client({
  url: '/graphql',
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
