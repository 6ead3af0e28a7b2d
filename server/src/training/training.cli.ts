// `egen train`, `egen runs list|show|pause|resume|cancel|watch` and `egen worker`.
import { readFileSync } from 'node:fs';
import { ApiError, apiRequest } from '../cli/api-client.ts';
import { type CliCommand, type CliIo, CliUsageError, printTable } from '../cli/command.ts';
import { intFlag, parseFlags } from '../cli/flags.ts';
import { ConfigError, loadConfig } from '../config/config.ts';
import { startWorker } from './worker.ts';

const RUN_FIELDS = 'id status stage progress step maxSteps lastLoss bestValLoss failureReason stopReason createdAt startedAt finishedAt model { name } resultVersion { id version }';

interface RunRow {
  id: string;
  status: string;
  stage: string;
  progress: string;
  step: number;
  maxSteps: number;
  lastLoss: number | null;
  bestValLoss: number | null;
  failureReason: string | null;
  stopReason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  model: { name: string } | null;
  resultVersion: { id: string; version: number } | null;
}

const FINISHED = ['COMPLETED', 'FAILED', 'CANCELLED'];

function printApiError(io: CliIo, command: string, error: ApiError): number {
  const fieldErrors = error.errors[0]?.extensions?.fieldErrors;
  if (fieldErrors?.length) {
    io.err(`egen ${command}: invalid input`);
    for (const e of fieldErrors) io.err(`  ${e.field.replace(/^input\.config\./, 'config.')}: ${e.message}`);
  } else io.err(`egen ${command}: ${error.message}${error.code ? ` (${error.code})` : ''}`);
  return 1;
}

/** `[#######-------------]  35%  Step 35/100  loss 3.2101` */
export function progressLine(run: Pick<RunRow, 'step' | 'maxSteps' | 'progress' | 'lastLoss' | 'status' | 'bestValLoss'>, width = 20): string {
  const fraction = run.maxSteps > 0 ? Math.min(1, run.step / run.maxSteps) : 0;
  const filled = Math.round(fraction * width);
  const loss = run.lastLoss === null ? '' : `  loss ${run.lastLoss.toFixed(4)}`;
  const val = run.bestValLoss === null ? '' : `  best val ${run.bestValLoss.toFixed(4)}`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${run.progress}${loss}${val}  ${run.status}`;
}

async function getRun(io: CliIo, url: string | undefined, id: string): Promise<RunRow> {
  return (await apiRequest<{ trainingRun: RunRow }>(io.env, url, `query($id: ID!) { trainingRun(id: $id) { ${RUN_FIELDS} } }`, { id })).trainingRun;
}

/** Prints progress until the run ends; the exit code is 0 for COMPLETED. */
async function follow(io: CliIo, url: string | undefined, id: string, intervalMs: number): Promise<number> {
  let last = '';
  for (;;) {
    const run = await getRun(io, url, id);
    const line = progressLine(run);
    if (line !== last) io.out(line);
    last = line;
    if (FINISHED.includes(run.status)) {
      if (run.status === 'COMPLETED') io.out(`Run ${run.id} completed${run.resultVersion ? `: model version v${run.resultVersion.version} (${run.resultVersion.id})` : ''}${run.stopReason ? ` (${run.stopReason})` : ''}`);
      else io.err(`Run ${run.id} ${run.status.toLowerCase()}${run.failureReason ? `: ${run.failureReason}` : run.stopReason ? `: ${run.stopReason}` : ''}`);
      return run.status === 'COMPLETED' ? 0 : 1;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export const trainCommand: CliCommand = {
  path: ['train'],
  summary: 'Start a training run and follow it (progress bar and live loss) unless --detach',
  usage: [
    'egen train --dataset VERSION_ID (--model ID | --base-version ID) [--config FILE] [--detach] [--url URL] [--json]',
    '',
    'FILE is JSON with the hyperparameters of TrainingConfigInput, e.g.',
    '  { "steps": 1000, "batchSize": 12, "learningRate": 6e-4, "evalEvery": 100, "earlyStopping": { "patience": 3 } }',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, ['--dataset', '--model', '--base-version', '--config', '--url', '--interval-ms'], ['--detach', '--json']);
    if (flags.positionals.length) throw new CliUsageError(`unexpected argument ${flags.positionals[0]}`);
    const datasetVersionId = flags.values.get('--dataset');
    if (!datasetVersionId) throw new CliUsageError('give the dataset version with --dataset ID');
    if (!flags.values.has('--model') && !flags.values.has('--base-version')) throw new CliUsageError('give --model ID (train from scratch) or --base-version ID (fine-tune)');
    let config: unknown = undefined;
    const file = flags.values.get('--config');
    if (file) {
      try {
        config = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new CliUsageError(`--config ${file}: ${(error as Error).message}`);
      }
    }
    const url = flags.values.get('--url');
    try {
      const data = await apiRequest<{ startTrainingRun: RunRow }>(io.env, url, `mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { ${RUN_FIELDS} } }`, {
        input: { datasetVersionId, modelId: flags.values.get('--model'), baseVersionId: flags.values.get('--base-version'), config },
      });
      const run = data.startTrainingRun;
      if (flags.booleans.has('--json')) io.out(JSON.stringify(run, null, 2));
      else io.out(`Started run ${run.id} (${run.progress}, ${run.status})`);
      if (flags.booleans.has('--detach')) return 0;
      return await follow(io, url, run.id, intFlag(flags, '--interval-ms') ?? 500);
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'train', error);
      throw error;
    }
  },
};

export const runsListCommand: CliCommand = {
  path: ['runs', 'list'],
  summary: 'List training runs (newest first)',
  usage: 'egen runs list [--status QUEUED|IN_PROGRESS|PAUSED|COMPLETED|FAILED|CANCELLED] [--model ID] [--limit N] [--url URL] [--json]',
  async run(args, io) {
    const flags = parseFlags(args, ['--status', '--model', '--limit', '--url'], ['--json']);
    if (flags.positionals.length) throw new CliUsageError(`unexpected argument ${flags.positionals[0]}`);
    try {
      const data = await apiRequest<{ trainingRuns: { totalCount: number; nodes: RunRow[] } }>(
        io.env,
        flags.values.get('--url'),
        `query($filter: TrainingRunFilter, $first: Int) { trainingRuns(filter: $filter, first: $first) { totalCount nodes { ${RUN_FIELDS} } } }`,
        { filter: { status: flags.values.get('--status')?.toUpperCase(), modelId: flags.values.get('--model') }, first: intFlag(flags, '--limit') ?? 50 },
      );
      const { nodes, totalCount } = data.trainingRuns;
      if (flags.booleans.has('--json')) {
        io.out(JSON.stringify(nodes, null, 2));
        return 0;
      }
      if (!nodes.length) {
        io.out('No training runs yet. Start one with: egen train --dataset ID --model ID');
        return 0;
      }
      const rows = nodes.map((r) => [r.id, r.status, r.progress, r.lastLoss === null ? '-' : r.lastLoss.toFixed(4), r.model?.name ?? '?', r.createdAt]);
      printTable(io, ['ID', 'STATUS', 'PROGRESS', 'LOSS', 'MODEL', 'CREATED'], rows);
      if (totalCount > nodes.length) io.out(`(${nodes.length} of ${totalCount}; --limit N shows more)`);
      return 0;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'runs list', error);
      throw error;
    }
  },
};

export const runsShowCommand: CliCommand = {
  path: ['runs', 'show'],
  summary: 'Show a training run',
  usage: 'egen runs show ID [--url URL] [--json]',
  async run(args, io) {
    const flags = parseFlags(args, ['--url'], ['--json']);
    const [id, ...extra] = flags.positionals;
    if (!id || extra.length) throw new CliUsageError('give one run ID');
    try {
      const run = await getRun(io, flags.values.get('--url'), id);
      if (flags.booleans.has('--json')) io.out(JSON.stringify(run, null, 2));
      else {
        io.out(`Run ${run.id} (${run.model?.name ?? '?'})`);
        io.out(`  Status    ${run.status} (${run.stage})`);
        io.out(`  Progress  ${progressLine(run)}`);
        if (run.failureReason) io.out(`  Failure   ${run.failureReason}`);
        if (run.stopReason) io.out(`  Stopped   ${run.stopReason}`);
        if (run.resultVersion) io.out(`  Version   v${run.resultVersion.version} (${run.resultVersion.id})`);
        io.out(`  Created   ${run.createdAt}${run.startedAt ? `, started ${run.startedAt}` : ''}${run.finishedAt ? `, finished ${run.finishedAt}` : ''}`);
      }
      return 0;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'runs show', error);
      throw error;
    }
  },
};

function controlCommand(verb: 'pause' | 'resume' | 'cancel'): CliCommand {
  const mutation = `${verb}Run`;
  return {
    path: ['runs', verb],
    summary: `${verb[0]!.toUpperCase()}${verb.slice(1)} a training run (takes effect at the next step)`,
    usage: `egen runs ${verb} ID [--url URL]`,
    async run(args, io) {
      const flags = parseFlags(args, ['--url'], []);
      const [id, ...extra] = flags.positionals;
      if (!id || extra.length) throw new CliUsageError('give one run ID');
      try {
        const data = await apiRequest<Record<string, RunRow>>(io.env, flags.values.get('--url'), `mutation($id: ID!) { ${mutation}(id: $id) { ${RUN_FIELDS} } }`, { id });
        const run = data[mutation]!;
        io.out(`Run ${run.id}: ${verb} requested (${run.status}, ${run.progress})`);
        return 0;
      } catch (error) {
        if (error instanceof ApiError) return printApiError(io, `runs ${verb}`, error);
        throw error;
      }
    },
  };
}

export const runsWatchCommand: CliCommand = {
  path: ['runs', 'watch'],
  summary: 'Follow a training run until it ends (progress bar and live loss)',
  usage: 'egen runs watch ID [--interval-ms N] [--url URL]',
  async run(args, io) {
    const flags = parseFlags(args, ['--url', '--interval-ms'], []);
    const [id, ...extra] = flags.positionals;
    if (!id || extra.length) throw new CliUsageError('give one run ID');
    try {
      return await follow(io, flags.values.get('--url'), id, intFlag(flags, '--interval-ms') ?? 500);
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'runs watch', error);
      throw error;
    }
  },
};

export const workerCommand: CliCommand = {
  path: ['worker'],
  summary: 'Claim and train queued runs from the database, without serving HTTP',
  usage: 'egen worker [--data-dir DIR] [--database-url URL]   (also EGEN_DATA_DIR, DATABASE_URL, EGEN_RUN_CONCURRENCY, EGEN_TRAIN_THREADS)',
  async run(args, io) {
    let config;
    try {
      config = loadConfig(args, io.env);
    } catch (error) {
      if (error instanceof ConfigError) throw new CliUsageError(error.message);
      throw error;
    }
    const worker = await startWorker(config);
    io.out(`EGen worker ${worker.runner.workerId} is claiming queued runs (Ctrl-C stops; active runs return to the queue)`);
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await worker.stop();
    return 0;
  },
};

export const TRAINING_COMMANDS: readonly CliCommand[] = [trainCommand, runsListCommand, runsShowCommand, controlCommand('pause'), controlCommand('resume'), controlCommand('cancel'), runsWatchCommand, workerCommand];
