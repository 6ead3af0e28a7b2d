// The log of a run: the lines written so far (fetched page by page), then new lines as the
// runLogAdded subscription brings them. Lines are merged by sequence, so none show twice, and a
// gap in the sequence (lines written before the subscription reached the server) is filled by
// fetching the history again. The list follows the
// newest line until the reader scrolls up, and follows again once they return to the bottom.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactElement } from 'react';
import type { OperationResult } from '@urql/core';
import { graphqlClient } from '../api/client.ts';
import { cleanMessage } from '../common/errors.ts';
import { RUN_LOG_ADDED_SUBSCRIPTION } from './documents/run-log-added.subscription.ts';
import { RUN_LOGS_QUERY, type RunLogLineData } from './documents/run-logs.query.ts';

type RunLogsPage = { runLogs: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: RunLogLineData[] } };

/** Pages fetched at most on opening (100 lines each); a run logs a few dozen lines. */
const MAX_PAGES = 50;

/** Lines by sequence, oldest first, without duplicates. */
function merge(lines: RunLogLineData[], more: RunLogLineData[]): RunLogLineData[] {
  const bySequence = new Map(lines.map((l) => [l.sequence, l]));
  for (const line of more) bySequence.set(line.sequence, line);
  return [...bySequence.values()].sort((a, b) => a.sequence - b.sequence);
}

function clock(iso: string): string {
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour12: false });
}

export function RunLogPanel({ runId, live }: { runId: string; live: boolean }): ReactElement {
  const [lines, setLines] = useState<RunLogLineData[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [following, setFollowing] = useState(true);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let alive = true;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- another run: drop the old run's lines before reading the new one's
    setLines([]);
    setLoaded(false);
    setError(null);
    // Sequences are 1, 2, 3, … per run: a live line numbered above the count of lines seen means
    // some were written before the subscription reached the server; fetching the history again
    // fills the gap (merging by sequence drops what is already there).
    const seen = new Set<number>();
    let highest = 0;
    const note = (batch: RunLogLineData[]): void => {
      for (const line of batch) {
        seen.add(line.sequence);
        highest = Math.max(highest, line.sequence);
      }
    };
    const fetchHistory = async (): Promise<void> => {
      let after: string | null = null;
      for (let page = 0; page < MAX_PAGES && alive; page++) {
        const result: OperationResult<RunLogsPage> = await graphqlClient.query(RUN_LOGS_QUERY, { runId, first: 100, after }, { requestPolicy: 'network-only' }).toPromise();
        if (!alive) return;
        const data = result.data?.runLogs;
        if (result.error || !data) {
          setError(cleanMessage(result.error?.message ?? 'The log could not be read.'));
          return;
        }
        note(data.nodes);
        setLines((l) => merge(l, data.nodes));
        if (!data.pageInfo.hasNextPage) return;
        after = data.pageInfo.endCursor;
      }
    };
    let fetching: Promise<void> | null = null;
    let fetchAgain = false;
    const catchUp = (): void => {
      if (fetching) {
        fetchAgain = true;
        return;
      }
      fetching = fetchHistory().finally(() => {
        fetching = null;
        if (alive && fetchAgain) {
          fetchAgain = false;
          catchUp();
        }
      });
    };
    const subscription = live
      ? graphqlClient.subscription(RUN_LOG_ADDED_SUBSCRIPTION, { runId }).subscribe((result) => {
          const line = result.data?.runLogAdded;
          if (!alive || !line) return;
          note([line]);
          setLines((l) => merge(l, [line]));
          if (seen.size < highest) catchUp();
        })
      : null;
    catchUp();
    void fetching!.then(() => {
      if (alive) setLoaded(true);
    });
    return () => {
      alive = false;
      subscription?.unsubscribe();
    };
  }, [runId, live]);

  // Follow the newest line unless the reader scrolled up.
  useLayoutEffect(() => {
    const element = box.current;
    if (element && following) element.scrollTop = element.scrollHeight;
  }, [lines, following]);
  const onScroll = useCallback(() => {
    const element = box.current;
    if (!element) return;
    const atBottom = element.scrollHeight - element.scrollTop - element.clientHeight < 8;
    setFollowing(atBottom);
  }, []);

  return (
    <section className="panel" aria-labelledby="run-log-title">
      <h3 id="run-log-title">Log</h3>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      <div ref={box} className="run-log" role="log" aria-live="polite" aria-label="Run log" tabIndex={0} onScroll={onScroll} data-testid="run-log">
        {lines.length === 0 ? (
          <p className="muted">{loaded ? 'No lines yet; the run logs when a worker claims it.' : 'Loading the log…'}</p>
        ) : (
          <ol>
            {lines.map((line) => (
              <li key={line.sequence} data-level={line.level}>
                <time dateTime={line.time}>{clock(line.time)}</time>
                <span className={`log-level log-level-${line.level}`}>{line.level}</span>
                <span>{line.message}</span>
              </li>
            ))}
          </ol>
        )}
      </div>
      <div className="run-log-controls">
        <span className="muted" data-testid="run-log-follow">
          {following ? 'Following new lines.' : 'Paused following while you read earlier lines.'}
        </span>
        {!following && (
          <button type="button" className="button button-small" onClick={() => setFollowing(true)}>
            Follow new lines
          </button>
        )}
      </div>
    </section>
  );
}
