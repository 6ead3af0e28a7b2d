// Compare runs: the same metric of every run overlaid (downsampled by the server to a few thousand
// points per run, drawn by uPlot), and a table of their configs with the differences marked.
import { useEffect, useId, useMemo, useState, type ReactElement } from 'react';
import { graphqlClient } from '../api/client.ts';
import { LineChart } from '../charts/LineChart.tsx';
import type { Series } from '../charts/downsample.ts';
import { cleanMessage } from '../common/errors.ts';
import { Link, navigate, useLocation } from '../common/router.tsx';
import { COMPARE_RUN_QUERY, type CompareRun } from './documents/compare-runs.query.ts';
import { ConfigDiffRows } from './ConfigDiffRows.tsx';
import { configDiff } from './config-diff.ts';
import { runName } from './RunsPage.tsx';

const METRICS = [
  ['loss', 'Training loss'],
  ['val_loss', 'Validation loss'],
  ['val_accuracy', 'Validation accuracy (classifiers)'],
  ['lr', 'Learning rate'],
  ['grad_norm', 'Gradient norm'],
  ['tokens_per_second', 'Tokens per second'],
] as const;

export function ComparePage(): ReactElement {
  const { search } = useLocation();
  const ids = useMemo(() => (search.get('ids') ?? '').split(',').filter(Boolean), [search]);
  const metricId = useId();
  const onlyId = useId();
  const [metric, setMetric] = useState('loss');
  const [onlyDiffs, setOnlyDiffs] = useState(true);
  const [runs, setRuns] = useState<CompareRun[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loadMs, setLoadMs] = useState<number | null>(null);
  const key = ids.join(',');

  useEffect(() => {
    let alive = true;
    const started = performance.now();
    // eslint-disable-next-line react-hooks/set-state-in-effect -- other runs or metric: show loading, not the old comparison
    setRuns(null);
    void Promise.all(
      key
        .split(',')
        .filter(Boolean)
        .map((id) => graphqlClient.query(COMPARE_RUN_QUERY, { id, names: [metric], maxPoints: 2000 }).toPromise()),
    ).then((results) => {
      if (!alive) return;
      const failed = results.find((r) => r.error);
      setError(failed?.error ? cleanMessage(failed.error.message) : null);
      setRuns(results.flatMap((r) => (r.data ? [r.data.trainingRun] : [])));
      setLoadMs(performance.now() - started);
    });
    return () => {
      alive = false;
    };
  }, [key, metric]);

  const series = useMemo(
    () =>
      (runs ?? []).map((run): Series => {
        const points = run.metrics.filter((p) => p.value !== null).sort((a, b) => a.step - b.step);
        return { label: runName(run), x: points.map((p) => p.step), y: points.map((p) => p.value as number) };
      }),
    [runs],
  );
  const diff = useMemo(() => configDiff((runs ?? []).map((r) => r.config)), [runs]);
  const rows = onlyDiffs ? diff.filter((d) => d.differs) : diff;
  const metricLabel = METRICS.find(([m]) => m === metric)?.[1] ?? metric;

  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/runs">Runs</Link> / <span aria-current="page">Compare</span>
      </nav>
      <div className="page-header">
        <h2 id="page-title">Compare runs</h2>
      </div>
      {ids.length < 2 ? (
        <section className="panel" aria-labelledby="page-title">
          <p>
            Choose two or more runs on the <Link to="/runs">Runs page</Link> to compare them.
          </p>
        </section>
      ) : (
        <>
          <section className="panel" aria-labelledby="compare-chart-title">
            <h3 id="compare-chart-title">{metricLabel}</h3>
            <div className="inline-form">
              <label htmlFor={metricId}>Metric</label>
              <select id={metricId} className="input" value={metric} onChange={(e) => setMetric(e.target.value)}>
                {METRICS.map(([m, label]) => (
                  <option key={m} value={m}>
                    {label}
                  </option>
                ))}
              </select>
              <button type="button" className="button" onClick={() => navigate('/runs')}>
                Choose other runs
              </button>
            </div>
            {error && (
              <p role="alert" className="error-text">
                {error}
              </p>
            )}
            {!runs ? (
              <p role="status">Loading {ids.length} runs…</p>
            ) : (
              <>
                <p className="muted" data-testid="compare-summary">
                  {runs.length} runs, {series.reduce((n, s) => n + s.x.length, 0)} points loaded in {Math.round(loadMs ?? 0)} ms.
                </p>
                <div data-testid="compare-chart">
                  <LineChart title={`${metricLabel} by step`} xLabel="step" yLabel={metric} series={series} height={360} />
                </div>
              </>
            )}
          </section>
          {runs && (
            <section className="panel" aria-labelledby="compare-config-title">
              <h3 id="compare-config-title">Configs</h3>
              <label className="check" htmlFor={onlyId}>
                <input id={onlyId} type="checkbox" checked={onlyDiffs} onChange={(e) => setOnlyDiffs(e.target.checked)} /> Only the settings that differ
              </label>
              <div className="table-scroll">
                <table data-testid="config-diff">
                  <caption className="sr-only">Config of each run</caption>
                  <thead>
                    <tr>
                      <th scope="col">Setting</th>
                      {runs.map((r) => (
                        <th scope="col" key={r.id}>
                          <Link to={`/runs/${r.id}`}>{runName(r)}</Link>
                        </th>
                      ))}
                    </tr>
                  </thead>
                  <ConfigDiffRows rows={rows} sides={runs.length} emptyText="The configs are the same." />
                </table>
              </div>
            </section>
          )}
        </>
      )}
    </>
  );
}
