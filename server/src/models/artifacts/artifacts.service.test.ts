// ArtifactsService and the model.export job against a real database, the real job system and the
// real Hugging Face writer: the stored row, files, hashes and manifest.json; what is refused up
// front; and that a failing writer, a parity figure above tolerance or a cancel leaves no row and no
// folder; delete removes both; the audit lines; recovery of a folder whose row never committed.
import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../../test/databases.ts';
import { AuditService } from '../../audit/audit.service.ts';
import { User } from '../../auth/user.entity.ts';
import { DatasetsService } from '../../datasets/datasets.service.ts';
import { openDatabase } from '../../db/data-source.ts';
import { ForbiddenError, ValidationError } from '../../errors/domain-error.ts';
import type { Job } from '../../jobs/jobs.types.ts';
import { JobsService } from '../../jobs/jobs.service.ts';
import { createLogger } from '../../logging/logger.ts';
import { InProcessPubSub } from '../../pubsub/pubsub.ts';
import type { Principal } from '../../security/principal.ts';
import { Role } from '../../security/roles.ts';
import { ExportFormat, type FormatWriter } from '../export/export-format.ts';
import { huggingFaceWriter } from '../export/huggingface-format.ts';
import { exportFixture, type ExportFixture } from '../export/testing/export-fixtures.ts';
import { ModelsService } from '../models.service.ts';
import { ModelArtifact } from './artifact.entity.ts';
import { ArtifactsService } from './artifacts.service.ts';
import { MANIFEST_FILE } from './export-job.ts';

const user = (id: string, role: Role): Principal => ({ kind: 'session', user: { id, email: `${id}@test.local`, role }, sessionId: `s-${id}`, expiresAt: new Date(Date.now() + 3600_000) });
const alice = user('alice', Role.DEVELOPER);
const bob = user('bob', Role.DEVELOPER);
const viewer = user('vera', Role.VIEWER);

const sha256 = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

describe.each(ENGINES)('model artifacts on %s', (engine) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let dataDir: string;
  let fixture: ExportFixture;
  let jobs: JobsService;
  let audit: AuditService;
  let artifacts: ArtifactsService<Job>;
  let versionId: string;
  let loraVersionId: string;
  // What the job runs for HUGGING_FACE: the real writer unless a test swaps it.
  let writer: FormatWriter = huggingFaceWriter;

  const ended = async (id: string): Promise<Job> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = await jobs.get(alice, id);
      if (JobsService.isFinished(job)) return job;
      if (Date.now() > deadline) throw new Error(`job ${id} did not end: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const nothingLeft = async (): Promise<void> => {
    expect(await dataSource.getRepository(ModelArtifact).count()).toBe(0);
    expect(existsSync(artifacts.artifactsDir) ? readdirSync(artifacts.artifactsDir) : []).toEqual([]);
    expect(existsSync(join(dataDir, 'jobs')) ? readdirSync(join(dataDir, 'jobs')) : []).toEqual([]);
  };

  beforeAll(async () => {
    database = await createTestDatabase(engine);
    dataSource = (await openDatabase(database.config)).dataSource;
    dataDir = mkdtempSync(join(tmpdir(), 'egen-artifacts-'));
    mkdirSync(join(dataDir, 'fixture'));
    fixture = await exportFixture(join(dataDir, 'fixture'));
    const logger = createLogger({ logLevel: 'fatal', logToFile: false, dataDir });
    audit = new AuditService(dataSource);
    const models = new ModelsService(dataSource, audit);
    const datasets = new DatasetsService(dataSource, audit, { dataDir, logger });
    jobs = new JobsService(dataSource, { dataDir, logger, pubSub: new InProcessPubSub(), pollIntervalMs: 20, progressIntervalMs: 50 });
    artifacts = new ArtifactsService(dataSource, audit, models, datasets, jobs, { dataDir, threads: 1, writerOf: (format) => (format === ExportFormat.HUGGING_FACE ? writer : null) });
    await jobs.start();
    const now = new Date();
    for (const p of [alice, bob, viewer]) {
      if (p.kind !== 'session') continue;
      await dataSource.getRepository(User).insert({ id: p.user.id, email: p.user.email, passwordHash: 'x', role: p.user.role, disabledAt: null, lastLoginAt: null, createdAt: now, updatedAt: now });
    }
    const { vocabSize, contextLength, nLayer, nHead, nEmbd } = fixture.model;
    const model = await models.create(alice, { name: 'tiny', architecture: { vocabSize, contextLength, layers: nLayer, heads: nHead, embeddingWidth: nEmbd, bias: true } }, null);
    versionId = (await models.createVersion(alice, { modelId: model.id, checkpointPath: fixture.checkpoint }, null)).id;
    loraVersionId = (await models.createVersion(alice, { modelId: model.id, checkpointPath: fixture.loraCheckpoint, parentVersionId: versionId }, null)).id;
  }, 120_000);
  afterAll(async () => {
    await jobs?.stop();
    await dataSource?.destroy();
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses bad requests up front with field errors, queueing nothing', async () => {
    const refusal = async (promise: Promise<unknown>): Promise<Array<{ field: string; message: string }>> => {
      const error = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ValidationError);
      return (error as ValidationError).fieldErrors;
    };
    expect(await refusal(artifacts.startExport(alice, versionId, ExportFormat.HUGGING_FACE, { onnxOpset: 5 }))).toEqual([{ field: 'options.onnxOpset', message: 'must be an integer from 17 to 21 (got 5)' }]);
    expect(await refusal(artifacts.startExport(alice, versionId, ExportFormat.HUGGING_FACE, { lora: 'adapter' }))).toEqual([{ field: 'options.lora', message: expect.stringContaining('holds no LoRA adapters') }]);
    expect(await refusal(artifacts.startExport(alice, 'nope', ExportFormat.TORCHSCRIPT, {}))).toEqual([
      { field: 'versionId', message: 'is not a model version' },
      { field: 'format', message: 'TORCHSCRIPT has no writer on this server' },
    ]);
    await expect(artifacts.startExport(viewer, versionId, ExportFormat.HUGGING_FACE, {})).rejects.toBeInstanceOf(ForbiddenError);
    expect((await jobs.list(alice, null, {})).totalCount).toBe(0);
  });

  it('exports a version: the job returns at once, then one row and one folder with hashed files, manifest.json, parity and an audit line', async () => {
    const job = await artifacts.startExport(alice, versionId, ExportFormat.HUGGING_FACE, { dtype: 'fp16', onnxOpset: 18 });
    expect(job).toMatchObject({ status: 'QUEUED', kind: 'model.export', targetType: 'ModelVersion', targetId: versionId });
    const done = await ended(job.id);
    expect(done).toMatchObject({ status: 'COMPLETED', resultType: 'ModelArtifact', resultId: job.id, errorMessage: null });

    const [artifact] = await artifacts.list(versionId);
    expect(artifact).toMatchObject({ id: job.id, format: 'HUGGING_FACE', options: { dtype: 'fp16', lora: 'merged' }, status: 'READY', createdBy: 'alice', jobId: job.id });
    const dir = artifacts.directory(artifact!);
    expect(dir).toBe(join(dataDir, 'artifacts', job.id));
    expect(readdirSync(dir).sort()).toEqual([...artifact!.files.map((f) => f.name), MANIFEST_FILE].sort());
    for (const file of artifact!.files) expect(file.sha256).toBe(sha256(join(dir, file.name)));
    expect(artifact!.totalBytes).toBe(artifact!.files.reduce((sum, f) => sum + f.bytes, 0));
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as ModelArtifact['manifest'];
    expect(manifest).toEqual(artifact!.manifest);
    expect(manifest).toMatchObject({ format: 'HUGGING_FACE', options: { dtype: 'fp16', lora: 'merged' }, source: { versionId, version: 1, modelName: 'tiny' }, sha256: artifact!.sha256 });
    expect(manifest.parity.tolerance).toBe(2e-2);
    expect(manifest.parity.maxAbsDifference).toBeGreaterThan(0);
    expect(manifest.parity.maxAbsDifference).toBeLessThanOrEqual(2e-2);
    expect(manifest.parity).toMatchObject({ prompts: 3, promptTokens: 24, runtime: expect.stringContaining('libtorch') });
    expect(existsSync(join(dataDir, 'jobs', job.id))).toBe(false);
    const lines = await audit.list({ action: 'model_artifact.created', targetId: job.id }, {});
    expect(lines.nodes).toHaveLength(1);
    expect(lines.nodes[0]).toMatchObject({ actorId: 'alice' });

    // delete: not someone else's; the owner removes row and folder, audited
    await expect(artifacts.delete(bob, artifact!.id, null)).rejects.toBeInstanceOf(ForbiddenError);
    expect(await artifacts.delete(alice, artifact!.id, null)).toBe(true);
    await nothingLeft();
    expect((await audit.list({ action: 'model_artifact.deleted', targetId: job.id }, {})).nodes).toHaveLength(1);
  }, 60_000);

  it('exports a LoRA version merged, and as a PEFT adapter with its own parity', async () => {
    for (const lora of ['merged', 'adapter'] as const) {
      const job = await artifacts.startExport(alice, loraVersionId, ExportFormat.HUGGING_FACE, { lora });
      expect(await ended(job.id)).toMatchObject({ status: 'COMPLETED' });
      const artifact = await artifacts.get(job.id);
      expect(artifact.files.map((f) => f.name)).toContain(lora === 'adapter' ? 'adapter_model.safetensors' : 'model.safetensors');
      expect(artifact.manifest.parity.maxAbsDifference).toBeLessThanOrEqual(1e-4);
      await artifacts.delete(alice, artifact.id, null);
    }
    await nothingLeft();
  }, 60_000);

  it('a writer that fails, a parity figure above tolerance, or a cancel leave no row and no folder', async () => {
    try {
      writer = {
        ...huggingFaceWriter,
        async write(ctx) {
          writeFileSync(join(ctx.outputDir, 'model.safetensors'), 'partial');
          throw new Error('disk full while writing model.safetensors');
        },
      };
      const failed = await ended((await artifacts.startExport(alice, versionId, ExportFormat.HUGGING_FACE, {})).id);
      expect(failed).toMatchObject({ status: 'FAILED', errorMessage: 'disk full while writing model.safetensors' });
      await nothingLeft();

      writer = {
        ...huggingFaceWriter,
        async parityLogits(ctx, prompts) {
          const logits = await huggingFaceWriter.parityLogits(ctx, prompts);
          logits[7]! += 0.004;
          return logits;
        },
      };
      const drifted = await ended((await artifacts.startExport(alice, versionId, ExportFormat.HUGGING_FACE, {})).id);
      expect(drifted.status).toBe('FAILED');
      expect(drifted.errorMessage).toMatch(/parity check failed: .* differ .* by up to 4\.0\d\de-3, above the fp32 tolerance 0\.0001/);
      await nothingLeft();

      let started!: () => void;
      const writing = new Promise<void>((resolve) => (started = resolve));
      writer = {
        ...huggingFaceWriter,
        async write(ctx) {
          writeFileSync(join(ctx.outputDir, 'config.json'), '{}');
          started();
          await new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true }));
          return [];
        },
      };
      const job = await artifacts.startExport(alice, versionId, ExportFormat.HUGGING_FACE, {});
      await writing;
      await jobs.cancel(alice, job.id);
      expect(await ended(job.id)).toMatchObject({ status: 'CANCELLED' });
      await nothingLeft();
    } finally {
      writer = huggingFaceWriter;
    }
  }, 60_000);

  it('recovery removes a folder renamed into place whose row never committed, and keeps a committed one', async () => {
    const stray = join(artifacts.artifactsDir, 'job-that-died');
    mkdirSync(stray, { recursive: true });
    writeFileSync(join(stray, 'model.safetensors'), 'x');
    const input = { versionId, format: ExportFormat.HUGGING_FACE, options: {} as never, requestedBy: { id: 'alice', email: 'alice@test.local', role: Role.DEVELOPER } };
    await artifacts.exportKind.recover!(input, 'job-that-died');
    expect(existsSync(stray)).toBe(false);

    const job = await artifacts.startExport(alice, versionId, ExportFormat.HUGGING_FACE, {});
    expect(await ended(job.id)).toMatchObject({ status: 'COMPLETED' });
    await artifacts.exportKind.recover!(input, job.id);
    expect(existsSync(join(artifacts.artifactsDir, job.id))).toBe(true);
    await artifacts.delete(alice, job.id, null);
  }, 60_000);
});
