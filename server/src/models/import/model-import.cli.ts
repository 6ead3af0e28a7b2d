// `egen models import DIR|ARCHIVE`: a Hugging Face GPT-2 folder (packed as tar.gz on the fly, never
// written to disk) or an archive of it is streamed to POST /api/uploads, then importModel starts
// the 'model.import' job, which the command follows until the model exists (or says why not).
import { createReadStream, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ApiError, apiRequestAs, resolveTarget, uploadStream } from '../../cli/api-client.ts';
import { type CliCommand, type CliIo, CliUsageError } from '../../cli/command.ts';
import { parseFlags } from '../../cli/flags.ts';
import { packFolder } from './pack-folder.ts';

const POLL_MS = 500;

interface JobView {
  id: string;
  status: 'QUEUED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  progress: number;
  progressText: string;
  errorMessage: string | null;
  resultId: string | null;
}

const JOB_FIELDS = 'id status progress progressText errorMessage resultId';

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

function printApiError(io: CliIo, error: ApiError): number {
  const fieldErrors = error.errors[0]?.extensions?.fieldErrors;
  if (fieldErrors?.length) for (const e of fieldErrors) io.err(`egen models import: ${e.field}: ${e.message}`);
  else io.err(`egen models import: ${error.message}${error.code ? ` (${error.code})` : ''}`);
  return 1;
}

export const modelsImportCommand: CliCommand = {
  path: ['models', 'import'],
  summary: 'Import a Hugging Face GPT-2 folder (or a tar, tar.gz or zip of it) as a new model with version 1',
  usage: [
    'egen models import DIR|ARCHIVE [--name NAME] [--description TEXT] [--special-tokens A,B,...] [--no-wait] [--url URL]',
    '',
    'DIR holds config.json, model.safetensors and tokenizer.json (or vocab.json + merges.txt);',
    'it is packed as tar.gz while it uploads. <|endoftext|>, <context> and <response> are added',
    'to the tokenizer when missing. --name defaults to the folder or archive name.',
  ].join('\n'),
  async run(args, io) {
    const flags = parseFlags(args, ['--name', '--description', '--special-tokens', '--url'], ['--no-wait']);
    const [path, ...extra] = flags.positionals;
    if (!path) throw new CliUsageError('give the DIR or ARCHIVE to import');
    if (extra.length) throw new CliUsageError(`unexpected argument "${extra[0]}"`);
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch {
      throw new CliUsageError(`${path} does not exist`);
    }
    const absolute = resolve(path);
    const name = flags.values.get('--name') ?? basename(absolute).replace(/\.(tar\.gz|tgz|tar|zip)$/i, '');
    const target = resolveTarget(io.env, flags.values.get('--url'));
    const source = isFolder ? { filename: `${basename(absolute)}.tar.gz`, open: () => packFolder(absolute), totalBytes: null } : { filename: basename(absolute), open: () => createReadStream(absolute), totalBytes: statSync(absolute).size };

    let lastShown = 0;
    const upload = await uploadStream(io.env, target, source, (sent, total) => {
      if (sent - lastShown < 16 * 1024 ** 2 && sent !== total) return;
      lastShown = sent;
      io.err(total ? `uploading ${mib(sent)} / ${mib(total)}` : `uploading ${mib(sent)} (packing ${basename(absolute)})`);
    });
    io.err(`uploaded ${mib(upload.sizeBytes)} (sha256 ${upload.sha256})`);

    const specialTokens = flags.values
      .get('--special-tokens')
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean);
    const input = { uploadId: upload.id, name, ...(flags.values.get('--description') ? { description: flags.values.get('--description') } : {}), ...(specialTokens ? { specialTokens } : {}) };
    let job: JobView;
    try {
      job = (await apiRequestAs<{ importModel: JobView }>(io.env, target, `mutation($input: ImportModelInput!) { importModel(input: $input) { ${JOB_FIELDS} } }`, { input })).importModel;
    } catch (error) {
      if (error instanceof ApiError) return printApiError(io, error);
      throw error;
    }
    io.err(`import job ${job.id} started`);
    if (flags.booleans.has('--no-wait')) {
      io.out(job.id);
      return 0;
    }
    let lastText = '';
    while (job.status === 'QUEUED' || job.status === 'IN_PROGRESS') {
      await new Promise((r) => setTimeout(r, POLL_MS));
      job = (await apiRequestAs<{ job: JobView }>(io.env, target, `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id: job.id })).job;
      if (job.progressText !== lastText) {
        lastText = job.progressText;
        io.err(`${Math.round(job.progress * 100)}% ${job.progressText}`);
      }
    }
    if (job.status !== 'COMPLETED' || !job.resultId) {
      io.err(`egen models import: ${job.status === 'CANCELLED' ? 'the import was cancelled' : (job.errorMessage ?? 'the import failed')}`);
      return 1;
    }
    const { model } = await apiRequestAs<{
      model: { id: string; name: string; architecture: { vocabSize: number; layers: number; heads: number; embeddingWidth: number; contextLength: number }; latestVersion: { id: string; version: number; source: string } | null };
    }>(io.env, target, 'query($id: ID!) { model(id: $id) { id name architecture { vocabSize layers heads embeddingWidth contextLength } latestVersion { id version source } } }', { id: job.resultId });
    const a = model.architecture;
    io.out(`Imported model ${model.name} (${model.id}), version ${model.latestVersion?.version ?? 1} (${model.latestVersion?.id ?? '?'})`);
    io.out(`  ${a.layers} layers, ${a.heads} heads, width ${a.embeddingWidth}, context ${a.contextLength}, vocabulary ${a.vocabSize}`);
    if (model.latestVersion) io.out(`  ${model.latestVersion.source}`);
    return 0;
  },
};
