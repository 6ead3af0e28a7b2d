// The viewer's background jobs (exports, dataset builds, ...), newest first, kept current by the
// myJobUpdated subscription; running ones can be cancelled from here.
import { createColumnHelper } from '@tanstack/react-table';
import { useEffect, useId, useMemo, useState, type ReactElement } from 'react';
import { graphqlClient } from '../api/client.ts';
import { DataTable } from '../common/DataTable.tsx';
import { formatDate } from '../common/format.ts';
import { PartialListNotice } from '../common/PartialListNotice.tsx';
import { useConnection, useMutation } from '../common/use-graphql.ts';
import { CANCEL_JOB_MUTATION } from './documents/cancel-job.mutation.ts';
import type { JobStatus, JobView } from './documents/job-fields.ts';
import { type JobFilter, JOBS_QUERY } from './documents/jobs.query.ts';
import { MY_JOB_UPDATED_SUBSCRIPTION } from './documents/my-job-updated.subscription.ts';
import { JobProgressBar, JobStatusBadge, jobStatusLabel } from './JobProgress.tsx';
import { isJobFinished } from './use-job.ts';

const STATUSES: JobStatus[] = ['QUEUED', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'];

export function JobsPage(): ReactElement {
  const statusId = useId();
  const [status, setStatus] = useState('');
  const filter: JobFilter = status ? { statuses: [status as JobStatus] } : {};
  const jobs = useConnection(JOBS_QUERY, { filter }, (d) => d.jobs);
  const cancel = useMutation(CANCEL_JOB_MUTATION);
  const { reload } = jobs;
  // Any change of one of the viewer's jobs (a new one included) reloads the list, at most twice a second.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const subscription = graphqlClient.subscription(MY_JOB_UPDATED_SUBSCRIPTION, {}).subscribe(() => {
      timer ??= setTimeout(() => {
        timer = null;
        reload();
      }, 500);
    });
    return () => {
      subscription.unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [reload]);

  const { run: runCancel, busy: cancelling } = cancel;
  const columns = useMemo(() => {
    const column = createColumnHelper<JobView>();
    return [
      column.accessor('description', { header: 'Job' }),
      column.accessor('kind', { header: 'Kind' }),
      column.accessor((j) => jobStatusLabel(j.status), { id: 'status', header: 'Status', cell: (c) => <JobStatusBadge status={c.row.original.status} /> }),
      column.accessor('progress', {
        header: 'Progress',
        cell: (c) => (
          <span className="progress-cell">
            <JobProgressBar job={c.row.original} label={`Progress of ${c.row.original.description}`} /> {c.row.original.status === 'FAILED' ? (c.row.original.errorMessage ?? '') : c.row.original.progressText}
          </span>
        ),
      }),
      column.accessor('createdAt', { header: 'Created', cell: (c) => formatDate(c.getValue()) }),
      column.accessor((j) => j.finishedAt ?? '', { id: 'finished', header: 'Finished', cell: (c) => formatDate(c.row.original.finishedAt) }),
      column.display({
        id: 'actions',
        header: () => <span className="sr-only">Actions</span>,
        cell: (c) =>
          isJobFinished(c.row.original) ? null : (
            <button type="button" className="button" disabled={cancelling || c.row.original.requestedCancel} onClick={() => void runCancel({ id: c.row.original.id }).then(reload)}>
              {c.row.original.requestedCancel ? 'Cancelling…' : `Cancel`}
              <span className="sr-only"> {c.row.original.description}</span>
            </button>
          ),
      }),
    ];
  }, [cancelling, runCancel, reload]);

  return (
    <>
      <div className="page-header">
        <h2 id="page-title">Jobs</h2>
      </div>
      <section className="panel" aria-labelledby="page-title">
        <div className="inline-form" role="group" aria-label="Filter jobs on the server">
          <label htmlFor={statusId}>Status</label>
          <select id={statusId} className="input" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {jobStatusLabel(s)}
              </option>
            ))}
          </select>
        </div>
        {(jobs.error ?? cancel.error) && (
          <p role="alert" className="error-text">
            {jobs.error ?? cancel.error}
          </p>
        )}
        <PartialListNotice list={jobs} noun="jobs" />
        {!jobs.nodes && jobs.loading ? (
          <p role="status">Loading jobs…</p>
        ) : (
          <DataTable caption="Your jobs" data={jobs.nodes ?? []} columns={columns} filterLabel="Filter jobs" empty="No jobs yet. Exports and other long work show up here while they run." pageSize={25} />
        )}
      </section>
    </>
  );
}
