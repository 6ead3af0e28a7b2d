import { useEffect, useState } from 'react';
import { graphqlClient } from '../api/client.ts';
import { HEALTH_QUERY, HEARTBEAT_SUBSCRIPTION, type HealthData } from './health.graphql.ts';

export type LinkState = 'connecting' | 'live' | 'lost';

export interface ServerHealthState {
  health: HealthData['health'] | null;
  /** Why the health query failed (the server is unreachable or answered with an error). */
  error: string | null;
  /** State of the WebSocket link, proven by heartbeat ticks. */
  link: LinkState;
  lastTick: string | null;
}

const REFRESH_MS = 15_000;
const TICK_TIMEOUT_MS = 12_000;

/** Polls Query.health and follows the heartbeat subscription. */
export function useServerHealth(): ServerHealthState {
  const [state, setState] = useState<ServerHealthState>({ health: null, error: null, link: 'connecting', lastTick: null });

  useEffect(() => {
    let alive = true;
    const load = async (): Promise<void> => {
      const result = await graphqlClient.query(HEALTH_QUERY, {}).toPromise();
      if (!alive) return;
      setState((s) => ({ ...s, health: result.data?.health ?? null, error: result.error ? result.error.message : null }));
    };
    void load();
    const poll = setInterval(() => void load(), REFRESH_MS);

    let tickTimer = setTimeout(() => setState((s) => ({ ...s, link: 'lost' })), TICK_TIMEOUT_MS);
    const subscription = graphqlClient.subscription(HEARTBEAT_SUBSCRIPTION, {}).subscribe((result) => {
      if (!alive || !result.data) return;
      clearTimeout(tickTimer);
      tickTimer = setTimeout(() => setState((s) => ({ ...s, link: 'lost' })), TICK_TIMEOUT_MS);
      setState((s) => ({ ...s, link: 'live', lastTick: result.data!.heartbeat.serverTime }));
    });
    return () => {
      alive = false;
      clearInterval(poll);
      clearTimeout(tickTimer);
      subscription.unsubscribe();
    };
  }, []);

  return state;
}
