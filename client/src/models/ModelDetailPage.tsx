import { Fragment, type ReactElement } from 'react';
import { formatCount, formatDate } from '../common/format.ts';
import { JsonView } from '../common/JsonView.tsx';
import { useSession } from '../auth/use-session.ts';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { Link, navigate } from '../common/router.tsx';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation, useQuery } from '../common/use-graphql.ts';
import { DELETE_MODEL_MUTATION } from './documents/delete-model.mutation.ts';
import { MODEL_QUERY } from './documents/model.query.ts';
import { MODEL_VERSIONS_QUERY } from './documents/model-versions.query.ts';
import { RegisterVersionForm } from './RegisterVersionForm.tsx';
import { versionPath } from './VersionLineage.tsx';

export function ModelDetailPage({ id }: { id: string }): ReactElement {
  const { data, error, loading } = useQuery(MODEL_QUERY, { id });
  const versions = useConnection(MODEL_VERSIONS_QUERY, { id }, (d) => d.model.versions);
  const session = useSession();
  const remove = useMutation(DELETE_MODEL_MUTATION);
  if (loading && !data) return <p role="status">Loading the model…</p>;
  const model = data?.model;
  if (error || !model)
    return (
      <p role="alert" className="error-text">
        {error ?? 'No such model.'} <Link to="/models">Back to models</Link>
      </p>
    );
  const a = model.architecture;
  const canChange = session?.user.role === 'ADMIN' || (session?.user.role === 'DEVELOPER' && model.ownerId === session.user.id);
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/models">Models</Link> / <span aria-current="page">{model.name}</span>
      </nav>
      <div className="page-header">
        <h2 id="page-title">{model.name}</h2>
        {canChange && (
          <ConfirmButton
            label="Delete model"
            confirmLabel={`Delete ${model.name} and its versions`}
            busy={remove.busy}
            onConfirm={async () => {
              if (await remove.run({ id: model.id })) navigate('/models');
            }}
          />
        )}
      </div>
      {remove.error && (
        <p role="alert" className="error-text">
          {remove.error}
        </p>
      )}
      {model.description && <p>{model.description}</p>}
      <div className="two-columns">
        <section className="panel" aria-labelledby="arch-title">
          <h3 id="arch-title">Architecture</h3>
          <dl className="facts" data-testid="model-architecture">
            <dt>Task</dt>
            <dd>{model.task === 'CLASSIFICATION' ? `classification (${model.labels?.length ?? 0} labels: ${model.labels?.join(', ') ?? ''})` : 'language model'}</dd>
            <dt>Preset</dt>
            <dd>{model.preset ?? 'custom'}</dd>
            <dt>Layers</dt>
            <dd>{a.layers}</dd>
            <dt>Heads</dt>
            <dd>{a.heads}</dd>
            <dt>Width</dt>
            <dd>{a.embeddingWidth}</dd>
            <dt>Context</dt>
            <dd>{a.contextLength} tokens</dd>
            <dt>Vocabulary</dt>
            <dd>{a.vocabSize}</dd>
            <dt>Dropout</dt>
            <dd>{a.dropout}</dd>
            <dt>Bias</dt>
            <dd>{a.bias ? 'yes' : 'no'}</dd>
            <dt>Parameters</dt>
            <dd>{formatCount(a.parameterCount)}</dd>
          </dl>
        </section>
        <section className="panel" aria-labelledby="tok-title">
          <h3 id="tok-title">Tokenizer</h3>
          <dl className="facts">
            <dt>Tokenizer</dt>
            <dd>{model.tokenizerId ? <code>{model.tokenizerId}</code> : 'not chosen yet'}</dd>
            <dt>Owner</dt>
            <dd>{model.owner?.email ?? '—'}</dd>
            <dt>Created</dt>
            <dd>{formatDate(model.createdAt)}</dd>
          </dl>
          <JsonView value={model.specialTokens} label="Special tokens" />
        </section>
      </div>
      <section className="panel" aria-labelledby="mv-title">
        <h3 id="mv-title">Versions and lineage</h3>
        {versions.error && (
          <p role="alert" className="error-text">
            {versions.error}
          </p>
        )}
        <PartialListNotice list={versions} noun="versions" />
        {!versions.nodes ? (
          versions.loading && <p role="status">Loading versions…</p>
        ) : versions.nodes.length === 0 ? (
          <p className="muted">No versions yet: a version is created when a training run saves weights.</p>
        ) : (
          <div className="table-scroll">
            <table>
              <caption className="sr-only">Versions of {model.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Parent</th>
                  <th scope="col">Dataset version</th>
                  <th scope="col">Run</th>
                  <th scope="col">Created by</th>
                  <th scope="col">Created</th>
                  <th scope="col">Notes</th>
                  <th scope="col">Tags</th>
                </tr>
              </thead>
              <tbody>
                {versions.nodes.map((v) => (
                  <tr key={v.id}>
                    <th scope="row">
                      <Link to={versionPath(model.id, v.version)}>v{v.version}</Link>
                    </th>
                    <td>{v.parent ? (v.parent.modelId === model.id ? `v${v.parent.version}` : `${v.parent.model?.name ?? 'another model'} v${v.parent.version}`) : '—'}</td>
                    <td>{v.datasetVersionId ? <code>{v.datasetVersionId.slice(0, 8)}</code> : '—'}</td>
                    <td>{v.runId ? <code>{v.runId.slice(0, 8)}</code> : '—'}</td>
                    <td>{v.createdByUser?.email ?? '—'}</td>
                    <td>{formatDate(v.createdAt)}</td>
                    <td>{v.notes ?? ''}</td>
                    <td>
                      {v.tags.map((t) => (
                        <Fragment key={t.tag}>
                          <span className="badge">{t.tag}</span>{' '}
                        </Fragment>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {canChange && <RegisterVersionForm modelId={model.id} versions={versions.nodes ?? []} onCreated={versions.reload} />}
      </section>
    </>
  );
}
