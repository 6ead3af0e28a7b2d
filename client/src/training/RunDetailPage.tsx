// One training run, live: status, stage and progress (announced), charts fed by the metric
// history and then the runMetrics subscription, controls for its owner or an admin, the run's
// log, checkpoints, evaluations of the version it produced, and the status history seen.
import { useEffect, useMemo, useRef, useState, type ReactElement } from 'react';
import { graphqlClient } from '../api/client.ts';
import { useSession } from '../auth/use-session.ts';
import { LineChart } from '../charts/LineChart.tsx';
import type { Series } from '../charts/downsample.ts';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { formatDate } from '../common/format.ts';
import { JsonView } from '../common/JsonView.tsx';
import { Link } from '../common/router.tsx';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation, useQuery } from '../common/use-graphql.ts';
import { EVALUATIONS_QUERY } from '../evaluation/documents/evaluations.query.ts';
import { EvaluationResultsTable } from '../evaluation/EvaluationResultsTable.tsx';
import { CANCEL_RUN_MUTATION } from './documents/cancel-run.mutation.ts';
import { PAUSE_RUN_MUTATION } from './documents/pause-run.mutation.ts';
import { RESUME_RUN_MUTATION } from './documents/resume-run.mutation.ts';
import type { RunSummary } from './documents/run-fields.ts';
import { RUN_UPDATED_SUBSCRIPTION } from './documents/run-updated.subscription.ts';
import { TRAINING_RUN_QUERY, type CheckpointRow } from './documents/training-run.query.ts';
import { FINISHED, formatLoss, formatRunDuration, StatusBadge, statusLabel } from './run-format.tsx';
import { RunLogPanel } from './RunLogPanel.tsx';
import { runName } from './RunsPage.tsx';
import { useRunMetrics } from './use-run-metrics.ts';

/** `only`: shown only when it has points (classifier runs report val_accuracy). */
export const CHARTS: Array<{ title: string; names: string[]; yLabel: string; only?: 'with-points' }> = [
  { title: 'Loss', names: ['loss', 'val_loss'], yLabel: 'loss' },
  { title: 'Validation loss', names: ['val_loss'], yLabel: 'loss' },
  { title: 'Validation accuracy', names: ['val_accuracy'], yLabel: 'accuracy', only: 'with-points' },
  { title: 'Learning rate', names: ['lr'], yLabel: 'learning rate' },
  { title: 'Gradient norm', names: ['grad_norm'], yLabel: 'norm' },
  { title: 'Throughput', names: ['tokens_per_second'], yLabel: 'tokens/s' },
  { title: 'Memory', names: ['memory_bytes', 'memory'], yLabel: 'bytes' },
];

interface HistoryEntry {
  at: string;
  status: RunSummary['status'];
  stage: string;
  progress: string;
}

export function RunDetailPage({ id }: { id: string }): ReactElement {
  const session = useSession();
  const initial = useQuery(TRAINING_RUN_QUERY, { id, maxPoints: 2, names: ['loss'] });
  const [live, setLive] = useState<(RunSummary & { checkpoints?: CheckpointRow[] }) | null>(null);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [reloadKey, setReloadKey] = useState(0);
  const run = initial.data ? { ...initial.data.trainingRun, ...(live ?? {}) } : null;
  const finished = run ? FINISHED.includes(run.status) : false;
  // Whether the run had ended when the page first saw it; a run that had not is followed live.
  const [startedFinished, setStartedFinished] = useState<boolean | null>(null);
  if (run && startedFinished === null) setStartedFinished(finished);
  const followLive = run !== null && (startedFinished ?? finished) === false;
  const { metrics, livePoints, error: metricsError } = useRunMetrics(id, followLive, reloadKey);
  const pause = useMutation(PAUSE_RUN_MUTATION);
  const resume = useMutation(RESUME_RUN_MUTATION);
  const cancel = useMutation(CANCEL_RUN_MUTATION);
  const evaluations = useConnection(EVALUATIONS_QUERY, { filter: { modelVersionId: run?.resultVersionId ?? '' } }, (d) => d.evaluations, { pause: !run?.resultVersionId });

  // The first state seen, then every change the subscription brings.
  useEffect(() => {
    const r = initial.data?.trainingRun;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- seeds the history the subscription appends to, once the query answers
    if (r) setHistory((h) => (h.length ? h : [{ at: r.updatedAt, status: r.status, stage: r.stage, progress: r.progress }]));
  }, [initial.data]);
  useEffect(() => {
    const subscription = graphqlClient.subscription(RUN_UPDATED_SUBSCRIPTION, { id }).subscribe((result) => {
      const r = result.data?.runUpdated;
      if (!r) return;
      setLive(r);
      setHistory((h) => {
        const last = h[h.length - 1];
        if (last && last.status === r.status && last.stage === r.stage) return h;
        return [...h, { at: r.updatedAt, status: r.status, stage: r.stage, progress: r.progress }];
      });
    });
    return () => subscription.unsubscribe();
  }, [id]);
  // When the run ends, the full history replaces what was appended live.
  const wasFinished = useRef(finished);
  useEffect(() => {
    if (finished && !wasFinished.current) {
      setReloadKey((k) => k + 1);
      initial.reload();
    }
    wasFinished.current = finished;
    // eslint-disable-next-line react-hooks/exhaustive-deps -- on the edge to finished only; initial.reload is a new function every render
  }, [finished]);

  const chartSeries = useMemo(
    () =>
      CHARTS.map((chart) => ({
        ...chart,
        series: chart.names.filter((name) => metrics[name]?.steps.length).map((name): Series => ({ label: name, x: metrics[name]!.steps, y: metrics[name]!.values })),
      })),
    [metrics],
  );

  if (initial.error && !initial.data)
    return (
      <section className="panel" aria-labelledby="page-title">
        <h2 id="page-title">Run</h2>
        <p role="alert" className="error-text">
          {initial.error}
        </p>
      </section>
    );
  if (!run) return <p role="status">Loading the run…</p>;

  const canControl = session && session.user.role !== 'VIEWER' && (session.user.id === run.ownerId || session.user.role === 'ADMIN');
  const controlError = pause.error ?? resume.error ?? cancel.error;
  // The live update and the (re)loaded run may each be the newer: the longer list wins.
  const loaded = initial.data?.trainingRun.checkpoints ?? [];
  const checkpoints = live?.checkpoints && live.checkpoints.length >= loaded.length ? live.checkpoints : loaded;
  const pointCount = Object.values(metrics).reduce((n, s) => n + s.steps.length, 0);

  return (
    <>
      <nav className="breadcrumb" aria-label="Breadcrumb">
        <Link to="/runs">Runs</Link> / <span aria-current="page">{runName(run)}</span>
      </nav>
      <div className="page-header">
        <h2 id="page-title">{runName(run)}</h2>
        {canControl && !finished && (
          <div className="inline-form" role="group" aria-label="Run controls">
            {run.status === 'PAUSED' ? (
              <button type="button" className="button" disabled={resume.busy} onClick={() => void resume.run({ id })}>
                Resume
              </button>
            ) : (
              <button type="button" className="button" disabled={pause.busy || run.status === 'QUEUED'} onClick={() => void pause.run({ id })}>
                Pause
              </button>
            )}
            <ConfirmButton label="Cancel run" confirmLabel="Yes, cancel this run" busy={cancel.busy} onConfirm={() => void cancel.run({ id })} />
          </div>
        )}
      </div>
      {controlError && (
        <p role="alert" className="error-text">
          {controlError}
        </p>
      )}
      <section className="panel" aria-labelledby="run-state-title">
        <h3 id="run-state-title">State</h3>
        <div role="status" aria-live="polite" data-testid="run-state" className="run-state">
          <StatusBadge status={run.status} /> <span data-testid="run-stage">{run.stage}</span> · <span data-testid="run-progress">{run.progress}</span>
        </div>
        <progress className="run-progress" max={run.maxSteps || 1} value={run.step} aria-label="Steps done" />
        <dl className="facts">
          <dt>Model</dt>
          <dd>
            <Link to={`/models/${run.modelId}`}>{run.model?.name ?? run.modelId}</Link>
          </dd>
          <dt>Owner</dt>
          <dd>{run.owner?.email ?? '—'}</dd>
          <dt>Last loss</dt>
          <dd>{formatLoss(run.lastLoss)}</dd>
          <dt>Best validation loss</dt>
          <dd>{formatLoss(run.bestValLoss)}</dd>
          <dt>Duration</dt>
          <dd>{formatRunDuration(run)}</dd>
          <dt>Created</dt>
          <dd>{formatDate(run.createdAt)}</dd>
          {run.stopReason && (
            <>
              <dt>Stopped</dt>
              <dd>{run.stopReason}</dd>
            </>
          )}
          {run.failureReason && (
            <>
              <dt>Failure</dt>
              <dd className="error-text">{run.failureReason}</dd>
            </>
          )}
          {run.resultVersionId && (
            <>
              <dt>Registered</dt>
              <dd>
                <Link to={`/models/${run.modelId}`}>version {initial.data?.trainingRun.resultVersion?.version ?? ''}</Link> · <Link to={`/evaluation?modelVersion=${run.resultVersionId}&datasetVersion=${run.datasetVersionId}`}>Evaluate it</Link>
              </dd>
            </>
          )}
        </dl>
      </section>
      <section className="panel" aria-labelledby="run-charts-title">
        <h3 id="run-charts-title">Metrics</h3>
        <p className="muted" data-testid="metric-points">
          {pointCount} points{livePoints ? `, ${livePoints} received live` : ''}. Drag across a chart to zoom into a step range; the buttons zoom and pan.
        </p>
        {metricsError && (
          <p role="alert" className="error-text">
            {metricsError}
          </p>
        )}
        <div className="chart-grid">
          {chartSeries
            .filter((chart) => chart.series.length || chart.only !== 'with-points')
            .map((chart) =>
              chart.series.length ? (
                <div key={chart.title} data-testid={`chart-${chart.title}`}>
                  <LineChart title={chart.title} xLabel="step" yLabel={chart.yLabel} series={chart.series} height={240} />
                </div>
              ) : (
                <figure key={chart.title} className="chart">
                  <figcaption>{chart.title}</figcaption>
                  <p className="muted">{chart.title === 'Validation loss' ? 'No validation yet (it runs every "validate every" steps and at the end).' : 'No points yet.'}</p>
                </figure>
              ),
            )}
        </div>
      </section>
      <RunLogPanel runId={id} live={followLive} />
      <div className="two-columns">
        <section className="panel" aria-labelledby="run-checkpoints-title">
          <h3 id="run-checkpoints-title">Checkpoints</h3>
          {checkpoints.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <div className="table-scroll" role="region" aria-label="Checkpoints (scrolls)" tabIndex={0}>
              <table>
                <caption className="sr-only">Checkpoints</caption>
                <thead>
                  <tr>
                    <th scope="col">Step</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Written</th>
                    <th scope="col">Path</th>
                  </tr>
                </thead>
                <tbody>
                  {[...checkpoints]
                    .sort((a, b) => a.step - b.step)
                    .map((c) => (
                      <tr key={c.id}>
                        <td>{c.step}</td>
                        <td>{[c.best && 'best', c.final && 'final'].filter(Boolean).join(', ') || '—'}</td>
                        <td>{formatDate(c.createdAt)}</td>
                        <td>
                          <code>{c.path}</code>
                        </td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
        <section className="panel" aria-labelledby="run-history-title">
          <h3 id="run-history-title">Status history</h3>
          <p className="muted">The states seen while this page was open; the log above has the whole story.</p>
          <ol className="plain-list" data-testid="run-history">
            {history.map((h, i) => (
              <li key={i}>
                {formatDate(h.at)} — {statusLabel(h.status)}, {h.stage} ({h.progress})
              </li>
            ))}
          </ol>
        </section>
      </div>
      <section className="panel" aria-labelledby="run-evaluations-title">
        <h3 id="run-evaluations-title">Evaluations</h3>
        {!run.resultVersionId ? (
          <p className="muted">The run registers a model version when it completes; evaluations of it appear here.</p>
        ) : evaluations.nodes?.length ? (
          <>
            <PartialListNotice list={evaluations} noun="evaluations" />
            <EvaluationResultsTable caption="Evaluations of this run's version" rows={evaluations.nodes} />
          </>
        ) : (
          <p className="muted">
            None yet. <Link to={`/evaluation?modelVersion=${run.resultVersionId}&datasetVersion=${run.datasetVersionId}`}>Evaluate the version</Link>.
          </p>
        )}
      </section>
      <section className="panel" aria-labelledby="run-config-title">
        <h3 id="run-config-title">Config</h3>
        <JsonView value={initial.data?.trainingRun.config ?? {}} label="Validated config of the run" />
      </section>
    </>
  );
}
