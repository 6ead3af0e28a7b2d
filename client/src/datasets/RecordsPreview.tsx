// The records of a dataset version in a virtualized table: pages of 100 are fetched as the reader
// scrolls towards the end of what is loaded. Processed records (what trains, with their split) or,
// for a version made from an upload, the rows of the uploaded file with their fields.
import { useCallback, useEffect, useId, useRef, useState, type ReactElement } from 'react';
import { graphqlClient } from '../api/client.ts';
import { cleanMessage } from '../common/errors.ts';
import { formatExact } from '../common/format.ts';
import { VirtualTable, type VirtualColumn } from '../common/VirtualTable.tsx';
import { DATASET_RECORDS_QUERY, type DatasetRecordRow, type RecordSource } from './documents/dataset-records.query.ts';

const PAGE_SIZE = 100;

/** One line of text for a cell: line breaks shown as ↵. */
function oneLine(text: string): string {
  return text.replace(/\r\n|\r|\n/g, ' ↵ ');
}

interface Loaded {
  rows: DatasetRecordRow[];
  endCursor: string | null;
  hasNextPage: boolean;
  totalCount: number | null;
}

const EMPTY: Loaded = { rows: [], endCursor: null, hasNextPage: true, totalCount: null };

export function RecordsPreview({ versionId, versionNumber, hasUpload }: { versionId: string; versionNumber: number; hasUpload: boolean }): ReactElement {
  const [source, setSource] = useState<RecordSource>('PROCESSED');
  const [loaded, setLoaded] = useState<Loaded>(EMPTY);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const busy = useRef(false);
  // Answers for an earlier version or source are dropped.
  const generation = useRef(0);
  const name = useId();

  useEffect(() => {
    generation.current++;
    busy.current = false;
    // eslint-disable-next-line react-hooks/set-state-in-effect -- another version or source starts from an empty list
    setLoaded(EMPTY);
    setError(null);
    setLoading(false);
  }, [versionId, source]);
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- without an upload only the processed records exist
    if (!hasUpload) setSource('PROCESSED');
  }, [hasUpload]);

  const loadMore = useCallback(() => {
    if (busy.current || !loaded.hasNextPage || error) return;
    busy.current = true;
    setLoading(true);
    const mine = generation.current;
    void graphqlClient
      .query(DATASET_RECORDS_QUERY, { versionId, source, first: PAGE_SIZE, after: loaded.endCursor })
      .toPromise()
      .then((result) => {
        if (mine !== generation.current) return;
        busy.current = false;
        setLoading(false);
        const page = result.data?.datasetRecords;
        if (result.error || !page) {
          setError(cleanMessage(result.error?.message ?? 'The records could not be read.'));
          return;
        }
        setLoaded((before) => ({ rows: [...before.rows, ...page.nodes], endCursor: page.pageInfo.endCursor, hasNextPage: page.pageInfo.hasNextPage, totalCount: page.totalCount }));
      });
  }, [versionId, source, loaded.endCursor, loaded.hasNextPage, error]);

  // The first page comes without waiting for a scroll.
  useEffect(() => {
    if (loaded.rows.length === 0 && loaded.hasNextPage && !busy.current) loadMore();
  }, [loaded.rows.length, loaded.hasNextPage, loadMore]);

  const columns: Array<VirtualColumn<DatasetRecordRow>> = [
    { header: 'Record', width: '5.5rem', cell: (r) => formatExact(r.index + 1) },
    { header: 'Location', width: '13rem', cell: (r) => <span title={`${r.file}, ${r.location}`}>{`${r.file}, ${r.location}`}</span> },
    ...(source === 'PROCESSED'
      ? [{ header: 'Split', width: '7rem', cell: (r: DatasetRecordRow) => r.split ?? '—' }]
      : [{ header: 'Fields', width: '30%', cell: (r: DatasetRecordRow) => <span className="record-text">{oneLine(JSON.stringify(r.fields))}</span> }]),
    {
      header: 'Text',
      cell: (r) =>
        r.text === null ? (
          <span className="muted">no training text (a mapped field is missing or empty)</span>
        ) : (
          <span className="record-text" title={r.truncated ? 'Cut to 2,000 characters for the preview' : undefined}>
            {oneLine(r.text)}
            {r.truncated ? ' …(cut)' : ''}
          </span>
        ),
    },
  ];
  const total = loaded.totalCount;
  const summary = total === null ? 'Loading records…' : `${formatExact(loaded.rows.length)} of ${formatExact(total)} ${source === 'PROCESSED' ? 'records' : 'rows'} loaded${loading ? '; loading more…' : loaded.hasNextPage ? '; scroll for more' : ''}`;

  return (
    <section className="panel" aria-labelledby="records-title">
      <h3 id="records-title">Records of version {versionNumber}</h3>
      <div className="record-controls">
        {hasUpload && (
          <fieldset>
            <legend>Show</legend>
            <label className="check">
              <input type="radio" name={name} checked={source === 'PROCESSED'} onChange={() => setSource('PROCESSED')} /> Processed records (what trains)
            </label>
            <label className="check">
              <input type="radio" name={name} checked={source === 'UPLOADED'} onChange={() => setSource('UPLOADED')} /> Uploaded rows
            </label>
          </fieldset>
        )}
        <span role="status" aria-live="polite" data-testid="records-summary">
          {summary}
        </span>
      </div>
      {error ? (
        <p role="alert" className="error-text">
          {error}
        </p>
      ) : (
        <VirtualTable
          caption={`${source === 'PROCESSED' ? 'Processed records' : 'Uploaded rows'} of version ${versionNumber}`}
          rows={loaded.rows}
          totalRows={total ?? loaded.rows.length}
          columns={columns}
          rowKey={(r) => r.index}
          onNearEnd={loadMore}
          footer={loading ? 'Loading more…' : loaded.rows.length === 0 && total === 0 ? 'No records.' : null}
        />
      )}
    </section>
  );
}
