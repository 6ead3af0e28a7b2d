// Two versions side by side: their architecture and training settings (the differing ones
// marked, through the same config diff as the runs compare page) and their latest metrics.
import { useId, useMemo, useState, type ReactElement } from 'react';
import { formatDate } from '../common/format.ts';
import { Link } from '../common/router.tsx';
import { ConfigDiffRows } from '../training/ConfigDiffRows.tsx';
import { configDiff } from '../training/config-diff.ts';
import type { ComparedMetricValue, ComparedSide, ModelVersionComparison } from './documents/compare-model-versions.query.ts';
import { versionPath } from './VersionLineage.tsx';

const sideLabel = (side: ComparedSide): string => `${side.modelName} v${side.version.version}`;

/** Both sides' settings as one nested object per side: architecture.*, training.* (absent when not trained here). */
export function comparedSettings(side: ComparedSide): Record<string, unknown> {
  return side.trainingConfig ? { architecture: side.architecture, training: side.trainingConfig } : { architecture: side.architecture };
}

function formatMetric(metric: ComparedMetricValue | null): string {
  if (!metric) return 'not evaluated';
  if (metric.value === null) return `failed: ${metric.error ?? 'no value'}`;
  return String(Number(metric.value.toPrecision(6)));
}

export function VersionComparison({ comparison, modelId }: { comparison: ModelVersionComparison; modelId: string }): ReactElement {
  const onlyId = useId();
  const [onlyDiffs, setOnlyDiffs] = useState(true);
  const { a, b, metrics } = comparison;
  const diff = useMemo(() => configDiff([comparedSettings(a), comparedSettings(b)]), [a, b]);
  const rows = onlyDiffs ? diff.filter((d) => d.differs) : diff;
  const datasets = new Set(metrics.flatMap((m) => [m.a?.datasetVersionId, m.b?.datasetVersionId]).filter(Boolean));
  const heading = (side: ComparedSide): ReactElement => <Link to={versionPath(modelId, side.version.version)}>{sideLabel(side)}</Link>;
  return (
    <div data-testid="version-comparison">
      <h4 id="compare-settings-title">Settings</h4>
      <label className="check" htmlFor={onlyId}>
        <input id={onlyId} type="checkbox" checked={onlyDiffs} onChange={(e) => setOnlyDiffs(e.target.checked)} /> Only the settings that differ
      </label>
      <div className="table-scroll">
        <table data-testid="version-config-diff" aria-labelledby="compare-settings-title">
          <thead>
            <tr>
              <th scope="col">Setting</th>
              <th scope="col">{heading(a)}</th>
              <th scope="col">{heading(b)}</th>
            </tr>
          </thead>
          <ConfigDiffRows rows={rows} sides={2} emptyText="The settings are the same." />
        </table>
      </div>
      {(!a.trainingConfig || !b.trainingConfig) && <p className="muted">A version that was not trained here has no training settings (shown as —).</p>}
      <h4 id="compare-metrics-title">Evaluation metrics</h4>
      {metrics.length === 0 ? (
        <p className="muted">Neither version has been evaluated yet.</p>
      ) : (
        <>
          <div className="table-scroll">
            <table data-testid="version-metrics" aria-labelledby="compare-metrics-title">
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col">{heading(a)}</th>
                  <th scope="col">{heading(b)}</th>
                </tr>
              </thead>
              <tbody>
                {metrics.map((m) => (
                  <tr key={m.name}>
                    <th scope="row">{m.name}</th>
                    {[m.a, m.b].map((value, i) => (
                      <td key={i} title={value ? `evaluated ${formatDate(value.evaluatedAt)} on dataset version ${value.datasetVersionId}` : undefined}>
                        {formatMetric(value)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="muted">The latest result of each metric per version{datasets.size > 1 ? `, from ${datasets.size} different dataset versions: compare with care` : ', on the same dataset version'}.</p>
        </>
      )}
    </div>
  );
}
