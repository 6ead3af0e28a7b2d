// Progress output shared by the commands: a text bar, byte and duration formats, the upload line
// (`egen datasets create`) and the job line (`followJob`, used by every command that starts a job).

/** `[#########---------------------]  30%` */
export function progressBar(fraction: number, width = 30): string {
  const clamped = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(clamped * 100).toFixed(0).padStart(3)}%`;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

/** `1:05`, `1:02:03`; `--:--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

/** One upload progress line: bar, bytes, rate and ETA. */
export function progressLine(sent: number, total: number, elapsedSeconds: number): string {
  const fraction = total > 0 ? Math.min(1, sent / total) : 1;
  const rate = elapsedSeconds > 0 ? sent / elapsedSeconds : 0;
  const eta = rate > 0 ? (total - sent) / rate : Infinity;
  return `${progressBar(fraction)}  ${formatBytes(sent)} / ${formatBytes(total)}  ${formatBytes(rate)}/s  ETA ${formatDuration(eta)}`;
}

/** One job progress line: bar, what it does now, status and time since it started. */
export function jobProgressLine(job: { progress: number; progressText: string; status: string }, elapsedSeconds: number): string {
  return `${progressBar(job.progress)}  ${job.progressText}  ${job.status}  ${formatDuration(elapsedSeconds)}`;
}
