// `egen export VERSION --format hf|pytorch|torchscript|onnx [--dtype …] [--out DIR]` and
// `egen models artifacts VERSION`. The export flags derive from EXPORT_OPTIONS (declared once):
// --dtype, --lora, --onnx-opset, --onnx-with-past / --no-onnx-with-past.
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { EXPORT_OPTIONS } from '../../../../schema/options/export-options.ts';
import { ApiError, apiRequestAs, resolveTarget, withSession } from '../../cli/api-client.ts';
import { type CliCommand, type CliIo, CliUsageError, printTable } from '../../cli/command.ts';
import { followJob, outcomeLine } from '../../cli/follow-job.ts';
import { intFlag, parseFlags } from '../../cli/flags.ts';
import { unpackTarGz, verifyUnpacked } from './artifact-unpack.ts';

/** --format words → ExportFormat. */
const FORMAT_FLAGS = { hf: 'HUGGING_FACE', pytorch: 'PYTORCH', torchscript: 'TORCHSCRIPT', onnx: 'ONNX' } as const;
const FORMAT_WORDS = Object.fromEntries(Object.entries(FORMAT_FLAGS).map(([word, format]) => [format, word])) as Record<string, string>;

const kebab = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const OPTION_FLAGS = Object.entries(EXPORT_OPTIONS).map(([key, spec]) => ({ key, spec, flag: kebab(key) }));
const VALUED_FLAGS = OPTION_FLAGS.filter((o) => o.spec.kind !== 'bool').map((o) => o.flag);
const BOOLEAN_FLAGS = OPTION_FLAGS.filter((o) => o.spec.kind === 'bool').flatMap((o) => [o.flag, o.flag.replace(/^--/, '--no-')]);

const OPTION_USAGE = OPTION_FLAGS.map(({ spec, flag }) => {
  const values = spec.kind === 'enum' ? spec.values.join('|') : spec.kind === 'int' ? 'N' : '';
  const shown = spec.kind === 'bool' ? `${flag} / ${flag.replace(/^--/, '--no-')}` : `${flag} ${values}`;
  return `  ${shown.padEnd(40)} ${spec.description} Defaults to ${String(spec.default)}.`;
});

interface ArtifactView {
  id: string;
  format: string;
  options: Record<string, unknown>;
  totalBytes: number;
  sha256: string;
  createdAt: string;
  downloadPath: string;
  parity: { maxAbsDifference: number; tolerance: number; runtime: string };
  files: Array<{ name: string }>;
}
const ARTIFACT_FIELDS = 'id format options totalBytes sha256 createdAt downloadPath parity { maxAbsDifference tolerance runtime } files { name }';

const formatSize = (bytes: number): string => (bytes >= 1 << 30 ? `${(bytes / (1 << 30)).toFixed(2)} GiB` : bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`);
const parityLine = (a: ArtifactView): string => `max |Δ logit| ${a.parity.maxAbsDifference.toExponential(2)} (tolerance ${a.parity.tolerance}; ${a.parity.runtime})`;

/** API field names → the flags a CLI user typed. */
function flagOfField(field: string): string {
  if (field === 'versionId') return 'VERSION';
  if (field === 'format') return '--format';
  const option = OPTION_FLAGS.find((o) => field === `options.${o.key}`);
  return option?.flag ?? field;
}

function printApiError(io: CliIo, command: string, error: ApiError): number {
  const fieldErrors = error.errors[0]?.extensions?.fieldErrors;
  if (fieldErrors?.length) {
    io.err(`egen ${command}: invalid input`);
    for (const e of fieldErrors) io.err(`  ${flagOfField(e.field)}: ${e.message}`);
  } else {
    io.err(`egen ${command}: ${error.message}${error.code ? ` (${error.code})` : ''}`);
  }
  return 1;
}

/** Streams the artifact as tar.gz into `dir` and checks every file against manifest.json. */
async function downloadInto(io: CliIo, target: ReturnType<typeof resolveTarget>, artifact: ArtifactView, dir: string): Promise<number> {
  const response = await withSession(
    io.env,
    target,
    (token) => fetch(`${target.url}${artifact.downloadPath}?archive=tar.gz`, { headers: { authorization: `Bearer ${token}` } }),
    (r) => r.status === 401,
  );
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new Error(`download failed (HTTP ${response.status}): ${body?.error?.message ?? response.statusText}`);
  }
  mkdirSync(dir, { recursive: true });
  const names = await unpackTarGz(Readable.fromWeb(response.body as never), dir);
  await verifyUnpacked(dir);
  io.out(`Wrote ${names.length} files (${formatSize(artifact.totalBytes)} + manifest.json) to ${dir}; every SHA-256 matches the manifest`);
  return 0;
}

export const exportCommand: CliCommand = {
  path: ['export'],
  summary: 'Export a model version (hf, pytorch, torchscript, onnx), check parity, download and unpack it',
  usage: [
    `egen export VERSION --format ${Object.keys(FORMAT_FLAGS).join('|')} [options] [--out DIR] [--no-download] [--url URL] [--token KEY] [--json]`,
    '',
    'Starts the export job, shows its progress, prints the parity figure (max |Δ logit| against the',
    'native model), then downloads the artifact into DIR (default ./<format>-<artifact id>) and',
    'checks every file against its manifest. Ctrl-C asks whether to cancel the export.',
    '',
    'Options (each format reads its own):',
    ...OPTION_USAGE,
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, ['--format', '--out', '--url', '--token', ...VALUED_FLAGS], ['--json', '--no-download', ...BOOLEAN_FLAGS]);
    const [versionId, ...extra] = flags.positionals;
    if (!versionId) throw new CliUsageError('name the model VERSION (its id)');
    if (extra.length) throw new CliUsageError(`unexpected argument ${extra[0]}`);
    const word = flags.values.get('--format');
    if (!word) throw new CliUsageError(`--format is required: ${Object.keys(FORMAT_FLAGS).join(', ')}`);
    const format = FORMAT_FLAGS[word.toLowerCase() as keyof typeof FORMAT_FLAGS];
    if (!format) throw new CliUsageError(`--format must be ${Object.keys(FORMAT_FLAGS).join(', ')} (got "${word}")`);
    const options: Record<string, unknown> = {};
    for (const { key, spec, flag } of OPTION_FLAGS) {
      if (spec.kind === 'bool') {
        if (flags.booleans.has(flag)) options[key] = true;
        if (flags.booleans.has(flag.replace(/^--/, '--no-'))) options[key] = false;
      } else if (spec.kind === 'int') {
        const value = intFlag(flags, flag);
        if (value !== undefined) options[key] = value;
      } else if (flags.values.has(flag)) {
        // GraphQL enums are the declared values in upper case; the server names a wrong one.
        const value = flags.values.get(flag)!;
        if (spec.kind === 'enum' && !(spec.values as readonly string[]).includes(value.toLowerCase())) throw new CliUsageError(`${flag} must be ${spec.values.join(', ')} (got "${value}")`);
        options[key] = value.toUpperCase();
      }
    }
    const url = flags.values.get('--url');
    try {
      const target = resolveTarget(io.env, url, flags.values.get('--token'));
      const started = await apiRequestAs<{ exportModelVersion: { id: string } }>(io.env, target, 'mutation($v: ID!, $f: ExportFormat!, $o: ExportOptionsInput) { exportModelVersion(versionId: $v, format: $f, options: $o) { id } }', {
        v: versionId,
        f: format,
        o: options,
      });
      const jobId = started.exportModelVersion.id;
      io.err(`Export started: job ${jobId}`);
      const followed = await followJob(io, jobId, { url: flags.values.get('--url') });
      if (followed.exitCode !== 0) return followed.exitCode;
      io.err(outcomeLine(followed.job));
      const { modelArtifact: artifact } = await apiRequestAs<{ modelArtifact: ArtifactView }>(io.env, target, `query($id: ID!) { modelArtifact(id: $id) { ${ARTIFACT_FIELDS} } }`, { id: followed.job.resultId });
      if (flags.booleans.has('--json')) io.out(JSON.stringify(artifact, null, 2));
      else io.out(`Artifact ${artifact.id}: ${FORMAT_WORDS[artifact.format] ?? artifact.format}, ${artifact.files.length} files, ${formatSize(artifact.totalBytes)}; parity ${parityLine(artifact)}`);
      if (flags.booleans.has('--no-download')) return 0;
      const dir = resolve(flags.values.get('--out') ?? `${FORMAT_WORDS[artifact.format] ?? 'artifact'}-${artifact.id.slice(0, 8)}`);
      if (existsSync(dir) && readdirSync(dir).length) {
        io.err(`egen export: ${dir} is not empty; the artifact stays on the server (egen models artifacts ${versionId})`);
        return 1;
      }
      return await downloadInto(io, target, artifact, dir);
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'export', error);
      if (error instanceof CliUsageError) throw error;
      io.err(`egen export: ${(error as Error).message}`);
      return 1;
    }
  },
};

export const modelsArtifactsCommand: CliCommand = {
  path: ['models', 'artifacts'],
  summary: 'List the exports of a model version: format, size, parity',
  usage: 'egen models artifacts VERSION [--url URL] [--json]',
  async run(args, io) {
    const flags = parseFlags(args, ['--url'], ['--json']);
    const [versionId, ...extra] = flags.positionals;
    if (!versionId) throw new CliUsageError('name the model VERSION (its id)');
    if (extra.length) throw new CliUsageError(`unexpected argument ${extra[0]}`);
    try {
      const target = resolveTarget(io.env, flags.values.get('--url'));
      const { modelArtifacts } = await apiRequestAs<{ modelArtifacts: ArtifactView[] }>(io.env, target, `query($v: ID!) { modelArtifacts(versionId: $v) { ${ARTIFACT_FIELDS} } }`, { v: versionId });
      if (flags.booleans.has('--json')) {
        io.out(JSON.stringify(modelArtifacts, null, 2));
        return 0;
      }
      if (!modelArtifacts.length) {
        io.out(`No artifacts yet. Export one with: egen export ${versionId} --format hf`);
        return 0;
      }
      printTable(
        io,
        ['FORMAT', 'OPTIONS', 'SIZE', 'PARITY', 'TOLERANCE', 'CREATED', 'ID'],
        modelArtifacts.map((a) => [
          FORMAT_WORDS[a.format] ?? a.format,
          Object.entries(a.options)
            .map(([k, v]) => `${k}=${String(v)}`)
            .join(' '),
          formatSize(a.totalBytes),
          a.parity.maxAbsDifference.toExponential(2),
          String(a.parity.tolerance),
          a.createdAt.slice(0, 19).replace('T', ' '),
          a.id,
        ]),
      );
      return 0;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, 'models artifacts', error);
      io.err(`egen models artifacts: ${(error as Error).message}`);
      return 1;
    }
  },
};

export const ARTIFACT_COMMANDS: readonly CliCommand[] = [exportCommand, modelsArtifactsCommand];
