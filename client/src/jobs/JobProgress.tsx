// A job's progress, live: bar (role=progressbar with its values), what it does now, its status,
// why it failed, and a cancel button while it runs. Pages that start a job embed <JobProgress>.
import { useEffect, useRef, type ReactElement } from 'react';
import type { JobStatus, JobView } from './documents/job-fields.ts';
import { isJobFinished, useJob } from './use-job.ts';

const STATUS_LABELS: Record<JobStatus, string> = { QUEUED: 'Queued', IN_PROGRESS: 'Running', COMPLETED: 'Completed', FAILED: 'Failed', CANCELLED: 'Cancelled' };

export function jobStatusLabel(status: JobStatus): string {
  return STATUS_LABELS[status];
}

export function JobStatusBadge({ status }: { status: JobStatus }): ReactElement {
  const cls = status === 'COMPLETED' ? 'badge-ok' : status === 'FAILED' ? 'badge-bad' : 'badge-muted';
  return <span className={`badge ${cls} status-badge`}>{jobStatusLabel(status)}</span>;
}

/** The bar alone (lists use it in a cell). */
export function JobProgressBar({ job, label }: { job: Pick<JobView, 'progress' | 'progressText'>; label: string }): ReactElement {
  const percent = Math.round(Math.min(1, Math.max(0, job.progress)) * 100);
  return (
    <div className="job-progress-bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={`${percent}%: ${job.progressText}`}>
      <div className="job-progress-fill" style={{ width: `${percent}%` }} />
    </div>
  );
}

export interface JobProgressViewProps {
  job: JobView;
  /** Shown as a Cancel button while the job has not ended; absent: no button. */
  onCancel?: (() => void) | undefined;
  cancelling?: boolean;
  cancelError?: string | null;
}

export function JobProgressView({ job, onCancel, cancelling = false, cancelError = null }: JobProgressViewProps): ReactElement {
  const finished = isJobFinished(job);
  return (
    <section className="job-progress" aria-label={`Job: ${job.description}`}>
      <div className="job-progress-head">
        <span>{job.description}</span> <JobStatusBadge status={job.status} />
      </div>
      <JobProgressBar job={job} label={`Progress of ${job.description}`} />
      <p className="muted" aria-live="polite">
        {job.progressText}
      </p>
      {job.status === 'FAILED' && (
        <p role="alert" className="error-text">
          {job.errorMessage ?? 'The job failed.'}
          {job.errorCode ? ` (${job.errorCode})` : ''}
        </p>
      )}
      {cancelError && (
        <p role="alert" className="error-text">
          {cancelError}
        </p>
      )}
      {!finished && onCancel && (
        <button type="button" className="button" disabled={cancelling || job.requestedCancel} onClick={onCancel}>
          {job.requestedCancel ? 'Cancelling…' : 'Cancel job'}
        </button>
      )}
    </section>
  );
}

export interface JobProgressProps {
  jobId: string;
  /** Offer a Cancel button (the owner's or an admin's job). Defaults to true. */
  canCancel?: boolean;
  /** Called once when the job ends (e.g. to reload what it produced). */
  onFinished?: (job: JobView) => void;
}

/** A job followed live through the jobUpdated subscription. */
export function JobProgress({ jobId, canCancel = true, onFinished }: JobProgressProps): ReactElement {
  const live = useJob(jobId);
  const reported = useRef(false);
  const latestOnFinished = useRef(onFinished);
  useEffect(() => {
    latestOnFinished.current = onFinished;
  });
  const { job } = live;
  useEffect(() => {
    if (job && isJobFinished(job) && !reported.current) {
      reported.current = true;
      latestOnFinished.current?.(job);
    }
  }, [job]);
  if (!job) {
    return live.error ? (
      <p role="alert" className="error-text">
        {live.error}
      </p>
    ) : (
      <p role="status">Loading the job…</p>
    );
  }
  return <JobProgressView job={job} onCancel={canCancel ? () => void live.cancel() : undefined} cancelling={live.cancelling} cancelError={live.cancelError} />;
}
