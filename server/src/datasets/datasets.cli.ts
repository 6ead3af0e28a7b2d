// `egen datasets upload|list|show`: talk to a running server over HTTP with the credentials
// every command uses (cli/api-client.ts): --url/--token, EGEN_URL/EGEN_API_KEY, or the session
// `egen login` stored.
import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ApiError, apiRequestAs, type ApiTarget, resolveTarget, uploadStream, type UploadResult } from '../cli/api-client.ts';
import { type CliCommand, CliUsageError, printTable } from '../cli/command.ts';
import { formatBytes, progressLine } from '../cli/progress.ts';

const CONNECTION_FLAGS = ['--url', '--server', '--token'] as const;

const CONNECTION_USAGE = `Connection (as for every egen command):
  --url URL      server address (EGEN_URL; else the one \`egen login\` stored; else http://localhost:3000);
                 --server URL is the same
  --token KEY    API key or access token (EGEN_API_KEY; else the session \`egen login\` stored);
                 prefer EGEN_API_KEY: a command line is visible to other users of the machine`;

/** Splits flags (--name value / --name=value / repeated) from positional arguments. */
function parseArgs(args: string[], valued: readonly string[], booleans: readonly string[] = []): { positional: string[]; flags: Map<string, string[]>; set: Set<string> } {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  const set = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    if (booleans.includes(name)) {
      set.add(name);
      continue;
    }
    if (!valued.includes(name)) throw new CliUsageError(`unknown option ${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : args[++i];
    if (value === undefined) throw new CliUsageError(`${name} needs a value`);
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { positional, flags, set };
}

/** The server and credential: flags, then the environment, then the stored login. */
function connection(flags: Map<string, string[]>, env: NodeJS.ProcessEnv): ApiTarget {
  const urlFlag = flags.get('--url')?.at(-1) ?? flags.get('--server')?.at(-1);
  if (urlFlag !== undefined) {
    try {
      new URL(urlFlag);
    } catch {
      throw new CliUsageError(`--url must be a URL like http://localhost:3000 (got "${urlFlag}")`);
    }
  }
  return resolveTarget(env, urlFlag, flags.get('--token')?.at(-1));
}

/** A GraphQL operation; the server's errors become one message with their codes. */
async function graphql<T>(env: NodeJS.ProcessEnv, target: ApiTarget, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  try {
    return await apiRequestAs<T>(env, target, query, variables);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    throw new Error(error.errors.map((e) => `${e.message}${e.extensions?.code ? ` [${e.extensions.code}]` : ''}`).join('; '), { cause: error });
  }
}

// ---- formatting ----

interface ReportView {
  labels?: Array<{ name: string; count: number; train: number; validation: number }> | null;
  rows: number;
  usableRows: number;
  trainRecords: number;
  validationRecords: number;
  duplicateRows: number;
  badRowCount: number;
  badRows: Array<{ location: string; reason: string }>;
  encodingErrors: number;
  fields: Array<{ name: string; missing: number; empty: number }>;
  charLength: { min: number; max: number; mean: number; p50: number; p95: number };
  tokenLength: { min: number; max: number; mean: number; p50: number; p95: number };
  tokenizationErrorRate: number;
  gate: { passed: boolean; criteria: Array<{ name: string; passed: boolean; detail: string }> };
}

interface VersionView {
  id: string;
  version: number;
  format: string;
  sourceFilename: string;
  sourceSha256: string | null;
  recordCount: number;
  trainTokens: number;
  validationTokens: number;
  vocabSize: number;
  parentVersionId: string | null;
  pipelineHash: string | null;
  directory: string;
  createdAt: string;
  report: ReportView;
}

const REPORT_FIELDS = `rows usableRows trainRecords validationRecords duplicateRows badRowCount badRows { location reason } encodingErrors
  fields { name missing empty } charLength { min max mean p50 p95 } tokenLength { min max mean p50 p95 } tokenizationErrorRate
  gate { passed criteria { name passed detail } } labels { name count train validation }`;
const VERSION_FIELDS = `id version format sourceFilename sourceSha256 recordCount trainTokens validationTokens vocabSize parentVersionId pipelineHash directory createdAt report { ${REPORT_FIELDS} }`;

export function reportLines(report: ReportView): string[] {
  const stats = (s: ReportView['charLength']): string => `min ${s.min}, p50 ${s.p50}, mean ${s.mean}, p95 ${s.p95}, max ${s.max}`;
  const lines = [
    `Rows:              ${report.rows} (${report.usableRows} with text; ${report.trainRecords} train, ${report.validationRecords} validation records)`,
    `Duplicate rows:    ${report.duplicateRows}`,
    `Bad rows:          ${report.badRowCount}`,
    ...report.badRows.slice(0, 10).map((b) => `  ${b.location}: ${b.reason}`),
    `Encoding errors:   ${report.encodingErrors}`,
    `Fields (missing/empty): ${report.fields.map((f) => `${f.name} ${f.missing}/${f.empty}`).join(', ') || 'none'}`,
    `Characters/record: ${stats(report.charLength)}`,
    `Tokens/record:     ${stats(report.tokenLength)}`,
    `Tokenization error rate: ${(report.tokenizationErrorRate * 100).toFixed(4)}%`,
    `Gate: ${report.gate.passed ? 'PASS' : 'FAIL'}`,
    ...report.gate.criteria.map((c) => `  ${c.passed ? 'PASS' : 'FAIL'}  ${c.name}: ${c.detail}`),
    ...(report.labels ? [`Labels:            ${report.labels.length} (${report.labels.map((l) => `${l.name} ${l.count}`).join(', ')})`] : []),
  ];
  return lines;
}

// ---- upload ----

/** Uploads a file as the target's user, streaming it with progress. */
function uploadFile(env: NodeJS.ProcessEnv, target: ApiTarget, path: string, onProgress: (sent: number, total: number, seconds: number) => void): Promise<UploadResult> {
  const totalBytes = statSync(path).size;
  return uploadStream(env, target, { filename: basename(path), open: () => createReadStream(path), totalBytes }, (sent, _total, seconds) => onProgress(sent, totalBytes, seconds));
}

const uploadCommand: CliCommand = {
  path: ['datasets', 'upload'],
  summary: 'Upload a file and create a dataset from it (progress, then the validation report)',
  usage: `egen datasets upload FILE [--name N] [--format text|csv|jsonl|tfrecord] [options]

Options:
  --name N               dataset name (default: the file name without extension)
  --format F             text, csv, jsonl or tfrecord (default: from the file extension)
  --text-field F         a field holding training text (repeatable)
  --prompt-field F       with --response-field: instruction examples
  --response-field F
  --label-field F        the field holding each record's class label (data for classifiers)
  --vocab-size N         tokenizer vocabulary size (default 4096)
  --skip-bad-rows        list bad rows in the report instead of failing at the first one
  --description TEXT

${CONNECTION_USAGE}`,
  async run(args, io) {
    const { positional, flags, set } = parseArgs(args, ['--name', '--format', '--text-field', '--prompt-field', '--response-field', '--label-field', '--vocab-size', '--description', ...CONNECTION_FLAGS], ['--skip-bad-rows']);
    if (positional.length !== 1) throw new CliUsageError('expected exactly one FILE');
    const path = positional[0]!;
    try {
      if (!statSync(path).isFile()) throw new Error();
    } catch {
      throw new CliUsageError(`${path} is not a readable file`);
    }
    const format = flags.get('--format')?.at(-1);
    if (format && !['text', 'csv', 'jsonl', 'tfrecord'].includes(format)) throw new CliUsageError(`--format must be text, csv, jsonl or tfrecord (got "${format}")`);
    const vocab = flags.get('--vocab-size')?.at(-1);
    if (vocab !== undefined && !/^\d+$/.test(vocab)) throw new CliUsageError(`--vocab-size must be a positive integer (got "${vocab}")`);
    const conn = connection(flags, io.env);

    const tty = Boolean(process.stderr.isTTY);
    let lastTenth = -1;
    const upload = await uploadFile(io.env, conn, path, (sent, total, seconds) => {
      const line = progressLine(sent, total, seconds);
      if (tty) process.stderr.write(`\r${line}`);
      else {
        const tenth = Math.floor((sent / Math.max(1, total)) * 10);
        if (tenth !== lastTenth) {
          lastTenth = tenth;
          io.err(line);
        }
      }
    });
    if (tty) process.stderr.write('\n');
    io.out(`Uploaded ${formatBytes(upload.sizeBytes)} (sha256 ${upload.sha256}); validating and tokenizing...`);
    const input = {
      uploadId: upload.id,
      name: flags.get('--name')?.at(-1) ?? basename(path, extname(path)),
      ...(flags.get('--description') ? { description: flags.get('--description')!.at(-1) } : {}),
      ...(format ? { format: format.toUpperCase() } : {}),
      ...(flags.get('--text-field') ? { textFields: flags.get('--text-field') } : {}),
      ...(flags.get('--prompt-field') ? { promptField: flags.get('--prompt-field')!.at(-1) } : {}),
      ...(flags.get('--response-field') ? { responseField: flags.get('--response-field')!.at(-1) } : {}),
      ...(flags.get('--label-field') ? { labelField: flags.get('--label-field')!.at(-1) } : {}),
      ...(vocab ? { vocabSize: Number(vocab) } : {}),
      ...(set.has('--skip-bad-rows') ? { badRows: 'SKIP' } : {}),
    };
    const data = await graphql<{ createDataset: { id: string; name: string; versions: VersionView[] } }>(io.env, conn, `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id name versions { ${VERSION_FIELDS} } } }`, { input });
    const dataset = data.createDataset;
    const version = dataset.versions[0]!;
    io.out(`Dataset ${dataset.name} (${dataset.id}), version ${version.version} (${version.id})`);
    io.out(`Tokens: ${version.trainTokens} train, ${version.validationTokens} validation; vocabulary ${version.vocabSize}`);
    for (const line of reportLines(version.report)) io.out(line);
    return 0;
  },
};

const listCommand: CliCommand = {
  path: ['datasets', 'list'],
  summary: 'List datasets with their latest version',
  usage: `egen datasets list\n\n${CONNECTION_USAGE}`,
  async run(args, io) {
    const { positional, flags } = parseArgs(args, CONNECTION_FLAGS);
    if (positional.length) throw new CliUsageError(`unexpected argument ${positional[0]}`);
    const data = {
      datasets: await allDatasets<{ id: string; name: string; owner: { email: string } | null; latestVersion: { version: number; format: string; recordCount: number; trainTokens: number; validationTokens: number; gatePassed: boolean } | null }>(
        io.env,
        connection(flags, io.env),
        'id name owner { email } latestVersion { version format recordCount trainTokens validationTokens gatePassed }',
      ),
    };
    if (data.datasets.length === 0) {
      io.out('No datasets yet; add one with: egen datasets upload FILE');
      return 0;
    }
    const rows = data.datasets.map((d) => [
      d.name,
      d.id,
      `v${d.latestVersion?.version ?? '-'}`,
      d.latestVersion?.format ?? '-',
      String(d.latestVersion?.recordCount ?? 0),
      String((d.latestVersion?.trainTokens ?? 0) + (d.latestVersion?.validationTokens ?? 0)),
      d.latestVersion?.gatePassed ? 'PASS' : 'FAIL',
      d.owner?.email ?? '-',
    ]);
    printTable(io, ['NAME', 'ID', 'VERSION', 'FORMAT', 'RECORDS', 'TOKENS', 'GATE', 'OWNER'], rows);
    return 0;
  },
};

/** Every dataset (oldest first), fetched page by page from the `datasets` connection. */
async function allDatasets<T>(env: Parameters<typeof graphql>[0], conn: Parameters<typeof graphql>[1], fields: string): Promise<T[]> {
  const rows: T[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { datasets: { nodes: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } } = await graphql(
      env,
      conn,
      `query($after: String) { datasets(first: 100, after: $after) { nodes { ${fields} } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    rows.push(...page.datasets.nodes);
    if (!page.datasets.pageInfo.hasNextPage || !page.datasets.pageInfo.endCursor) return rows;
    after = page.datasets.pageInfo.endCursor;
  }
}

const showCommand: CliCommand = {
  path: ['datasets', 'show'],
  summary: 'Show a dataset (by id or name): versions, lineage and the validation report',
  usage: `egen datasets show ID|NAME\n\n${CONNECTION_USAGE}`,
  async run(args, io) {
    const { positional, flags } = parseArgs(args, CONNECTION_FLAGS);
    if (positional.length !== 1) throw new CliUsageError('expected exactly one dataset ID or NAME');
    const conn = connection(flags, io.env);
    const key = positional[0]!;
    const all = { datasets: await allDatasets<{ id: string; name: string }>(io.env, conn, 'id name') };
    const match = all.datasets.find((d) => d.id === key || d.name === key);
    if (!match) throw new Error(`no dataset with id or name "${key}"`);
    const data = await graphql<{ dataset: { id: string; name: string; description: string; createdAt: string; owner: { email: string } | null; versions: VersionView[] } }>(
      io.env,
      conn,
      `query($id: ID!) { dataset(id: $id) { id name description createdAt owner { email } versions { ${VERSION_FIELDS} } } }`,
      { id: match.id },
    );
    const d = data.dataset;
    io.out(`${d.name} (${d.id})${d.description ? ` — ${d.description}` : ''}`);
    io.out(`Created ${d.createdAt}; owner ${d.owner?.email ?? 'none (admins only)'}`);
    io.out('Versions:');
    for (const v of d.versions) {
      const lineage = v.parentVersionId ? `from ${v.parentVersionId} by pipeline ${v.pipelineHash?.slice(0, 12)}` : `${v.format} ${v.sourceFilename} sha256 ${v.sourceSha256?.slice(0, 12)}`;
      io.out(`  v${v.version} ${v.id}  ${v.recordCount} records, ${v.trainTokens + v.validationTokens} tokens, vocabulary ${v.vocabSize}, gate ${v.report.gate.passed ? 'PASS' : 'FAIL'}  (${lineage})`);
    }
    const latest = d.versions.at(-1);
    if (latest) {
      io.out(`Validation report of v${latest.version} (${latest.directory}):`);
      for (const line of reportLines(latest.report)) io.out(`  ${line}`);
    }
    return 0;
  },
};

export const DATASET_COMMANDS: readonly CliCommand[] = [uploadCommand, listCommand, showCommand];
