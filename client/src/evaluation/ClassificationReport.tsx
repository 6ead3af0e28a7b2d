// A classifier's evaluation: per-label precision, recall, F1 and support, and the confusion matrix
// as a table (rows: true label, columns: predicted label) whose cells show counts and the share of
// their row, shaded by that share. The scroll regions take keyboard focus, so wide matrices scroll
// with the arrow keys.
import type { CSSProperties, ReactElement } from 'react';
import type { ClassificationRow } from './documents/evaluations.query.ts';
import { formatMetric } from './EvaluationResultsTable.tsx';

/** Row-normalised shares: each count over its row's total (0 for an empty row). */
export function rowShares(confusion: number[][]): number[][] {
  return confusion.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((count) => (total === 0 ? 0 : count / total));
  });
}

const percent = (share: number): string => `${Math.round(share * 100)}%`;

// A tint light enough that the theme's primary text keeps its contrast on it (at least 6.5:1 on
// every surface of both themes at the darkest shade).
function shade(share: number): CSSProperties {
  return share > 0 ? { backgroundColor: `rgba(59, 130, 246, ${(0.06 + 0.34 * share).toFixed(3)})` } : {};
}

export function ClassificationReport({ title, report }: { title: string; report: ClassificationRow }): ReactElement {
  const shares = rowShares(report.confusion);
  return (
    <section className="panel" aria-label={`Classification report: ${title}`} data-testid="classification-report">
      <h3>Per-label scores: {title}</h3>
      <p>
        Accuracy {formatMetric(report.accuracy)}, macro-F1 {formatMetric(report.macroF1)} over {report.examples} held-out examples.
      </p>
      <div className="table-scroll" role="region" aria-label={`Per-label scores of ${title} (scrolls)`} tabIndex={0}>
        <table data-testid="per-label-table">
          <caption>Per-label precision, recall and F1</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Precision</th>
              <th scope="col">Recall</th>
              <th scope="col">F1</th>
              <th scope="col">Support</th>
              <th scope="col">Predicted</th>
            </tr>
          </thead>
          <tbody>
            {report.perLabel.map((l) => (
              <tr key={l.label}>
                <th scope="row">{l.label}</th>
                <td>{formatMetric(l.precision)}</td>
                <td>{formatMetric(l.recall)}</td>
                <td>{formatMetric(l.f1)}</td>
                <td>{l.support}</td>
                <td>{l.predicted}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-scroll" role="region" aria-label={`Confusion matrix of ${title} (scrolls)`} tabIndex={0}>
        <table data-testid="confusion-matrix">
          <caption>Confusion matrix: rows are true labels, columns predicted labels; each cell shows its count and its share of the row</caption>
          <thead>
            <tr>
              <td />
              {report.labels.map((label) => (
                <th scope="col" key={label}>
                  <span className="sr-only">predicted </span>
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {report.labels.map((truth, t) => (
              <tr key={truth}>
                <th scope="row">
                  <span className="sr-only">true </span>
                  {truth}
                </th>
                {report.labels.map((predicted, p) => (
                  <td key={predicted} style={shade(shares[t]![p]!)} data-share={shares[t]![p]!.toFixed(3)}>
                    {t === p ? <strong>{report.confusion[t]![p]}</strong> : report.confusion[t]![p]}
                    {/* primary text: the muted colour falls below 4.5:1 on the darkest shade */}
                    <small> {percent(shares[t]![p]!)}</small>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
