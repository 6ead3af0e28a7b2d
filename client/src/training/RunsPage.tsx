// Training runs: status, progress, best loss, duration and owner, filtered on the server by
// status, model and owner; tick runs to compare them.
import { createColumnHelper } from '@tanstack/react-table';
import { useEffect, useId, useMemo, useState, type ReactElement } from 'react';
import { useSession } from '../auth/use-session.ts';
import { DataTable } from '../common/DataTable.tsx';
import { formatDate } from '../common/format.ts';
import { Link, navigate } from '../common/router.tsx';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection } from '../common/use-graphql.ts';
import type { RunSummary } from './documents/run-fields.ts';
import { TRAINING_RUNS_QUERY, type RunFilter } from './documents/training-runs.query.ts';
import { TRAINING_MODELS_QUERY } from './documents/training-models.query.ts';
import { FINISHED, formatLoss, formatRunDuration, runSeconds, StatusBadge, statusLabel } from './run-format.tsx';

export function runName(run: { id: string; model: { name: string } | null }): string {
  return `${run.model?.name ?? 'run'} · ${run.id.slice(0, 8)}`;
}

const STATUSES: Array<RunSummary['status']> = ['QUEUED', 'IN_PROGRESS', 'PAUSED', 'COMPLETED', 'FAILED', 'CANCELLED'];

export function RunsPage(): ReactElement {
  const session = useSession();
  const ids = { status: useId(), model: useId(), mine: useId() };
  const [status, setStatus] = useState('');
  const [modelId, setModelId] = useState('');
  const [mine, setMine] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const filter: RunFilter = {};
  if (status) filter.status = status as RunSummary['status'];
  if (modelId) filter.modelId = modelId;
  if (mine && session) filter.ownerId = session.user.id;
  const runs = useConnection(TRAINING_RUNS_QUERY, { filter }, (d) => d.trainingRuns);
  const models = useConnection(TRAINING_MODELS_QUERY, {}, (d) => d.models);
  const nodes = runs.nodes;
  // While a run is active the list refreshes itself; the last complete list stays until the new one is in.
  const active = (nodes ?? []).some((r) => !FINISHED.includes(r.status));
  const { reload } = runs;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(reload, 3000);
    return () => clearInterval(timer);
  }, [active, reload]);

  const toggle = (id: string, on: boolean): void => setSelected((s) => (on ? [...s.filter((x) => x !== id), id] : s.filter((x) => x !== id)));
  const columns = useMemo(() => {
    const column = createColumnHelper<RunSummary>();
    return [
      column.display({
        id: 'select',
        header: () => <span className="sr-only">Compare</span>,
        cell: (c) => <input type="checkbox" aria-label={`Compare ${runName(c.row.original)}`} checked={selected.includes(c.row.original.id)} onChange={(e) => toggle(c.row.original.id, e.target.checked)} />,
      }),
      column.accessor((r) => runName(r), { id: 'run', header: 'Run', cell: (c) => <Link to={`/runs/${c.row.original.id}`}>{c.getValue()}</Link> }),
      column.accessor((r) => statusLabel(r.status), { id: 'status', header: 'Status', cell: (c) => <StatusBadge status={c.row.original.status} /> }),
      column.accessor((r) => (r.maxSteps ? r.step / r.maxSteps : 0), {
        id: 'progress',
        header: 'Progress',
        cell: (c) => (
          <span className="progress-cell">
            <progress max={c.row.original.maxSteps || 1} value={c.row.original.step} aria-label={`Progress of ${runName(c.row.original)}`} /> {c.row.original.progress}
          </span>
        ),
      }),
      column.accessor((r) => r.bestValLoss ?? r.lastLoss ?? Infinity, {
        id: 'loss',
        header: 'Best loss',
        cell: (c) => (c.row.original.bestValLoss !== null ? `${formatLoss(c.row.original.bestValLoss)} (val)` : c.row.original.lastLoss !== null ? `${formatLoss(c.row.original.lastLoss)} (last)` : '—'),
      }),
      column.accessor((r) => runSeconds(r) ?? -1, { id: 'duration', header: 'Duration', cell: (c) => formatRunDuration(c.row.original) }),
      column.accessor((r) => r.owner?.email ?? '', { id: 'owner', header: 'Owner' }),
      column.accessor('createdAt', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
    ];
  }, [selected]);

  return (
    <>
      <div className="page-header">
        <h2 id="page-title">Runs</h2>
        {session?.user.role !== 'VIEWER' && (
          <Link to="/training" className="button button-primary">
            New run
          </Link>
        )}
      </div>
      <section className="panel" aria-labelledby="page-title">
        <div className="inline-form" role="group" aria-label="Filter runs on the server">
          <label htmlFor={ids.status}>Status</label>
          <select id={ids.status} className="input" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
          <label htmlFor={ids.model}>Model</label>
          <select id={ids.model} className="input" value={modelId} onChange={(e) => setModelId(e.target.value)}>
            <option value="">Any</option>
            {(models.nodes ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
          <label className="check" htmlFor={ids.mine}>
            <input id={ids.mine} type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} /> Mine only
          </label>
          <button type="button" className="button" disabled={selected.length < 2} onClick={() => navigate(`/runs/compare?ids=${selected.join(',')}`)}>
            Compare {selected.length} selected
          </button>
        </div>
        {runs.error && (
          <p role="alert" className="error-text">
            {runs.error}
          </p>
        )}
        <PartialListNotice list={models} noun="models to filter by" />
        <PartialListNotice list={runs} noun="runs" />
        {!nodes && runs.loading ? <p role="status">Loading runs…</p> : <DataTable caption="Training runs" data={nodes ?? []} columns={columns} filterLabel="Filter runs" empty="No runs yet." pageSize={25} />}
      </section>
    </>
  );
}
