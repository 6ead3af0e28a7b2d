// Where a version came from: the version it was trained from, the run and the dataset version,
// each a link to its page.
import type { ReactElement } from 'react';
import { Link } from '../common/router.tsx';
import { StatusBadge } from '../training/run-format.tsx';
import type { VersionLineage as Lineage } from './documents/model-version.query.ts';

export function versionPath(modelId: string, version: number): string {
  return `/models/${encodeURIComponent(modelId)}/versions/${version}`;
}

export function VersionLineage({ lineage }: { lineage: Lineage }): ReactElement {
  const { parent, run, datasetVersion, imported } = lineage;
  return (
    <dl className="facts" data-testid="version-lineage">
      {imported && (
        <>
          <dt>Imported</dt>
          <dd data-testid="version-import">
            {imported.source}
            {imported.addedTokens.length > 0 && <div className="hint">{`Added special tokens: ${imported.addedTokens.join(', ')}`}</div>}
            {imported.note && <div className="hint">{imported.note}</div>}
          </dd>
        </>
      )}
      <dt>Trained from</dt>
      <dd>{parent ? <Link to={versionPath(parent.modelId, parent.version)}>{`${parent.modelName} v${parent.version}`}</Link> : 'a fresh initialization (no parent version)'}</dd>
      <dt>Training run</dt>
      <dd>
        {run ? (
          <>
            <Link to={`/runs/${encodeURIComponent(run.id)}`}>{run.name}</Link> <StatusBadge status={run.status} />
          </>
        ) : imported ? (
          'not trained here (imported)'
        ) : (
          'not trained here (registered by hand)'
        )}
      </dd>
      <dt>Dataset version</dt>
      <dd>{datasetVersion ? <Link to={`/datasets/${encodeURIComponent(datasetVersion.datasetId)}`}>{`${datasetVersion.datasetName} v${datasetVersion.version}`}</Link> : '—'}</dd>
    </dl>
  );
}
