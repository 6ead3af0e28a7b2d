import { createColumnHelper } from '@tanstack/react-table';
import { useState, type ReactElement } from 'react';
import { useSession } from '../auth/use-session.ts';
import { DataTable } from '../common/DataTable.tsx';
import { formatBytes, formatCount, formatDate } from '../common/format.ts';
import { Link, navigate } from '../common/router.tsx';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection } from '../common/use-graphql.ts';
import { GateBadge } from './GateBadge.tsx';
import { DATASETS_QUERY, type DatasetRow } from './documents/datasets.query.ts';
import { UploadDataset } from './UploadDataset.tsx';

const column = createColumnHelper<DatasetRow>();
const columns = [
  column.accessor('name', { header: 'Name', cell: (c) => <Link to={`/datasets/${c.row.original.id}`}>{c.getValue()}</Link> }),
  column.accessor((d) => d.latestVersion?.format ?? '', { id: 'format', header: 'Format' }),
  column.accessor((d) => d.versions.length, { id: 'versions', header: 'Versions' }),
  column.accessor((d) => d.latestVersion?.recordCount ?? 0, { id: 'records', header: 'Records', cell: (c) => formatCount(c.getValue()) }),
  column.accessor((d) => d.latestVersion?.trainTokens ?? 0, { id: 'tokens', header: 'Train tokens', cell: (c) => formatCount(c.getValue()) }),
  column.accessor((d) => d.latestVersion?.sourceBytes ?? 0, { id: 'size', header: 'Source size', cell: (c) => formatBytes(c.getValue()) }),
  column.accessor((d) => (d.latestVersion?.gatePassed ? 'PASS' : 'FAIL'), { id: 'gate', header: 'Gate', cell: (c) => <GateBadge passed={c.getValue() === 'PASS'} /> }),
  column.accessor((d) => d.owner?.email ?? '—', { id: 'owner', header: 'Owner' }),
  column.accessor('createdAt', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
];

export function DatasetsPage(): ReactElement {
  const session = useSession();
  const datasets = useConnection(DATASETS_QUERY, {}, (d) => d.datasets);
  const [showUpload, setShowUpload] = useState(false);
  const canCreate = session?.user.role !== 'VIEWER';
  return (
    <>
      <div className="page-header">
        <h2 id="page-title">Datasets</h2>
        {canCreate && (
          <button type="button" className="button button-primary" aria-expanded={showUpload} aria-controls="upload-panel" onClick={() => setShowUpload((v) => !v)}>
            {showUpload ? 'Close upload' : 'Upload a dataset'}
          </button>
        )}
      </div>
      {showUpload && (
        <div id="upload-panel">
          <UploadDataset onCreated={(id) => navigate(`/datasets/${id}`)} />
        </div>
      )}
      <section className="panel" aria-labelledby="page-title">
        {datasets.error && (
          <p role="alert" className="error-text">
            {datasets.error}
          </p>
        )}
        <PartialListNotice list={datasets} noun="datasets" />
        {datasets.loading && !datasets.nodes ? <p role="status">Loading datasets…</p> : <DataTable caption="Datasets" data={datasets.nodes ?? []} columns={columns} filterLabel="Filter datasets" empty="No datasets yet: upload one." />}
      </section>
    </>
  );
}
