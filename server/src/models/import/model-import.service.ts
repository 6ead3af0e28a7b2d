// Importing a Hugging Face GPT-2 folder as a base model: an uploaded archive (tar, tar.gz, zip)
// or, for an ADMIN, a folder or archive on the server becomes a Model with version 1, its
// weights converted to an EGen checkpoint under <dataDir>/models/<versionId>/ (with the
// tokenizer as tokenizer.json beside them) and its lineage "imported from <name>, sha256 <digest>".
//
// All work happens in <dataDir>/models/.import-<versionId>/; the finished checkpoint is renamed
// into place, then the rows are inserted; any failure removes the folder, so a bad input leaves
// no rows and no files. The work takes a signal and a progress callback (the shape of a job).
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { readPytorchStateDict, resizeEmbeddings } from '../../../../native/index.ts';
import type { UserAdminService } from '../../admin/user-admin.service.ts';
import type { DatasetsService } from '../../datasets/datasets.service.ts';
import { tokenizerJson } from '../../datasets/datasets.service.ts';
import { ForbiddenError, ValidationError } from '../../errors/domain-error.ts';
import type { JobKind, JobResult } from '../../jobs/job.types.ts';
import type { Job, JobsService } from '../../jobs/jobs.service.ts';
import { requireUser } from '../../security/ownership.ts';
import type { Principal, RequestOrigin } from '../../security/principal.ts';
import { hasRole, Role } from '../../security/roles.ts';
import { validateSpecialTokens, withDefaultSpecialTokens } from '../model-architecture.ts';
import type { Model, ModelVersion } from '../model.entity.ts';
import { type ModelsService, VERSION_TOKENIZER_FILE } from '../models.service.ts';
import { ArchiveError, extractArchive, sniffArchive } from './archive.ts';
import { activationNote, convertWeights, ImportInputError, locateModelFolder, readHfConfig, readHfTokenizer, writeModelCheckpoint } from './hf-gpt2.ts';

export interface ImportModelRequest {
  /** An upload (POST /api/uploads) of a tar, tar.gz or zip archive of the folder. */
  uploadId?: string | null;
  /** ADMIN only: an absolute path on the server to the folder or to an archive of it. */
  serverPath?: string | null;
  name: string;
  description?: string | null;
  /** Special tokens to add besides <|endoftext|>, <context> and <response>. */
  specialTokens?: string[] | null;
}

export interface ImportRun {
  /** Stops the import at the next step (nothing is left behind). */
  signal?: AbortSignal;
  /** 0 to 1 with a short text. */
  progress?: (fraction: number, text: string) => void;
  /** Id of the new version (the job's id when run as a job, so that recovery finds its folder). Defaults to a new UUID. */
  versionId?: string;
}

/** What a model.import job stores: the request and where it came from (for the audit). */
export interface ImportJobInput extends ImportModelRequest {
  origin: RequestOrigin | null;
}

export interface ImportedModel {
  model: Model;
  version: ModelVersion;
}

export interface ModelImportOptions {
  dataDir: string;
  /** Most bytes an archive may expand to. Defaults to 20 GiB. */
  maxExpandedBytes?: number;
  /** Most entries in an archive. Defaults to 10 000. */
  maxArchiveEntries?: number;
}

const DEFAULT_MAX_EXPANDED_BYTES = 20 * 1024 ** 3;
const DEFAULT_MAX_ARCHIVE_ENTRIES = 10_000;
const TEMP_PREFIX = '.import-';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** The digest of a folder: sha256 of its sha256sum-style listing ("<sha256>  <relative path>\n", sorted by path). */
async function sha256Folder(root: string): Promise<string> {
  const files = (readdirSync(root, { recursive: true, encoding: 'utf8' }) as string[]).filter((name) => statSync(join(root, name)).isFile()).sort();
  const listing = createHash('sha256');
  for (const name of files) listing.update(`${await sha256File(join(root, name))}  ${name.split('\\').join('/')}\n`);
  return listing.digest('hex');
}

export class ModelImportService {
  private readonly modelsDir: string;

  /** The 'model.import' job kind: the import runs in the background as its owner. */
  readonly jobKind: JobKind<ImportJobInput> = {
    kind: 'model.import',
    describe: (input) => `Import ${input.uploadId ? 'an uploaded archive' : input.serverPath} as model "${input.name}"`,
    run: async (ctx): Promise<JobResult> => {
      const owner = await this.users.get(ctx.ownerId);
      const principal: Principal = { kind: 'session', user: { id: owner.id, email: owner.email, role: owner.role }, sessionId: `job:${ctx.jobId}`, expiresAt: new Date(8.64e15) };
      const { model } = await this.importModel(principal, ctx.input, ctx.input.origin, { signal: ctx.signal, progress: (fraction, text) => ctx.progress(fraction, text), versionId: ctx.jobId });
      return { type: 'Model', id: model.id };
    },
    // The server died mid-import: a checkpoint renamed into place whose rows never came is removed.
    recover: async (_input, jobId) => {
      if (!(await this.models.findVersion(jobId))) rmSync(join(this.modelsDir, jobId), { recursive: true, force: true });
      rmSync(join(this.modelsDir, `${TEMP_PREFIX}${jobId}`), { recursive: true, force: true });
    },
  };

  constructor(
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
    private readonly users: Pick<UserAdminService, 'get'>,
    private readonly jobs: JobsService,
    private readonly options: ModelImportOptions,
  ) {
    this.modelsDir = join(options.dataDir, 'models');
    mkdirSync(this.modelsDir, { recursive: true });
    jobs.register(this.jobKind);
  }

  /**
   * importModel as a background job: the request is checked now (role, source, name, special
   * tokens, the upload), the work runs as a 'model.import' job whose result is the Model.
   */
  async startImport(principal: Principal, input: ImportModelRequest, origin: RequestOrigin | null): Promise<Job> {
    const request = await this.checkRequest(principal, input);
    if (request.uploadId) await this.datasets.checkUpload(principal, request.uploadId);
    return this.jobs.enqueue({ kind: this.jobKind, principal, input: { ...request, origin }, target: null });
  }

  /** The checks that need no work: role, one source, serverPath for ADMINs only, the name, the special tokens. */
  private async checkRequest(principal: Principal, input: ImportModelRequest): Promise<ImportModelRequest> {
    const user = requireUser(principal);
    if (!hasRole(user.role, Role.DEVELOPER)) throw new ForbiddenError('Importing models needs the DEVELOPER role');
    const hasUpload = Boolean(input.uploadId);
    const hasPath = Boolean(input.serverPath);
    if (hasUpload === hasPath) throw ValidationError.single('input.uploadId', 'give either uploadId (an uploaded archive) or serverPath');
    if (hasPath && !hasRole(user.role, Role.ADMIN)) throw new ForbiddenError('Importing from a path on the server needs the ADMIN role; upload an archive instead');
    if (hasPath && !isAbsolute(input.serverPath!)) throw ValidationError.single('input.serverPath', 'must be an absolute path');
    if (hasPath && !existsSync(input.serverPath!)) throw ValidationError.single('input.serverPath', `${input.serverPath} does not exist`);
    validateSpecialTokens(input.specialTokens ?? [], 'input.specialTokens');
    const name = await this.models.checkNewModelName(principal, input.name);
    return { uploadId: input.uploadId ?? null, serverPath: input.serverPath ?? null, name, description: input.description ?? null, specialTokens: input.specialTokens ?? [] };
  }

  /** The import itself (what the job runs): the model and its version 1, or an error that leaves nothing behind. */
  async importModel(principal: Principal, input: ImportModelRequest, origin: RequestOrigin | null, run: ImportRun = {}): Promise<ImportedModel> {
    await this.checkRequest(principal, input);
    const hasUpload = Boolean(input.uploadId);
    const specialTokens = withDefaultSpecialTokens(input.specialTokens ?? []);

    if (hasUpload) {
      return this.datasets.useUpload(principal, input.uploadId!, (upload) =>
        this.convertAndRegister(principal, { field: 'input.uploadId', name: upload.filename, path: upload.path, sha256: upload.sha256, totalBytes: upload.sizeBytes }, input, specialTokens, origin, run),
      );
    }
    const path = input.serverPath!;
    const real = realpathSync(path);
    const isFolder = statSync(real).isDirectory();
    const sha256 = isFolder ? await sha256Folder(real) : await sha256File(real);
    return this.convertAndRegister(principal, { field: 'input.serverPath', name: basename(real), path: real, sha256, folder: isFolder, totalBytes: isFolder ? 0 : statSync(real).size }, input, specialTokens, origin, run);
  }

  private async convertAndRegister(
    principal: Principal,
    source: { field: string; name: string; path: string; sha256: string; totalBytes: number; folder?: boolean },
    input: ImportModelRequest,
    specialTokens: string[],
    origin: RequestOrigin | null,
    run: ImportRun,
  ): Promise<ImportedModel> {
    const { signal } = run;
    const progress = run.progress ?? (() => undefined);
    const versionId = run.versionId ?? randomUUID();
    const work = join(this.modelsDir, `${TEMP_PREFIX}${versionId}`);
    const final = join(this.modelsDir, versionId);
    mkdirSync(work, { recursive: true });
    let renamed = false;
    try {
      // 1) the folder: extracted from the archive, or the server's folder read in place
      let archiveFormat: string | null = null;
      let folder: string;
      if (source.folder) {
        folder = locateModelFolder(source.path);
      } else {
        const extracted = join(work, 'source');
        mkdirSync(extracted);
        if (!sniffArchive(source.path)) throw new ImportInputError(`${source.name}: is not a tar, tar.gz or zip archive`);
        progress(0.02, 'extracting the archive');
        const result = await extractArchive(source.path, extracted, {
          maxBytes: this.options.maxExpandedBytes ?? DEFAULT_MAX_EXPANDED_BYTES,
          maxEntries: this.options.maxArchiveEntries ?? DEFAULT_MAX_ARCHIVE_ENTRIES,
          ...(signal ? { signal } : {}),
          onBytes: (bytes) => source.totalBytes && progress(Math.min(0.4, 0.02 + (0.38 * bytes) / (source.totalBytes * 1.5)), 'extracting the archive'),
        });
        archiveFormat = result.format;
        folder = locateModelFolder(extracted);
      }
      signal?.throwIfAborted();

      // 2) config, tokenizer, weights
      progress(0.45, 'checking config.json and the tokenizer');
      const config = readHfConfig(folder);
      const tokenizer = readHfTokenizer(folder, specialTokens, tokenizerJson);
      if (tokenizer.originalSize > config.architecture.vocabSize) {
        const file = tokenizer.source === 'tokenizer.json' ? 'tokenizer.json' : 'vocab.json';
        throw new ImportInputError(`${file}: the tokenizer has ${tokenizer.originalSize} tokens but config.json vocab_size is ${config.architecture.vocabSize}`);
      }
      const weightsFile = existsSync(join(folder, 'model.safetensors')) ? 'model.safetensors' : existsSync(join(folder, 'pytorch_model.bin')) ? 'pytorch_model.bin' : null;
      if (!weightsFile) {
        const sharded = existsSync(join(folder, 'model.safetensors.index.json')) || existsSync(join(folder, 'pytorch_model.bin.index.json'));
        throw new ImportInputError(sharded ? 'model.safetensors: the weights are sharded (*.index.json); EGen imports a single weights file' : 'model.safetensors: not found (nor pytorch_model.bin)');
      }
      let weightsPath = join(folder, weightsFile);
      if (weightsFile === 'pytorch_model.bin') {
        // torch.save's zip format, read by the native reader into safetensors under the same names
        progress(0.5, 'reading pytorch_model.bin');
        weightsPath = join(work, 'pytorch_model.safetensors');
        try {
          await readPytorchStateDict({ path: join(folder, weightsFile), outputPath: weightsPath });
        } catch (error) {
          throw new ImportInputError(`pytorch_model.bin: ${(error as Error).message.replace(join(folder, weightsFile), '').replace(/^[\s:]+/, '')}`);
        }
      }
      signal?.throwIfAborted();
      progress(0.55, `converting ${weightsFile}`);
      const tensors = await convertWeights(weightsPath, weightsFile, config.architecture);
      const originalConfig = JSON.parse(readFileSync(join(folder, 'config.json'), 'utf8')) as object;
      const converted = join(work, 'converted');
      mkdirSync(converted);
      await writeModelCheckpoint(converted, config.architecture, tensors, { importedFrom: source.name });
      tensors.length = 0;
      signal?.throwIfAborted();

      // 3) special tokens: grow the embeddings when the new ids pass the vocabulary
      let checkpoint = converted;
      const vocabSize = Math.max(config.architecture.vocabSize, tokenizer.size);
      if (vocabSize > config.architecture.vocabSize) {
        progress(0.75, `adding ${tokenizer.added.length} special tokens`);
        checkpoint = join(work, 'resized');
        await resizeEmbeddings({ checkpoint: converted, vocabSize, outputDir: checkpoint });
      }
      const tokenizerText = tokenizer.json;
      writeFileSync(join(checkpoint, VERSION_TOKENIZER_FILE), tokenizerText);
      signal?.throwIfAborted();

      // 4) into place, then the rows
      progress(0.9, 'registering the model');
      renameSync(checkpoint, final);
      renamed = true;
      const note = activationNote(config.activation);
      const metadata = {
        import: { from: source.name, sha256: source.sha256, archive: archiveFormat, weightsFile, tokenizerFiles: tokenizer.source, config: originalConfig },
        activation: { declared: config.activation, computed: 'gelu', ...(note ? { note } : {}) },
        specialTokens: { added: tokenizer.added, existing: tokenizer.existing },
        embeddings: { vocabSize: { from: config.architecture.vocabSize, to: vocabSize }, resized: vocabSize > config.architecture.vocabSize, newRows: vocabSize > config.architecture.vocabSize ? 'mean of the existing rows' : null },
        tokenizer: { file: VERSION_TOKENIZER_FILE, sha256: createHash('sha256').update(tokenizerText).digest('hex'), size: tokenizer.size },
      };
      const result = await this.models.registerImported(
        principal,
        {
          versionId,
          name: input.name,
          description: input.description ?? null,
          architecture: { ...config.architecture, vocabSize },
          specialTokens,
          checkpointPath: final,
          source: `imported from ${source.name}, sha256 ${source.sha256}`,
          metadata,
        },
        origin,
      );
      progress(1, 'imported');
      return result;
    } catch (error) {
      if (renamed) rmSync(final, { recursive: true, force: true });
      if (error instanceof ImportInputError) throw ValidationError.single(source.field, error.message);
      if (error instanceof ArchiveError) throw ValidationError.single(source.field, `${source.name}: ${error.message}`);
      throw error;
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
}
