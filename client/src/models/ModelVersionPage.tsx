// One version of a model: its tags (owners add and remove them), where it came from (lineage),
// and a comparison with another version of the model (?compare=N keeps it in the address).
import { useId, useState, type FormEvent, type ReactElement } from 'react';
import { useSession } from '../auth/use-session.ts';
import { formatDate } from '../common/format.ts';
import { Link, navigate, useLocation } from '../common/router.tsx';
import { useConnection, useMutation, useQuery } from '../common/use-graphql.ts';
import { COMPARE_MODEL_VERSIONS_QUERY } from './documents/compare-model-versions.query.ts';
import { MODEL_VERSION_QUERY } from './documents/model-version.query.ts';
import { MODEL_VERSIONS_QUERY } from './documents/model-versions.query.ts';
import { TAG_MODEL_VERSION_MUTATION } from './documents/tag-model-version.mutation.ts';
import { UNTAG_MODEL_VERSION_MUTATION } from './documents/untag-model-version.mutation.ts';
import { VersionComparison } from './VersionComparison.tsx';
import { VersionLineage, versionPath } from './VersionLineage.tsx';
import { VersionTags } from './VersionTags.tsx';

export function ModelVersionPage({ modelId, version }: { modelId: string; version: number }): ReactElement {
  const { data, error, loading, reload } = useQuery(MODEL_VERSION_QUERY, { modelId, version }, { pause: !Number.isInteger(version) });
  const versions = useConnection(MODEL_VERSIONS_QUERY, { id: modelId }, (d) => d.model.versions);
  const session = useSession();
  const tag = useMutation(TAG_MODEL_VERSION_MUTATION);
  const untag = useMutation(UNTAG_MODEL_VERSION_MUTATION);
  // The tags as the last change left them, until the page reloads the version.
  const [changedTags, setChangedTags] = useState<string[] | null>(null);
  const { search } = useLocation();
  const compareWith = Number(search.get('compare'));
  const pickerId = useId();
  const [picked, setPicked] = useState(search.get('compare') ?? '');

  const current = data?.modelVersions.nodes[0];
  const other = versions.nodes?.find((v) => v.version === compareWith && v.version !== version);
  const comparison = useQuery(COMPARE_MODEL_VERSIONS_QUERY, { a: current?.id ?? '', b: other?.id ?? '' }, { pause: !current || !other });

  if (!Number.isInteger(version))
    return (
      <p role="alert" className="error-text">
        No such version. <Link to={`/models/${encodeURIComponent(modelId)}`}>Back to the model</Link>
      </p>
    );
  if (loading && !data) return <p role="status">Loading the version…</p>;
  const model = data?.model;
  if (error || !model || !current)
    return (
      <p role="alert" className="error-text">
        {error ?? `${model?.name ?? 'This model'} has no version ${version}.`} <Link to={model ? `/models/${encodeURIComponent(model.id)}` : '/models'}>Back to {model ? model.name : 'models'}</Link>
      </p>
    );

  const canChange = session?.user.role === 'ADMIN' || (session?.user.role === 'DEVELOPER' && model.ownerId === session.user.id);
  const tags = changedTags ?? current.tags.map((t) => t.tag);
  const others = (versions.nodes ?? []).filter((v) => v.version !== version);
  const applyTags = (result: { tags: Array<{ tag: string }> } | undefined): void => {
    if (!result) return;
    setChangedTags(result.tags.map((t) => t.tag));
    reload();
  };
  const openComparison = (event: FormEvent): void => {
    event.preventDefault();
    if (picked) navigate(`${versionPath(model.id, version)}?compare=${picked}`);
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/models">Models</Link> / <Link to={`/models/${encodeURIComponent(model.id)}`}>{model.name}</Link> / <span aria-current="page">v{current.version}</span>
      </nav>
      <div className="page-header">
        <h2 id="page-title">
          {model.name} v{current.version}
        </h2>
      </div>
      <section className="panel" aria-labelledby="tags-title">
        <h3 id="tags-title">Tags</h3>
        <VersionTags
          tags={tags}
          canChange={canChange}
          busy={tag.busy || untag.busy}
          error={tag.error ?? untag.error}
          onAdd={async (name) => {
            untag.reset();
            const result = await tag.run({ versionId: current.id, tag: name });
            applyTags(result?.tagModelVersion);
            return result !== null;
          }}
          onRemove={(name) => {
            tag.reset();
            void untag.run({ versionId: current.id, tag: name }).then((result) => applyTags(result?.untagModelVersion));
          }}
        />
      </section>
      <div className="two-columns">
        <section className="panel" aria-labelledby="lineage-title">
          <h3 id="lineage-title">Lineage</h3>
          <VersionLineage lineage={current.lineage} />
        </section>
        <section className="panel" aria-labelledby="version-facts-title">
          <h3 id="version-facts-title">Version</h3>
          <dl className="facts">
            <dt>Created</dt>
            <dd>{formatDate(current.createdAt)}</dd>
            <dt>Created by</dt>
            <dd>{current.createdByUser?.email ?? '—'}</dd>
            <dt>Weights</dt>
            <dd>{current.checkpointPath ? <code>{current.checkpointPath}</code> : 'none registered'}</dd>
            <dt>Notes</dt>
            <dd>{current.notes ?? '—'}</dd>
          </dl>
        </section>
      </div>
      {/* Artifacts: the export work mounts <ArtifactsTable versionId={current.id} /> here (issue 12). */}
      {/* Export: the export work mounts <ExportPanel versionId={current.id} /> here (issue 12). */}
      <section className="panel" aria-labelledby="compare-title">
        <h3 id="compare-title">Compare</h3>
        {others.length === 0 ? (
          <p className="muted">This is the model’s only version.</p>
        ) : (
          <form className="inline-form" onSubmit={openComparison}>
            <label htmlFor={pickerId}>Compare with</label>
            <select id={pickerId} className="input" value={picked} onChange={(e) => setPicked(e.target.value)}>
              <option value="">Choose a version</option>
              {others.map((v) => (
                <option key={v.id} value={v.version}>
                  v{v.version}
                </option>
              ))}
            </select>
            <button type="submit" className="button" disabled={!picked}>
              Compare
            </button>
            {other && (
              <button type="button" className="link-button" onClick={() => navigate(versionPath(model.id, version))}>
                Close the comparison
              </button>
            )}
          </form>
        )}
        {search.has('compare') && versions.nodes && !other && (
          <p role="alert" className="error-text">
            {model.name} has no other version {search.get('compare')} to compare with.
          </p>
        )}
        {comparison.error && (
          <p role="alert" className="error-text">
            {comparison.error}
          </p>
        )}
        {other && !comparison.data && comparison.loading && (
          <p role="status">
            Comparing v{current.version} with v{other.version}…
          </p>
        )}
        {other && comparison.data?.compareModelVersions.b.version.id === other.id && <VersionComparison comparison={comparison.data.compareModelVersions} modelId={model.id} />}
      </section>
    </>
  );
}
