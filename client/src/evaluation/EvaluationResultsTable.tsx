// Evaluations side by side: one row per evaluation (model version), one column per metric.
import type { ReactElement } from 'react';
import { formatDate } from '../common/format.ts';
import type { EvaluationRow } from './documents/evaluations.query.ts';

export function formatMetric(value: number | null): string {
  if (value === null) return '—';
  return Math.abs(value) >= 1000 ? value.toFixed(0) : Math.abs(value) >= 1 ? value.toFixed(3) : value.toPrecision(3);
}

export function EvaluationResultsTable({ caption, rows }: { caption: string; rows: EvaluationRow[] }): ReactElement {
  const metrics = [...new Set(rows.flatMap((r) => r.results.map((m) => m.name)))];
  return (
    <div className="table-scroll" role="region" aria-label={`${caption} (scrolls)`} tabIndex={0}>
      <table data-testid="evaluation-results">
        <caption className="sr-only">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Model version</th>
            {metrics.map((m) => (
              <th scope="col" key={m}>
                {m}
              </th>
            ))}
            <th scope="col">Tokens scored</th>
            <th scope="col">Examples</th>
            <th scope="col">Took</th>
            <th scope="col">When</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id}>
              <th scope="row">
                {r.modelVersion?.model?.name ?? 'model'} v{r.modelVersion?.version ?? '?'}
              </th>
              {metrics.map((m) => {
                const result = r.results.find((x) => x.name === m);
                return (
                  <td key={m} title={result?.error ?? undefined}>
                    {result ? (result.error ? `— (${result.error})` : formatMetric(result.value)) : ''}
                  </td>
                );
              })}
              <td>{r.scoredTokens}</td>
              <td>{r.examples}</td>
              <td>{(r.durationMs / 1000).toFixed(1)} s</td>
              <td>{formatDate(r.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
