// One export, as the 'model.export' job runs it: resolve the version's checkpoint (merging LoRA
// adapters, or keeping them apart for a PEFT adapter), let the format's writer fill a folder in the
// job's workDir, check parity (the native model's logits against the artifact's own runtime on
// the fixed prompts), hash every file, write manifest.json, then rename the folder into
// <dataDir>/artifacts/<id> and insert the row in one transaction. The artifact's id is the job's
// id, so the recovery of a job that died knows which folder it may have left.
import { nativeParityLogits } from '../export/native-parity.ts';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { DataSource } from 'typeorm';
import { mergeLora, openModel } from '../../../../native/index.ts';
import type { AuditService } from '../../audit/audit.service.ts';
import type { DatasetsService } from '../../datasets/datasets.service.ts';
import type { JobKind, JobResult, JobRunContext } from '../../jobs/job.types.ts';
import type { Principal } from '../../security/principal.ts';
import type { Role } from '../../security/roles.ts';
import { EGEN_VERSION } from '../../system/system.service.ts';
import type { ExportOptions } from '../../../../schema/options/export-options.ts';
import { type ExportedModel, type ExportFormat, type FormatWriteContext, type FormatWriter, maxAbsDifference, PARITY_TOLERANCE, parityPrompts } from '../export/export-format.ts';
import type { ModelsService } from '../models.service.ts';
import { type ArtifactFile, type ArtifactManifest, ArtifactStatus, ModelArtifact } from './artifact.entity.ts';

export const EXPORT_JOB_KIND = 'model.export';
export const MANIFEST_FILE = 'manifest.json';

/** What an export job stores: the version, the format, every export option resolved, and who asked (for the audit line). */
export interface ExportJobInput {
  versionId: string;
  format: ExportFormat;
  options: ExportOptions;
  requestedBy: { id: string; email: string; role: Role };
}

export interface ExportJobDependencies {
  dataSource: DataSource;
  audit: AuditService;
  models: ModelsService;
  datasets: DatasetsService;
  /** <dataDir>/artifacts */
  artifactsDir: string;
  /** Intra-op threads of the native parity forward. Defaults to libtorch's. */
  threads: number | null;
  /** The writer of a format (FORMAT_WRITERS; tests pass their own). */
  writerOf: (format: ExportFormat) => FormatWriter | null;
}

/** checkpoint.json fields the export reads. */
export interface CheckpointSummary {
  model: ExportedModel;
  lora: unknown;
  adapterOnly: boolean;
  baseCheckpoint: string | null;
}

export function readCheckpointSummary(dir: string): CheckpointSummary {
  const manifest = JSON.parse(readFileSync(join(dir, 'checkpoint.json'), 'utf8')) as Partial<CheckpointSummary>;
  if (!manifest.model) throw new Error(`${dir}/checkpoint.json has no model config`);
  return { model: manifest.model, lora: manifest.lora ?? null, adapterOnly: manifest.adapterOnly === true, baseCheckpoint: manifest.baseCheckpoint ?? null };
}

/** The options a format reads, as stored with its artifact. */
export function appliedOptions(writer: FormatWriter | null, options: ExportOptions): Record<string, string | number | boolean> {
  return Object.fromEntries((writer?.options ?? []).map((key) => [key, options[key]]));
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function listFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as Array<{ name: string; parentPath?: string; path?: string; isFile(): boolean }>)
    .filter((entry) => entry.isFile())
    .map((entry) =>
      relative(dir, join(entry.parentPath ?? entry.path ?? dir, entry.name))
        .split('\\')
        .join('/'),
    )
    .sort();
}

function cancelled(signal: AbortSignal): boolean {
  return signal.aborted;
}

/** The 'model.export' job kind over the given services. */
export function exportJobKind(deps: ExportJobDependencies): JobKind<ExportJobInput> {
  return {
    kind: EXPORT_JOB_KIND,
    describe: (input) =>
      `Export model version ${input.versionId} as ${input.format} (${Object.entries(appliedOptions(deps.writerOf(input.format), input.options))
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')})`,
    run: (ctx) => runExport(deps, ctx),
    // A folder renamed into place whose row never committed (the process died in between).
    async recover(_input, jobId) {
      const row = await deps.dataSource.getRepository(ModelArtifact).existsBy({ id: jobId });
      if (!row) rmSync(join(deps.artifactsDir, jobId), { recursive: true, force: true });
    },
  };
}

async function runExport(deps: ExportJobDependencies, ctx: JobRunContext<ExportJobInput>): Promise<JobResult | null> {
  const { input, signal, workDir } = ctx;
  const writer = deps.writerOf(input.format);
  if (!writer) throw new Error(`this server has no ${input.format} writer`);
  const version = await deps.models.getVersion(input.versionId);
  const model = await deps.models.get(version.modelId);
  if (!version.checkpointPath) throw new Error(`model version ${version.version} has no weights (checkpointPath)`);
  const source = readCheckpointSummary(version.checkpointPath);

  // 1) the checkpoint the writer reads: plain, LoRA merged, or the adapter apart from its base
  let checkpointDir = version.checkpointPath;
  let adapterCheckpointDir: string | null = null;
  if (writer.options.includes('lora') && input.options.lora === 'adapter') {
    if (!source.adapterOnly || !source.baseCheckpoint) throw new Error(`model version ${version.version} is not a LoRA version saved as adapters only`);
    checkpointDir = source.baseCheckpoint;
    adapterCheckpointDir = version.checkpointPath;
  } else if (source.lora) {
    ctx.progress(0.02, 'merging the LoRA adapters');
    checkpointDir = join(workDir, 'merged');
    await mergeLora({ checkpoint: version.checkpointPath, outputDir: checkpointDir });
  }
  if (cancelled(signal)) return null;

  const tokenizerVersionId = model.tokenizerId ?? version.datasetVersionId;
  const tokenizerVersion = tokenizerVersionId ? await deps.datasets.getVersion(tokenizerVersionId) : null;
  const tokenizerJson = tokenizerVersion ? (await deps.datasets.versionTokenizer(tokenizerVersion)).json : null;

  // 2) the writer fills a folder of the workDir
  const outputDir = join(workDir, 'artifact');
  mkdirSync(outputDir, { recursive: true });
  const step = (from: number, to: number) => (fraction: number, text: string) => ctx.progress(from + (to - from) * Math.min(1, Math.max(0, fraction)), text);
  const writeCtx: FormatWriteContext = {
    checkpointDir,
    adapterCheckpointDir,
    outputDir,
    model: source.model,
    tokenizerJson,
    specialTokens: model.specialTokens,
    labels: model.labels,
    options: input.options,
    signal,
    progress: step(0.05, 0.55),
  };
  ctx.progress(0.05, `writing the ${input.format} files`);
  const files = await writer.write(writeCtx);
  if (cancelled(signal)) return null;

  // 3) parity: the native model of the version against the artifact's runtime
  ctx.progress(0.55, 'parity check: native logits');
  const prompts = parityPrompts(source.model);
  const native = await openModel({ checkpoint: version.checkpointPath, device: 'cpu' });
  let reference: Float32Array;
  try {
    reference = await nativeParityLogits(native, prompts, deps.threads);
  } finally {
    native.dispose();
  }
  if (cancelled(signal)) return null;
  const artifactLogits = await writer.parityLogits({ ...writeCtx, progress: step(0.6, 0.9) }, prompts);
  const difference = maxAbsDifference(reference, artifactLogits);
  const tolerance = PARITY_TOLERANCE[input.options.dtype];
  if (!(difference <= tolerance)) {
    throw new Error(`parity check failed: the ${input.format} artifact's logits differ from the native model's by up to ${difference.toExponential(3)}, above the ${input.options.dtype} tolerance ${tolerance} (${writer.parityRuntime})`);
  }
  if (cancelled(signal)) return null;

  // 4) content addresses: every file the writer named, and nothing else
  ctx.progress(0.9, 'hashing the files');
  const present = listFiles(outputDir);
  const unlisted = present.filter((name) => !files.includes(name));
  const missing = files.filter((name) => !present.includes(name));
  if (missing.length || unlisted.length || files.includes(MANIFEST_FILE)) {
    throw new Error(`the ${input.format} writer's file list does not match its folder (missing: ${missing.join(', ') || 'none'}; unlisted: ${unlisted.join(', ') || 'none'})`);
  }
  const hashed: ArtifactFile[] = [];
  for (const name of [...files].sort()) {
    if (cancelled(signal)) return null;
    const path = join(outputDir, name);
    hashed.push({ name, bytes: statSync(path).size, sha256: await sha256Of(path) });
  }
  const sha256 = createHash('sha256')
    .update(hashed.map((f) => `${f.sha256}  ${f.name}\n`).join(''))
    .digest('hex');
  const id = ctx.jobId;
  const createdAt = new Date();
  const manifest: ArtifactManifest = {
    egenVersion: EGEN_VERSION,
    artifactId: id,
    source: { modelId: model.id, modelName: model.name, versionId: version.id, version: version.version },
    format: input.format,
    options: appliedOptions(writer, input.options),
    files: hashed,
    sha256,
    parity: { maxAbsDifference: difference, tolerance, runtime: writer.parityRuntime, prompts: prompts.length, promptTokens: prompts[0]!.length },
    createdAt: createdAt.toISOString(),
  };
  writeFileSync(join(outputDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  if (cancelled(signal)) return null;

  // 5) publish: the row and the folder together, or neither
  ctx.progress(0.97, 'storing the artifact');
  const artifact: ModelArtifact = {
    id,
    versionId: version.id,
    format: input.format,
    options: manifest.options,
    status: ArtifactStatus.READY,
    files: hashed,
    manifest,
    sha256,
    totalBytes: hashed.reduce((sum, f) => sum + f.bytes, 0),
    path: id,
    jobId: ctx.jobId,
    createdBy: input.requestedBy.id,
    createdAt,
  };
  const finalDir = join(deps.artifactsDir, id);
  mkdirSync(deps.artifactsDir, { recursive: true });
  const actor: Principal = { kind: 'session', user: input.requestedBy, sessionId: `job:${ctx.jobId}`, expiresAt: new Date(8.64e15) };
  let renamed = false;
  try {
    await deps.dataSource.transaction(async (manager) => {
      await manager.getRepository(ModelArtifact).insert(artifact);
      await deps.audit.record(
        { action: 'model_artifact.created', actor, targetType: 'ModelArtifact', targetId: id, after: { versionId: version.id, format: input.format, options: manifest.options, sha256, totalBytes: artifact.totalBytes, parity: manifest.parity } },
        manager,
      );
      if (existsSync(finalDir)) throw new Error(`artifact folder ${finalDir} already exists`);
      renameSync(outputDir, finalDir);
      renamed = true;
    });
  } catch (error) {
    if (renamed) rmSync(finalDir, { recursive: true, force: true });
    throw error;
  }
  ctx.progress(1, `parity ${difference.toExponential(2)} (tolerance ${tolerance})`);
  return { type: 'ModelArtifact', id };
}
