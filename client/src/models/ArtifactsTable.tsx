// The artifacts of one model version: format, options, size, the parity figure against its
// tolerance, when, downloads as zip or tar.gz (fetched with the session's credentials), and delete
// for the model's owner, the artifact's creator or an admin.
import { createColumnHelper } from '@tanstack/react-table';
import { useEffect, useState, type ReactElement } from 'react';
import { authFetch } from '../auth/session.ts';
import { useSession } from '../auth/use-session.ts';
import { ConfirmButton } from '../common/ConfirmButton.tsx';
import { DataTable } from '../common/DataTable.tsx';
import { formatBytes, formatDate } from '../common/format.ts';
import { useMutation, useQuery } from '../common/use-graphql.ts';
import { DELETE_MODEL_ARTIFACT_MUTATION } from './documents/delete-model-artifact.mutation.ts';
import { type ArtifactRow, MODEL_ARTIFACTS_QUERY } from './documents/model-artifacts.query.ts';

export const FORMAT_LABELS: Record<ArtifactRow['format'], string> = { HUGGING_FACE: 'Hugging Face', PYTORCH: 'PyTorch', TORCHSCRIPT: 'TorchScript', ONNX: 'ONNX' };

/** Fetches an archive with the session's token and hands it to the browser as a download. */
async function downloadArchive(artifact: ArtifactRow, archive: 'zip' | 'tar.gz'): Promise<void> {
  const response = await authFetch(`${artifact.downloadPath}?archive=${archive}`);
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(body?.error?.message ?? `download failed (HTTP ${response.status})`);
  }
  const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? `artifact-${artifact.id}.${archive}`;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The artifacts of a version; a change of `reloadKey` (e.g. an export that finished) reads them again. */
export function ArtifactsTable({ versionId, reloadKey = 0 }: { versionId: string; reloadKey?: number }): ReactElement {
  const { data, error, loading, reload } = useQuery(MODEL_ARTIFACTS_QUERY, { versionId });
  // A finished export elsewhere on the page bumps reloadKey.
  useEffect(() => {
    if (reloadKey) reload();
  }, [reloadKey, reload]);
  const remove = useMutation(DELETE_MODEL_ARTIFACT_MUTATION);
  const session = useSession();
  const [downloadError, setDownloadError] = useState<string | null>(null);
  const [downloading, setDownloading] = useState<string | null>(null);
  const user = session?.user;
  const modelOwnerId = data?.modelVersion.model?.ownerId ?? null;
  const mayDelete = (a: ArtifactRow): boolean => user?.role === 'ADMIN' || (user?.role === 'DEVELOPER' && (user.id === modelOwnerId || user.id === a.createdBy));
  const column = createColumnHelper<ArtifactRow>();
  const columns = [
    column.accessor((a) => FORMAT_LABELS[a.format], { id: 'format', header: 'Format' }),
    column.accessor(
      (a) =>
        Object.entries(a.options)
          .map(([k, v]) => `${k} ${String(v)}`)
          .join(', '),
      { id: 'options', header: 'Options' },
    ),
    column.accessor('totalBytes', { header: 'Size', cell: (c) => formatBytes(c.getValue()) }),
    column.accessor((a) => a.parity.maxAbsDifference, {
      id: 'parity',
      header: 'Parity (max |Δ logit|)',
      cell: (c) => {
        const { maxAbsDifference, tolerance, runtime } = c.row.original.parity;
        return (
          <span title={`Checked by ${runtime}`}>
            {maxAbsDifference.toExponential(2)} ≤ {tolerance}
          </span>
        );
      },
    }),
    column.accessor('createdAt', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
    column.display({
      id: 'actions',
      header: 'Download',
      cell: (c) => {
        const a = c.row.original;
        if (a.status === 'MISSING') return <span className="error-text">files missing</span>;
        return (
          <span className="button-row">
            {(['zip', 'tar.gz'] as const).map((archive) => (
              <button
                key={archive}
                type="button"
                className="link-button"
                disabled={downloading !== null}
                aria-label={`Download the ${FORMAT_LABELS[a.format]} artifact as ${archive}`}
                onClick={() => {
                  setDownloadError(null);
                  setDownloading(`${a.id}.${archive}`);
                  downloadArchive(a, archive)
                    .catch((e: Error) => setDownloadError(e.message))
                    .finally(() => setDownloading(null));
                }}
              >
                {downloading === `${a.id}.${archive}` ? 'Downloading…' : archive}
              </button>
            ))}
            {mayDelete(a) && (
              <ConfirmButton
                label="Delete"
                confirmLabel={`Delete this ${FORMAT_LABELS[a.format]} artifact`}
                busy={remove.busy}
                onConfirm={async () => {
                  if (await remove.run({ id: a.id })) reload();
                }}
              />
            )}
          </span>
        );
      },
    }),
  ];
  return (
    <div data-testid="artifacts-table">
      {(error ?? remove.error ?? downloadError) && (
        <p role="alert" className="error-text">
          {error ?? remove.error ?? downloadError}
        </p>
      )}
      {!data ? (
        loading && <p role="status">Loading artifacts…</p>
      ) : (
        <DataTable caption="Artifacts of this version" data={data.modelArtifacts} columns={columns} pageSize={5} empty={<p className="muted">No exports yet.</p>} initialSorting={[{ id: 'createdAt', desc: true }]} />
      )}
    </div>
  );
}
