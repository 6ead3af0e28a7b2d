// Artifacts through the real API on both engines: exportModelVersion returns the job at once and
// refuses bad options with field errors; the artifact appears under its version with its parity;
// the download streams as zip and tar.gz with the same files (hashes compared after unpacking) to
// anyone who may read the version and to no one else; deleteModelArtifact is the owner's.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Entry, fromBuffer } from 'yauzl';
import { ENGINES } from '../../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../../test/test-server.ts';
import type { Principal } from '../../security/principal.ts';
import { Role } from '../../security/roles.ts';
import { exportFixture, type ExportFixture } from '../export/testing/export-fixtures.ts';
import { unpackTarGz, verifyUnpacked } from './artifact-unpack.ts';

type ArtifactView = {
  id: string;
  format: string;
  status: string;
  sha256: string;
  totalBytes: number;
  downloadPath: string;
  options: Record<string, unknown>;
  files: Array<{ name: string; bytes: number; sha256: string }>;
  parity: { maxAbsDifference: number; tolerance: number; runtime: string };
};
const FIELDS = 'id format status sha256 totalBytes downloadPath options files { name bytes sha256 } parity { maxAbsDifference tolerance runtime }';
const EXPORT = 'mutation($v: ID!, $f: ExportFormat!, $o: ExportOptionsInput) { exportModelVersion(versionId: $v, format: $f, options: $o) { id status kind } }';

function unzip(bytes: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const hashes = new Map<string, string>();
      zip.on('entry', (entry: Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const hash = createHash('sha256');
          stream.on('data', (chunk: Buffer) => hash.update(chunk));
          stream.on('end', () => {
            hashes.set(entry.fileName, hash.digest('hex'));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(hashes));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe.each(ENGINES)('artifacts API on %s', (engine) => {
  let t: TestServer;
  let owner: TestUser;
  let other: TestUser;
  let viewer: TestUser;
  let fixture: ExportFixture;
  let versionId: string;

  const principalOf = (u: TestUser): Principal => ({ kind: 'session', user: { id: u.id, email: u.email, role: u.role as Role }, sessionId: 'test', expiresAt: new Date(Date.now() + 3600_000) });
  const finished = async (jobId: string) => {
    for (let i = 0; i < 1200; i++) {
      const job = await t.server.services.jobs.get(principalOf(owner), jobId);
      if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(job.status)) return job;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${jobId} did not finish`);
  };
  const download = (path: string, token: string | null) => fetch(`${t.httpUrl}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  beforeAll(async () => {
    t = await startTestServer(engine, { runTraining: false, config: { training: { threads: 1 } } });
    owner = await t.createUser('DEVELOPER');
    other = await t.createUser('DEVELOPER');
    viewer = await t.createUser('VIEWER');
    const dir = join(t.dataDir, 'fixture');
    mkdirSync(dir);
    fixture = await exportFixture(dir);
    const { vocabSize, contextLength, nLayer, nHead, nEmbd } = fixture.model;
    const created = await t.graphqlAs<{ createModel: { id: string } }>(owner.token, 'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: { name: 'tiny', architecture: { vocabSize, contextLength, layers: nLayer, heads: nHead, embeddingWidth: nEmbd } },
    });
    const version = await t.graphqlAs<{ createModelVersion: { id: string } }>(owner.token, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }', {
      i: { modelId: created.data!.createModel.id, checkpointPath: fixture.checkpoint },
    });
    versionId = version.data!.createModelVersion.id;
  }, 120_000);
  afterAll(async () => t?.stop());

  it('refuses bad options with field errors and viewers with FORBIDDEN', async () => {
    const bad = await t.graphqlAs(owner.token, EXPORT, { v: versionId, f: 'HUGGING_FACE', o: { onnxOpset: 99, lora: 'ADAPTER' } });
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    const fields = (bad.errors![0]!.extensions!.fieldErrors as Array<{ field: string }>).map((f) => f.field).sort();
    expect(fields).toEqual(['options.onnxOpset']);
    const lora = await t.graphqlAs(owner.token, EXPORT, { v: versionId, f: 'HUGGING_FACE', o: { lora: 'ADAPTER' } });
    expect(lora.errors?.[0]?.extensions?.fieldErrors).toEqual([{ field: 'options.lora', message: expect.stringContaining('no LoRA adapters') }]);
    const denied = await t.graphqlAs(viewer.token, EXPORT, { v: versionId, f: 'HUGGING_FACE' });
    expect(denied.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('exports, lists the artifact under its version, downloads it as zip and tar.gz, and deletes it', async () => {
    const started = await t.graphqlAs<{ exportModelVersion: { id: string; status: string; kind: string } }>(owner.token, EXPORT, { v: versionId, f: 'HUGGING_FACE', o: { dtype: 'FP32' } });
    expect(started.errors).toBeUndefined();
    expect(started.data!.exportModelVersion).toMatchObject({ status: 'QUEUED', kind: 'model.export' });
    const job = await finished(started.data!.exportModelVersion.id);
    expect(job).toMatchObject({ status: 'COMPLETED', resultType: 'ModelArtifact' });

    const listed = await t.graphqlAs<{ modelVersion: { artifacts: ArtifactView[] }; modelArtifacts: ArtifactView[] }>(viewer.token, `query($v: ID!) { modelVersion(id: $v) { artifacts { ${FIELDS} } } modelArtifacts(versionId: $v) { id } }`, {
      v: versionId,
    });
    expect(listed.errors).toBeUndefined();
    const [artifact] = listed.data!.modelVersion.artifacts;
    expect(listed.data!.modelArtifacts.map((a) => a.id)).toEqual([artifact!.id]);
    expect(artifact).toMatchObject({ id: job.resultId, format: 'HUGGING_FACE', status: 'READY', options: { dtype: 'fp32', lora: 'merged' }, downloadPath: `/api/artifacts/${job.resultId}/download` });
    expect(artifact!.parity.maxAbsDifference).toBeLessThanOrEqual(artifact!.parity.tolerance);
    expect(artifact!.parity.tolerance).toBe(1e-4);

    // zip, read by yauzl
    const zip = await download(`${artifact!.downloadPath}?archive=zip`, viewer.token);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect(zip.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="tiny-v1-hugging_face-${artifact!.sha256.slice(0, 8)}\\.zip"$`));
    const zipped = await unzip(Buffer.from(await zip.arrayBuffer()));
    expect([...zipped.keys()].sort()).toEqual([...artifact!.files.map((f) => f.name), 'manifest.json'].sort());
    for (const file of artifact!.files) expect(zipped.get(file.name)).toBe(file.sha256);

    // tar.gz, unpacked as the CLI does and checked against manifest.json
    const tgz = await download(`${artifact!.downloadPath}?archive=tar.gz`, owner.token);
    expect(tgz.status).toBe(200);
    expect(tgz.headers.get('content-disposition')).toMatch(/\.tar\.gz"$/);
    const out = mkdtempSync(join(tmpdir(), 'egen-artifact-download-'));
    const names = await unpackTarGz(Readable.fromWeb(tgz.body as never), out);
    expect(names.sort()).toEqual([...artifact!.files.map((f) => f.name), 'manifest.json'].sort());
    expect((await verifyUnpacked(out)).files).toEqual(artifact!.files);

    // the same access as the version: no credential, no download; a bad archive name is a 400
    expect((await download(`${artifact!.downloadPath}?archive=zip`, null)).status).toBe(401);
    const badArchive = await download(`${artifact!.downloadPath}?archive=rar`, owner.token);
    expect(badArchive.status).toBe(400);
    expect(((await badArchive.json()) as { error: { message: string } }).error.message).toContain('archive');
    expect((await download('/api/artifacts/00000000-0000-0000-0000-000000000000/download', owner.token)).status).toBe(404);

    // delete: not another developer's; the owner's
    const refused = await t.graphqlAs(other.token, 'mutation($id: ID!) { deleteModelArtifact(id: $id) }', { id: artifact!.id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const deleted = await t.graphqlAs<{ deleteModelArtifact: boolean }>(owner.token, 'mutation($id: ID!) { deleteModelArtifact(id: $id) }', { id: artifact!.id });
    expect(deleted.data?.deleteModelArtifact).toBe(true);
    expect((await t.graphqlAs<{ modelArtifacts: unknown[] }>(owner.token, 'query($v: ID!) { modelArtifacts(versionId: $v) { id } }', { v: versionId })).data!.modelArtifacts).toEqual([]);
    expect((await download(artifact!.downloadPath, owner.token)).status).toBe(404);
    const audit = await t.graphqlAs<{ auditLog: { nodes: Array<{ action: string }> } }>(t.admin.token, 'query($id: ID) { auditLog(filter: { targetId: $id }) { nodes { action } } }', { id: artifact!.id });
    expect(audit.data?.auditLog.nodes.map((n) => n.action).sort()).toEqual(['model_artifact.created', 'model_artifact.deleted']);
  }, 120_000);
});
