import { useId, useState, type ReactElement } from 'react';
import { formatDate } from '../common/format.ts';
import { useQuery } from '../common/use-graphql.ts';
import { AUDIT_LOG_QUERY, type AuditFilter } from './documents/audit-log.query.ts';

const PAGE = 25;

export function AuditLogPanel(): ReactElement {
  const [draft, setDraft] = useState({ actionPrefix: '', outcome: '', targetType: '', since: '', until: '' });
  const [filter, setFilter] = useState<AuditFilter>({});
  const [cursors, setCursors] = useState<Array<string | null>>([null]);
  const after = cursors[cursors.length - 1] ?? null;
  const { data, error, loading } = useQuery(AUDIT_LOG_QUERY, { filter, first: PAGE, after });
  const ids = { action: useId(), outcome: useId(), target: useId(), since: useId(), until: useId() };
  const apply = (): void => {
    const next: AuditFilter = {};
    if (draft.actionPrefix) next.actionPrefix = draft.actionPrefix;
    if (draft.outcome) next.outcome = draft.outcome;
    if (draft.targetType) next.targetType = draft.targetType;
    if (draft.since) next.since = new Date(draft.since).toISOString();
    if (draft.until) next.until = new Date(draft.until).toISOString();
    setFilter(next);
    setCursors([null]);
  };
  const log = data?.auditLog;
  return (
    <section className="panel" aria-labelledby="audit-title">
      <h3 id="audit-title">Audit log</h3>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          apply();
        }}
      >
        <label htmlFor={ids.action}>Action starts with</label>
        <input id={ids.action} className="input" placeholder="auth." value={draft.actionPrefix} onChange={(e) => setDraft({ ...draft, actionPrefix: e.target.value })} />
        <label htmlFor={ids.outcome}>Outcome</label>
        <select id={ids.outcome} className="input" value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}>
          <option value="">Any</option>
          <option value="SUCCESS">Success</option>
          <option value="FAILURE">Failure</option>
        </select>
        <label htmlFor={ids.target}>Target type</label>
        <select id={ids.target} className="input" value={draft.targetType} onChange={(e) => setDraft({ ...draft, targetType: e.target.value })}>
          <option value="">Any</option>
          {['User', 'ApiKey', 'Model', 'Dataset', 'DatasetVersion', 'ModelVersion'].map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
        <label htmlFor={ids.since}>Since</label>
        <input id={ids.since} className="input" type="datetime-local" value={draft.since} onChange={(e) => setDraft({ ...draft, since: e.target.value })} />
        <label htmlFor={ids.until}>Until</label>
        <input id={ids.until} className="input" type="datetime-local" value={draft.until} onChange={(e) => setDraft({ ...draft, until: e.target.value })} />
        <button type="submit" className="button button-primary">
          Apply filters
        </button>
      </form>
      {error && (
        <p role="alert" className="error-text">
          {error}
        </p>
      )}
      <div className="table-scroll">
        <table aria-busy={loading}>
          <caption className="sr-only">Audit log entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Actor</th>
              <th scope="col">Target</th>
              <th scope="col">Address</th>
            </tr>
          </thead>
          <tbody>
            {(log?.nodes ?? []).map((row) => (
              <tr key={row.id}>
                <td>{formatDate(row.at)}</td>
                <td>
                  <code>{row.action}</code>
                </td>
                <td>
                  <span className={`badge ${row.outcome === 'SUCCESS' ? 'badge-ok' : 'badge-bad'}`}>{row.outcome === 'SUCCESS' ? '✓ Success' : '✕ Failure'}</span>
                </td>
                <td>
                  {row.actorEmail ?? '—'} <span className="muted">({row.actorKind})</span>
                </td>
                <td>{row.targetType ? `${row.targetType} ${row.targetId?.slice(0, 8) ?? ''}` : '—'}</td>
                <td>{row.ip ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Audit log pages">
        <button type="button" className="button" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
          Newer
        </button>
        <span aria-live="polite">
          Page {cursors.length} — {log?.totalCount ?? 0} entries match
        </span>
        <button type="button" className="button" disabled={!log?.pageInfo.hasNextPage} onClick={() => setCursors((c) => [...c, log?.pageInfo.endCursor ?? null])}>
          Older
        </button>
      </nav>
    </section>
  );
}
