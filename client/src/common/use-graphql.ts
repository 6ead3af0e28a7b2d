// Hooks over the urql client: a query that can be reloaded, a whole connection fetched page by
// page, and a mutation with its state.
import { createRequest, type AnyVariables, type TypedDocumentNode } from '@urql/core';
import { useCallback, useEffect, useRef, useState } from 'react';
import { graphqlClient } from '../api/client.ts';
import { cleanMessage } from './errors.ts';

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
    // The last answer stays on screen while the next one loads, so only the flag changes here.
    // eslint-disable-next-line react-hooks/set-state-in-effect -- marks the request this effect starts
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

/** Rows asked for per request: the server's largest page (MAX_PAGE_SIZE in server/src/graphql/connection.ts). */
export const CONNECTION_PAGE_SIZE = 100;

/**
 * Rows a list loads at most (100 requests). Past it the list says how many it leaves out
 * (PartialListNotice) rather than growing without bound or cutting silently.
 */
export const CONNECTION_ROW_CAP = 10_000;

/** The parts of a Relay connection the paging loop reads. */
export interface ConnectionPage<N> {
  nodes: N[];
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Every row of a connection, or the first `cap` of them. */
export interface AllPages<N> {
  nodes: N[];
  /** Rows the server counts across all pages, as its last page said. */
  totalCount: number;
  /** True when the cap stopped the loop while the server still had rows. */
  truncated: boolean;
}

/** The paging variables every connection document declares: `$first: Int, $after: String`. */
export interface PageVariables {
  first: number;
  after: string | null;
}

/** One page: `first` rows after the cursor `after` (null for the first page). */
export type FetchPage<N> = (after: string | null, first: number) => Promise<ConnectionPage<N>>;

export interface FetchAllPagesOptions {
  /** Rows to load at most, at least 1. Defaults to CONNECTION_ROW_CAP. */
  cap?: number;
  /** Stops the loop between pages; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Fetches page after page until the server has no next page or `cap` rows are loaded. */
export async function fetchAllPages<N>(fetchPage: FetchPage<N>, options: FetchAllPagesOptions = {}): Promise<AllPages<N>> {
  const cap = options.cap ?? CONNECTION_ROW_CAP;
  if (!Number.isInteger(cap) || cap < 1) throw new RangeError(`Expected the "cap" option to be a positive integer but received ${cap}`);
  const nodes: N[] = [];
  let after: string | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const page: ConnectionPage<N> = await fetchPage(after, Math.min(CONNECTION_PAGE_SIZE, cap - nodes.length));
    options.signal?.throwIfAborted();
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return { nodes, totalCount: page.totalCount, truncated: false };
    if (nodes.length >= cap) return { nodes, totalCount: page.totalCount, truncated: true };
    // A next page with no cursor to reach it would loop forever on the first page.
    if (!page.pageInfo.endCursor || page.nodes.length === 0) throw new Error('The server said the list goes on but gave no cursor to the next page.');
    after = page.pageInfo.endCursor;
  }
}

export interface ConnectionState<N> {
  /** The rows of the last complete load; null until one completes. A reload keeps them until it completes. */
  nodes: N[] | null;
  totalCount: number;
  truncated: boolean;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

export interface ConnectionOptions {
  pause?: boolean;
  /** Rows to load at most. Defaults to CONNECTION_ROW_CAP. */
  cap?: number;
}

/**
 * The paging loop as a hook: loads every page whenever `key` changes or reload() is called.
 * A load that a newer one supersedes stops at its next page and its result is dropped.
 * `fetchPage` may be a new function on every render; the one of the latest render is used.
 */
export function useAllPages<N>(fetchPage: FetchPage<N>, key: string, options: ConnectionOptions = {}): ConnectionState<N> {
  const { pause = false, cap = CONNECTION_ROW_CAP } = options;
  const latestFetchPage = useRef(fetchPage);
  useEffect(() => {
    latestFetchPage.current = fetchPage;
  });
  const [state, setState] = useState<{ list: AllPages<N> | null; error: string | null; loading: boolean }>({ list: null, error: null, loading: !pause });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (pause) return;
    const controller = new AbortController();
    // eslint-disable-next-line react-hooks/set-state-in-effect -- marks the load this effect starts; the last complete list stays shown
    setState((s) => ({ ...s, loading: true }));
    fetchAllPages((after, first) => latestFetchPage.current(after, first), { cap, signal: controller.signal }).then(
      (list) => {
        if (!controller.signal.aborted) setState({ list, error: null, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState((s) => ({ list: s.list, error: error instanceof Error ? error.message : String(error), loading: false }));
      },
    );
    return () => controller.abort();
  }, [key, tick, pause, cap]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const { list, error, loading } = state;
  return { nodes: list?.nodes ?? null, totalCount: list?.totalCount ?? 0, truncated: list?.truncated ?? false, error, loading, reload };
}

/**
 * Every row of a Relay connection: `document` takes `$first: Int` and `$after: String` besides
 * `variables`, and `pick` finds the connection in its data (it may be nested, e.g. a model's
 * versions).
 */
export function useConnection<T, V extends object, N>(document: TypedDocumentNode<T, V & PageVariables>, variables: V, pick: (data: T) => ConnectionPage<N>, options: ConnectionOptions = {}): ConnectionState<N> {
  // The document and the variables, hashed as urql keys its operations.
  const key = String(createRequest(document, { ...variables, first: CONNECTION_PAGE_SIZE, after: null }).key);
  const fetchPage: FetchPage<N> = async (after, first) => {
    const result = await graphqlClient.query(document, { ...variables, first, after }).toPromise();
    if (result.error) throw new Error(cleanMessage(result.error.message));
    if (!result.data) throw new Error('The server answered without data.');
    return pick(result.data);
  };
  return useAllPages(fetchPage, key, options);
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
