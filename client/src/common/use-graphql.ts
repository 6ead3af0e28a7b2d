// Hooks over the urql client: a query that can be reloaded, and a mutation with its state.
import type { AnyVariables, TypedDocumentNode } from '@urql/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { graphqlClient } from '../api/client.ts';

export interface QueryState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

export function useQuery<T, V extends AnyVariables = AnyVariables>(document: TypedDocumentNode<T, V>, variables: V, options: { pause?: boolean } = {}): QueryState<T> {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: !options.pause });
  const [tick, setTick] = useState(0);
  const key = JSON.stringify(variables);
  useEffect(() => {
    if (options.pause) return;
    let alive = true;
    setState((s) => ({ ...s, loading: true }));
    void graphqlClient
      .query(document, JSON.parse(key) as V)
      .toPromise()
      .then((result) => {
        if (!alive) return;
        setState({ data: result.data ?? null, error: result.error ? cleanMessage(result.error.message) : null, loading: false });
      });
    return () => {
      alive = false;
    };
  }, [document, key, tick, options.pause]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

export interface MutationState<T, V> {
  run: (variables: V) => Promise<T | null>;
  error: string | null;
  busy: boolean;
  reset: () => void;
}

export function useMutation<T, V extends AnyVariables = AnyVariables>(document: TypedDocumentNode<T, V>): MutationState<T, V> {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const run = useCallback(
    async (variables: V): Promise<T | null> => {
      setBusy(true);
      setError(null);
      const result = await graphqlClient.mutation(document, variables).toPromise();
      if (mounted.current) {
        setBusy(false);
        setError(result.error ? cleanMessage(result.error.message) : null);
      }
      return result.error ? null : (result.data ?? null);
    },
    [document],
  );
  return { run, error, busy, reset: () => setError(null) };
}

/** urql prefixes messages with "[GraphQL] " or "[Network] ". */
export function cleanMessage(message: string): string {
  return message.replace(/^\[(GraphQL|Network)\]\s*/, '');
}
