import type { ReactElement } from 'react';
import { formatCount } from '../common/format.ts';
import { GateBadge } from './GateBadge.tsx';
import type { ValidationReportData } from './documents/dataset.query.ts';

export function ValidationReport({ report }: { report: ValidationReportData }): ReactElement {
  return (
    <section className="panel" aria-labelledby="report-title" data-testid="validation-report">
      <div className="panel-header">
        <h3 id="report-title">Validation report</h3>
        <span data-testid="gate-overall">
          Gate: <GateBadge passed={report.gate.passed} />
        </span>
      </div>
      <div className="table-scroll">
        <table>
          <caption>Gate criteria</caption>
          <thead>
            <tr>
              <th scope="col">Criterion</th>
              <th scope="col">Result</th>
              <th scope="col">Value</th>
              <th scope="col">Threshold</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {report.gate.criteria.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>
                  <GateBadge passed={c.passed} />
                </td>
                <td>{Number.isInteger(c.value) ? c.value : c.value.toPrecision(4)}</td>
                <td>{c.threshold}</td>
                <td>{c.detail}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl className="facts">
        <dt>Rows</dt>
        <dd>
          {formatCount(report.rows)} read, {formatCount(report.usableRows)} usable, {report.badRowCount} bad, {report.duplicateRows} duplicates
        </dd>
        <dt>Split</dt>
        <dd>
          {formatCount(report.trainRecords)} train / {formatCount(report.validationRecords)} validation records
        </dd>
        <dt>Encoding errors</dt>
        <dd>{report.encodingErrors}</dd>
        <dt>Characters</dt>
        <dd>
          {formatCount(report.totalChars)} in all; per record min {report.charLength.min}, median {report.charLength.p50}, p95 {report.charLength.p95}, max {report.charLength.max}
        </dd>
        <dt>Tokens</dt>
        <dd>
          {formatCount(report.totalTokens)} in all; per record min {report.tokenLength.min}, median {report.tokenLength.p50}, p95 {report.tokenLength.p95}, max {report.tokenLength.max}
        </dd>
        <dt>Tokenization error rate</dt>
        <dd>{(report.tokenizationErrorRate * 100).toFixed(3)} %</dd>
        <dt>Mapped fields</dt>
        <dd>{report.mappedFields.length ? report.mappedFields.join(', ') : '—'}</dd>
      </dl>
      {report.fields.length > 0 && (
        <div className="table-scroll">
          <table>
            <caption>Fields</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Missing</th>
                <th scope="col">Empty</th>
              </tr>
            </thead>
            <tbody>
              {report.fields.map((f) => (
                <tr key={f.name}>
                  <th scope="row">{f.name}</th>
                  <td>{f.missing}</td>
                  <td>{f.empty}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report.labels && (
        <div className="table-scroll" role="region" aria-label="Labels (scrolls)" tabIndex={0}>
          <table data-testid="label-set">
            <caption>Labels ({report.labels.length})</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Records</th>
                <th scope="col">Train</th>
                <th scope="col">Validation</th>
              </tr>
            </thead>
            <tbody>
              {report.labels.map((l) => (
                <tr key={l.name}>
                  <th scope="row">{l.name}</th>
                  <td>{l.count}</td>
                  <td>{l.train}</td>
                  <td>{l.validation}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report.badRows.length > 0 && (
        <details>
          <summary>Bad rows ({report.badRowCount}; the first 100 are listed)</summary>
          <ul>
            {report.badRows.map((b, i) => (
              <li key={i}>
                <code>{b.location}</code>: {b.reason}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  );
}
