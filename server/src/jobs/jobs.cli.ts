// `egen jobs list|show|cancel`: the caller's background jobs (an admin's: everyone's). Commands
// that start a job follow it with followJob (cli/follow-job.ts), as `jobs show --follow` does.
import { ApiError, apiRequest } from '../cli/api-client.ts';
import { type CliCommand, type CliIo, CliUsageError, printTable } from '../cli/command.ts';
import { cancelJob, FINISHED_JOB_STATUSES, followJob, getJob, JOB_FIELDS, type JobRow, outcomeLine } from '../cli/follow-job.ts';
import { intFlag, parseFlags } from '../cli/flags.ts';
import { progressBar } from '../cli/progress.ts';

const STATUSES = ['QUEUED', 'IN_PROGRESS', 'COMPLETED', 'FAILED', 'CANCELLED'];

function printApiError(io: CliIo, command: string, error: ApiError): number {
  io.err(`egen ${command}: ${error.message}${error.code ? ` (${error.code})` : ''}`);
  return 1;
}

function oneId(positionals: string[]): string {
  if (positionals.length !== 1) throw new CliUsageError('expected exactly one job ID');
  return positionals[0]!;
}

export const jobsListCommand: CliCommand = {
  path: ['jobs', 'list'],
  summary: 'List your background jobs, newest first (admins: everyone’s)',
  usage: `egen jobs list [--status S[,S...]] [--kind KIND] [--owner USER_ID] [--limit N] [--url URL] [--json]

  --status   any of ${STATUSES.join(', ')}
  --kind     e.g. model.export
  --owner    admins only: the jobs of one user`,
  async run(args, io) {
    const flags = parseFlags(args, ['--status', '--kind', '--owner', '--limit', '--url'], ['--json']);
    if (flags.positionals.length) throw new CliUsageError(`unexpected argument ${flags.positionals[0]}`);
    const statuses = flags.values
      .get('--status')
      ?.split(',')
      .map((s) => s.trim().toUpperCase());
    const unknown = statuses?.find((s) => !STATUSES.includes(s));
    if (unknown !== undefined) throw new CliUsageError(`--status: "${unknown}" is not one of ${STATUSES.join(', ')}`);
    const limit = intFlag(flags, '--limit') ?? 20;
    if (limit < 1 || limit > 100) throw new CliUsageError(`--limit must be from 1 to 100 (got ${limit})`);
    const filter = { ...(statuses ? { statuses } : {}), ...(flags.values.has('--kind') ? { kind: flags.values.get('--kind') } : {}), ...(flags.values.has('--owner') ? { ownerId: flags.values.get('--owner') } : {}) };
    try {
      const data = await apiRequest<{ jobs: { totalCount: number; nodes: JobRow[] } }>(io.env, flags.values.get('--url'), `query($filter: JobFilter, $first: Int) { jobs(filter: $filter, first: $first) { totalCount nodes { ${JOB_FIELDS} } } }`, {
        filter,
        first: limit,
      });
      if (flags.booleans.has('--json')) {
        io.out(JSON.stringify(data.jobs.nodes, null, 2));
        return 0;
      }
      if (data.jobs.totalCount === 0) {
        io.out('No jobs.');
        return 0;
      }
      printTable(
        io,
        ['ID', 'KIND', 'STATUS', 'PROGRESS', 'DESCRIPTION', 'CREATED'],
        data.jobs.nodes.map((j) => [j.id, j.kind, j.status, `${Math.round(j.progress * 100)}%`, j.description, j.createdAt.slice(0, 19).replace('T', ' ')]),
      );
      if (data.jobs.totalCount > data.jobs.nodes.length) io.out(`(${data.jobs.nodes.length} of ${data.jobs.totalCount}; --limit N shows more)`);
      return 0;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'jobs list', error);
      throw error;
    }
  },
};

export const jobsShowCommand: CliCommand = {
  path: ['jobs', 'show'],
  summary: 'Show a job; with --follow, a progress bar until it ends (Ctrl-C asks whether to cancel it)',
  usage: 'egen jobs show ID [--follow] [--interval-ms N] [--url URL] [--json]',
  async run(args, io) {
    const flags = parseFlags(args, ['--url', '--interval-ms'], ['--follow', '--json']);
    const id = oneId(flags.positionals);
    const url = flags.values.get('--url');
    try {
      if (flags.booleans.has('--follow')) {
        const intervalMs = intFlag(flags, '--interval-ms');
        return (await followJob(io, id, { url, ...(intervalMs ? { intervalMs } : {}) })).exitCode;
      }
      const job = await getJob(io, url, id);
      if (flags.booleans.has('--json')) {
        io.out(JSON.stringify(job, null, 2));
        return 0;
      }
      const rows: Array<[string, string]> = [
        ['Job', `${job.id} (${job.kind})`],
        ['What', job.description],
        ['Owner', job.owner?.email ?? '(unknown)'],
        ['Status', `${job.status}${job.requestedCancel && !FINISHED_JOB_STATUSES.includes(job.status) ? ' (cancel requested)' : ''}`],
        ['Progress', `${progressBar(job.progress)}  ${job.progressText}`],
        ...(job.targetType ? [['Target', `${job.targetType} ${job.targetId}`] as [string, string]] : []),
        ...(job.resultType ? [['Result', `${job.resultType} ${job.resultId}`] as [string, string]] : []),
        ...(job.errorMessage ? [['Error', `${job.errorMessage}${job.errorCode ? ` (${job.errorCode})` : ''}`] as [string, string]] : []),
        ['Created', job.createdAt],
        ...(job.startedAt ? [['Started', job.startedAt] as [string, string]] : []),
        ...(job.finishedAt ? [['Finished', job.finishedAt] as [string, string]] : []),
        ...(job.attempts > 1 ? [['Attempts', String(job.attempts)] as [string, string]] : []),
      ];
      for (const [label, value] of rows) io.out(`${label.padEnd(9)} ${value}`);
      return 0;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'jobs show', error);
      throw error;
    }
  },
};

export const jobsCancelCommand: CliCommand = {
  path: ['jobs', 'cancel'],
  summary: 'Cancel a job: a queued one at once, a running one at its next check (--wait waits for it to stop)',
  usage: 'egen jobs cancel ID [--wait] [--url URL]',
  async run(args, io) {
    const flags = parseFlags(args, ['--url'], ['--wait']);
    const id = oneId(flags.positionals);
    const url = flags.values.get('--url');
    try {
      const job = await cancelJob(io, url, id);
      if (FINISHED_JOB_STATUSES.includes(job.status)) {
        io.out(outcomeLine(job));
        return 0;
      }
      io.out(`Cancel requested for job ${job.id}; it stops at its next check`);
      if (!flags.booleans.has('--wait')) return 0;
      const followed = await followJob(io, id, { url, confirm: null });
      return followed.job.status === 'CANCELLED' ? 0 : followed.exitCode;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'jobs cancel', error);
      throw error;
    }
  },
};

export const JOB_COMMANDS: readonly CliCommand[] = [jobsListCommand, jobsShowCommand, jobsCancelCommand];
