// A run's metric series: the history first (downsampled by the server), then the live points of
// runMetrics appended. The subscription starts before the history is fetched and its points are
// kept until the history arrives, so none fall in between; duplicates are dropped by step.
import { useEffect, useState } from 'react';
import { graphqlClient } from '../api/client.ts';
import type { MetricPoint } from './documents/run-fields.ts';
import { appendPoints, type MetricMap } from './metric-series.ts';
import { RUN_METRICS_SUBSCRIPTION } from './documents/run-metrics.subscription.ts';
import { TRAINING_RUN_QUERY } from './documents/training-run.query.ts';

export function useRunMetrics(runId: string, live: boolean, reloadKey: number): { metrics: MetricMap; livePoints: number; error: string | null } {
  const [metrics, setMetrics] = useState<MetricMap>({});
  const [livePoints, setLivePoints] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let alive = true;
    let history: MetricMap | null = null;
    let buffered: MetricPoint[] = [];
    const subscription = live
      ? graphqlClient.subscription(RUN_METRICS_SUBSCRIPTION, { runId }).subscribe((result) => {
          const points = result.data?.runMetrics.points;
          if (!alive || !points) return;
          setLivePoints((n) => n + points.length);
          if (!history) buffered.push(...points);
          else setMetrics((m) => appendPoints(m, points));
        })
      : null;
    void graphqlClient
      .query(TRAINING_RUN_QUERY, { id: runId, maxPoints: 2000 })
      .toPromise()
      .then((result) => {
        if (!alive) return;
        if (result.error) setError(result.error.message.replace(/^\[(GraphQL|Network)\]\s*/, ''));
        const sorted = [...(result.data?.trainingRun.metrics ?? [])].sort((a, b) => a.step - b.step);
        history = appendPoints({}, sorted);
        const merged = appendPoints(history, buffered);
        buffered = [];
        setMetrics(merged);
      });
    return () => {
      alive = false;
      subscription?.unsubscribe();
    };
  }, [runId, live, reloadKey]);
  return { metrics, livePoints, error };
}
