// @vitest-environment jsdom
import { act, cleanup, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PartialListNotice } from './PartialListNotice.tsx';
import { CONNECTION_PAGE_SIZE, fetchAllPages, useAllPages, type ConnectionPage, type FetchPage } from './use-graphql.ts';

/** A list served the way the server's connections serve it: keyset cursors, at most 100 a page. */
function listServer(rows: () => string[]) {
  const calls: Array<{ after: string | null; first: number }> = [];
  const fetchPage: FetchPage<string> = async (after, first) => {
    calls.push({ after, first });
    if (first < 1 || first > CONNECTION_PAGE_SIZE) throw new Error(`first must be 1 to ${CONNECTION_PAGE_SIZE}`);
    const all = rows();
    const start = after === null ? 0 : all.indexOf(after) + 1;
    const nodes = all.slice(start, start + first);
    return { nodes, totalCount: all.length, pageInfo: { hasNextPage: start + first < all.length, endCursor: nodes.at(-1) ?? null } };
  };
  return { fetchPage, calls };
}

const rowsOf = (n: number, prefix = 'row'): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('fetchAllPages', () => {
  it('follows endCursor page after page until hasNextPage is false', async () => {
    const server = listServer(() => rowsOf(250));
    const list = await fetchAllPages(server.fetchPage);
    expect(list).toEqual({ nodes: rowsOf(250), totalCount: 250, truncated: false });
    expect(server.calls).toEqual([
      { after: null, first: 100 },
      { after: 'row-99', first: 100 },
      { after: 'row-199', first: 100 },
    ]);
  });

  it('stops at the cap, asking only for the rows it still takes, and says it stopped', async () => {
    const server = listServer(() => rowsOf(250));
    const list = await fetchAllPages(server.fetchPage, { cap: 150 });
    expect(list.nodes).toEqual(rowsOf(150));
    expect(list).toMatchObject({ totalCount: 250, truncated: true });
    expect(server.calls.map((c) => c.first)).toEqual([100, 50]);
    // Exactly the cap, with nothing beyond it, is the whole list.
    expect(await fetchAllPages(listServer(() => rowsOf(200)).fetchPage, { cap: 200 })).toMatchObject({ totalCount: 200, truncated: false });
  });

  it('refuses a next page without a cursor instead of fetching the first page forever', async () => {
    const broken: FetchPage<string> = async () => ({ nodes: ['a'], totalCount: 5, pageInfo: { hasNextPage: true, endCursor: null } });
    await expect(fetchAllPages(broken)).rejects.toThrow(/no cursor to the next page/);
    await expect(fetchAllPages(listServer(() => []).fetchPage, { cap: 0 })).rejects.toThrow(/"cap" option to be a positive integer but received 0/);
  });

  it('stops between pages once its signal aborts', async () => {
    const controller = new AbortController();
    const server = listServer(() => rowsOf(300));
    const fetchPage: FetchPage<string> = async (after, first) => {
      const page = await server.fetchPage(after, first);
      controller.abort(new Error('superseded'));
      return page;
    };
    await expect(fetchAllPages(fetchPage, { signal: controller.signal })).rejects.toThrow('superseded');
    expect(server.calls).toHaveLength(1);
  });
});

describe('useAllPages', () => {
  afterEach(cleanup);

  it('loads every page, and a reload keeps the last complete list until the new one is complete', async () => {
    let rows = rowsOf(150);
    const server = listServer(() => rows);
    let gate: ReturnType<typeof deferred<void>> | null = null;
    const fetchPage: FetchPage<string> = async (after, first) => {
      await gate?.promise;
      return server.fetchPage(after, first);
    };
    const { result } = renderHook(() => useAllPages(fetchPage, 'runs'));
    expect(result.current).toMatchObject({ nodes: null, loading: true });
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current).toMatchObject({ nodes: rowsOf(150), totalCount: 150, truncated: false, error: null });

    rows = rowsOf(151, 'new');
    gate = deferred<void>();
    act(() => result.current.reload());
    expect(result.current.loading).toBe(true);
    expect(result.current.nodes).toEqual(rowsOf(150));
    const opened = gate;
    gate = null;
    await act(async () => opened.resolve());
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current).toMatchObject({ nodes: rowsOf(151, 'new'), totalCount: 151 });
  });

  it('drops the result of a load that new variables superseded', async () => {
    const pending: Array<{ key: string; page: ReturnType<typeof deferred<ConnectionPage<string>>> }> = [];
    const { result, rerender } = renderHook(
      ({ key }: { key: string }) =>
        useAllPages<string>(() => {
          const page = deferred<ConnectionPage<string>>();
          pending.push({ key, page });
          return page.promise;
        }, key),
      { initialProps: { key: 'COMPLETED' } },
    );
    await waitFor(() => expect(pending).toHaveLength(1));
    rerender({ key: 'FAILED' });
    await waitFor(() => expect(pending).toHaveLength(2));
    expect(pending.map((p) => p.key)).toEqual(['COMPLETED', 'FAILED']);
    await act(async () => pending[1]!.page.resolve({ nodes: ['failed-run'], totalCount: 1, pageInfo: { hasNextPage: false, endCursor: 'failed-run' } }));
    await waitFor(() => expect(result.current.nodes).toEqual(['failed-run']));
    // The older answer arrives last: it must not replace the newer list, nor fetch on.
    await act(async () => pending[0]!.page.resolve({ nodes: ['completed-run'], totalCount: 500, pageInfo: { hasNextPage: true, endCursor: 'completed-run' } }));
    expect(result.current).toMatchObject({ nodes: ['failed-run'], totalCount: 1, loading: false });
    expect(pending).toHaveLength(2);
  });

  it('reports an error and keeps the rows it had', async () => {
    let fail = false;
    const server = listServer(() => rowsOf(3));
    const { result } = renderHook(() =>
      useAllPages<string>(async (after, first) => {
        if (fail) throw new Error('Not signed in');
        return server.fetchPage(after, first);
      }, 'keys'),
    );
    await waitFor(() => expect(result.current.nodes).toEqual(rowsOf(3)));
    fail = true;
    act(() => result.current.reload());
    await waitFor(() => expect(result.current.error).toBe('Not signed in'));
    expect(result.current).toMatchObject({ nodes: rowsOf(3), loading: false });
  });
});

describe('PartialListNotice', () => {
  afterEach(cleanup);

  it('says how much of the list a cap left out, and nothing when the list is whole', () => {
    const { rerender } = render(<PartialListNotice list={{ nodes: rowsOf(10_000), totalCount: 12_345, truncated: true }} noun="runs" />);
    expect(screen.getByRole('status').textContent).toBe('Showing the first 10,000 of 12,345 runs.');
    rerender(<PartialListNotice list={{ nodes: rowsOf(150), totalCount: 150, truncated: false }} noun="runs" />);
    expect(screen.queryByRole('status')).toBeNull();
  });
});
