// Small shared pieces for runs: status badge, duration, loss.
import type { ReactElement } from 'react';
import type { RunSummary } from './documents/run-fields.ts';
import { formatDuration } from './estimate.ts';

const LABELS: Record<RunSummary['status'], string> = { QUEUED: 'Queued', IN_PROGRESS: 'Running', PAUSED: 'Paused', COMPLETED: 'Completed', FAILED: 'Failed', CANCELLED: 'Cancelled' };

export function statusLabel(status: RunSummary['status']): string {
  return LABELS[status] ?? status;
}

export function StatusBadge({ status }: { status: RunSummary['status'] }): ReactElement {
  const cls = status === 'COMPLETED' ? 'badge-ok' : status === 'FAILED' ? 'badge-bad' : 'badge-muted';
  return <span className={`badge ${cls} status-badge`}>{statusLabel(status)}</span>;
}

/** Seconds from start to finish (or to now while it runs). */
export function runSeconds(run: Pick<RunSummary, 'startedAt' | 'finishedAt' | 'status'>, now = Date.now()): number | null {
  if (!run.startedAt) return null;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : ['IN_PROGRESS', 'PAUSED'].includes(run.status) ? now : null;
  return end === null ? null : Math.max(0, (end - Date.parse(run.startedAt)) / 1000);
}

export function formatRunDuration(run: Pick<RunSummary, 'startedAt' | 'finishedAt' | 'status'>): string {
  const s = runSeconds(run);
  return s === null ? '—' : formatDuration(s);
}

export function formatLoss(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : value.toFixed(4);
}

export const FINISHED: ReadonlyArray<RunSummary['status']> = ['COMPLETED', 'FAILED', 'CANCELLED'];
