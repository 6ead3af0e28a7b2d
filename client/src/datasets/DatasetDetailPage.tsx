import { useState, type ReactElement } from 'react';
import { useSession } from '../auth/use-session.ts';
import { formatBytes, formatCount, formatDate } from '../common/format.ts';
import { JsonView } from '../common/JsonView.tsx';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { Link, navigate } from '../common/router.tsx';
import { useMutation, useQuery } from '../common/use-graphql.ts';
import { DELETE_DATASET_MUTATION } from './documents/delete-dataset.mutation.ts';
import { GateBadge } from './GateBadge.tsx';
import { DATASET_QUERY } from './documents/dataset.query.ts';
import { PipelineEditor } from './PipelineEditor.tsx';
import { RecordsPreview } from './RecordsPreview.tsx';
import { ValidationReport } from './ValidationReport.tsx';

export function DatasetDetailPage({ id }: { id: string }): ReactElement {
  const session = useSession();
  const { data, error, loading, reload } = useQuery(DATASET_QUERY, { id });
  const [selected, setSelected] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const remove = useMutation(DELETE_DATASET_MUTATION);
  const dataset = data?.dataset;
  if (loading && !data) return <p role="status">Loading the dataset…</p>;
  if (error || !dataset)
    return (
      <p role="alert" className="error-text">
        {error ?? 'No such dataset.'} <Link to="/datasets">Back to datasets</Link>
      </p>
    );
  const versions = dataset.versions;
  const version = versions.find((v) => v.id === selected) ?? versions[versions.length - 1];
  const byId = new Map(versions.map((v) => [v.id, v]));
  const canChange = session?.user.role === 'ADMIN' || (session?.user.role === 'DEVELOPER' && dataset.ownerId === session.user.id);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/datasets">Datasets</Link> / <span aria-current="page">{dataset.name}</span>
      </nav>
      <div className="page-header">
        <h2 id="page-title">{dataset.name}</h2>
        {canChange && (
          <ConfirmButton
            label="Delete dataset"
            confirmLabel={`Delete ${dataset.name} and all its versions`}
            busy={remove.busy}
            onConfirm={async () => {
              if (await remove.run({ id: dataset.id })) navigate('/datasets');
            }}
          />
        )}
      </div>
      {remove.error && (
        <p role="alert" className="error-text">
          {remove.error}
        </p>
      )}
      <p className="muted">
        Owner: {dataset.owner?.email ?? 'unrecorded'}
        {dataset.description ? ` — ${dataset.description}` : ''}
      </p>
      <p role="status" aria-live="polite" data-testid="dataset-notice">
        {notice}
      </p>
      <section className="panel" aria-labelledby="versions-title">
        <h3 id="versions-title">Versions and lineage</h3>
        <div className="table-scroll">
          <table>
            <caption className="sr-only">Versions of {dataset.name}</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Derived from</th>
                <th scope="col">Source</th>
                <th scope="col">Records</th>
                <th scope="col">Train / validation tokens</th>
                <th scope="col">Vocabulary</th>
                <th scope="col">Gate</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => {
                const parent = v.parentVersionId ? byId.get(v.parentVersionId) : undefined;
                return (
                  <tr key={v.id} aria-current={v.id === version?.id ? 'true' : undefined} className={v.id === version?.id ? 'row-selected' : undefined}>
                    <th scope="row">
                      <button type="button" className="link-button" onClick={() => setSelected(v.id)} aria-pressed={v.id === version?.id}>
                        v{v.version}
                      </button>
                    </th>
                    <td>{parent ? `v${parent.version} → pipeline` : v.parentVersionId ? 'another dataset' : 'upload'}</td>
                    <td>
                      {v.sourceFilename} ({formatBytes(v.sourceBytes)}, {v.format})
                    </td>
                    <td>{formatCount(v.recordCount)}</td>
                    <td>
                      {formatCount(v.trainTokens)} / {formatCount(v.validationTokens)}
                    </td>
                    <td>{v.vocabSize}</td>
                    <td>
                      <GateBadge passed={v.gatePassed} />
                    </td>
                    <td>{formatDate(v.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
      {version && (
        <>
          <h3 className="section-title">Version {version.version}</h3>
          <ValidationReport report={version.report} />
          <RecordsPreview key={`records-${version.id}`} versionId={version.id} versionNumber={version.version} hasUpload={Boolean(version.sourceSha256)} />
          <section className="panel" aria-labelledby="config-title">
            <h3 id="config-title">Reader options and pipeline</h3>
            <p className="muted">
              Records SHA-256 <code>{version.recordsSha256.slice(0, 16)}…</code>
              {version.sourceSha256 ? (
                <>
                  , source SHA-256 <code>{version.sourceSha256.slice(0, 16)}…</code>
                </>
              ) : null}
            </p>
            <div className="two-columns">
              <JsonView value={version.sourceOptions} label="Reader options and column mapping" />
              <JsonView value={version.pipeline ?? null} label="Pipeline that produced this version" />
            </div>
          </section>
          {canChange && (
            <PipelineEditor
              key={version.id}
              versionId={version.id}
              versionNumber={version.version}
              onCreated={(newId, number) => {
                setNotice(`Created version ${number}; it is selected below.`);
                setSelected(newId);
                reload();
              }}
            />
          )}
        </>
      )}
    </>
  );
}
