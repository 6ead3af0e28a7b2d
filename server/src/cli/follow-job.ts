// Following a background job from the command line, for every command that starts one (exports,
// dataset builds, ...) and for `egen jobs show --follow`: a progress bar on stderr while it runs
// (polled over GraphQL), the outcome at the end, and Ctrl-C that asks whether to cancel the job
// (or, when nobody can answer because stdin is not a terminal, detaches and says how to follow
// again). The job keeps running on the server whatever happens to this process.
import { createInterface } from 'node:readline';
import { ApiError, apiRequest } from './api-client.ts';
import type { CliIo } from './command.ts';
import { jobProgressLine } from './progress.ts';

/** The fields of Job every command reads. */
export const JOB_FIELDS = 'id kind description status progress progressText targetType targetId resultType resultId errorMessage errorCode requestedCancel attempts createdAt startedAt finishedAt owner { email }';

export interface JobRow {
  id: string;
  kind: string;
  description: string;
  status: 'QUEUED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  progress: number;
  progressText: string;
  targetType: string | null;
  targetId: string | null;
  resultType: string | null;
  resultId: string | null;
  errorMessage: string | null;
  errorCode: string | null;
  requestedCancel: boolean;
  attempts: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  owner: { email: string } | null;
}

export const FINISHED_JOB_STATUSES: readonly string[] = ['COMPLETED', 'FAILED', 'CANCELLED'];

/** Exit code of a command that followed a job until Ctrl-C detached it (128 + SIGINT). */
export const DETACHED_EXIT_CODE = 130;

export interface FollowJobOptions {
  /** --url of the command. */
  url?: string | undefined;
  /** How often the job is read. Defaults to 500 ms. */
  intervalMs?: number;
  /** Where the bar goes: a terminal redraws one line; anything else gets a line per change of status or tenth. Defaults to process.stderr. */
  stderr?: { write(text: string): unknown; isTTY?: boolean };
  /** Where Ctrl-C is heard. Defaults to process. */
  interrupts?: { on(event: 'SIGINT', listener: () => void): unknown; off(event: 'SIGINT', listener: () => void): unknown };
  /**
   * Asks a yes/no question; null when nobody can answer, so Ctrl-C detaches. Defaults to a prompt
   * on the terminal when stdin is one, else null.
   */
  confirm?: ((question: string) => Promise<boolean>) | null;
}

export interface FollowedJob {
  /** The job as last read. */
  job: JobRow;
  /** 0 when it COMPLETED, 1 when it FAILED or was CANCELLED, DETACHED_EXIT_CODE after Ctrl-C without cancelling. */
  exitCode: number;
  detached: boolean;
}

export function getJob(io: CliIo, url: string | undefined, id: string): Promise<JobRow> {
  return apiRequest<{ job: JobRow }>(io.env, url, `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id }).then((d) => d.job);
}

export function cancelJob(io: CliIo, url: string | undefined, id: string): Promise<JobRow> {
  return apiRequest<{ cancelJob: JobRow }>(io.env, url, `mutation($id: ID!) { cancelJob(id: $id) { ${JOB_FIELDS} } }`, { id }).then((d) => d.cancelJob);
}

/** What a finished job came to, in one line. */
export function outcomeLine(job: JobRow): string {
  if (job.status === 'COMPLETED') return `Job ${job.id} completed${job.resultType ? `: ${job.resultType} ${job.resultId}` : ''}`;
  if (job.status === 'FAILED') return `Job ${job.id} failed: ${job.errorMessage ?? 'no reason recorded'}${job.errorCode ? ` (${job.errorCode})` : ''}`;
  return `Job ${job.id} ${job.status.toLowerCase()}`;
}

function terminalConfirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  return new Promise((resolve) => {
    // A second Ctrl-C at the question means "just leave".
    rl.on('SIGINT', () => {
      rl.close();
      resolve(false);
    });
    rl.question(question, (answer) => {
      rl.close();
      resolve(/^y(es)?$/i.test(answer.trim()));
    });
  });
}

/** Follows a job until it ends, or until Ctrl-C detaches (optionally cancelling it first). */
export async function followJob(io: CliIo, jobId: string, options: FollowJobOptions = {}): Promise<FollowedJob> {
  const stderr = options.stderr ?? process.stderr;
  const interrupts = options.interrupts ?? process;
  const confirm = options.confirm !== undefined ? options.confirm : process.stdin.isTTY ? terminalConfirm : null;
  const intervalMs = options.intervalMs ?? 500;
  const tty = Boolean(stderr.isTTY);
  let interrupted = false;
  let wake: (() => void) | null = null;
  const onInterrupt = (): void => {
    interrupted = true;
    wake?.();
  };
  interrupts.on('SIGINT', onInterrupt);
  let lastKey = '';
  let drawn = false;
  const draw = (job: JobRow): void => {
    const started = job.startedAt ? Date.parse(job.startedAt) : Date.now();
    const line = jobProgressLine(job, (Date.now() - started) / 1000);
    if (tty) {
      stderr.write(`\r${line}\x1b[K`);
      drawn = true;
      return;
    }
    const key = `${job.status} ${Math.floor(job.progress * 10)}`;
    if (key !== lastKey) io.err(line);
    lastKey = key;
  };
  const endLine = (): void => {
    if (drawn) stderr.write('\n');
    drawn = false;
  };
  const detach = (job: JobRow): FollowedJob => {
    endLine();
    io.err(`Detached from job ${job.id}; it keeps running on the server. Follow it again with: egen jobs show ${job.id} --follow`);
    return { job, exitCode: DETACHED_EXIT_CODE, detached: true };
  };
  try {
    let cancelling = false;
    for (;;) {
      const job = await getJob(io, options.url, jobId);
      draw(job);
      if (FINISHED_JOB_STATUSES.includes(job.status)) {
        endLine();
        const line = outcomeLine(job);
        if (job.status === 'COMPLETED') io.out(line);
        else io.err(line);
        return { job, exitCode: job.status === 'COMPLETED' ? 0 : 1, detached: false };
      }
      if (interrupted) {
        interrupted = false;
        // Once a cancel was asked for, a further Ctrl-C leaves without asking again.
        if (cancelling || !confirm) return detach(job);
        endLine();
        if (!(await confirm(`Cancel job ${job.id} (${job.description})? [y/N] `))) return detach(job);
        try {
          await cancelJob(io, options.url, jobId);
        } catch (error) {
          // It ended meanwhile: the next read shows how.
          if (!(error instanceof ApiError && error.code === 'CONFLICT')) throw error;
        }
        cancelling = true;
        io.err(`Cancelling job ${job.id}...`);
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    interrupts.off('SIGINT', onInterrupt);
  }
}
