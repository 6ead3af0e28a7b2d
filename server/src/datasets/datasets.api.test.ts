// The datasets API as clients use it: POST /api/uploads, then GraphQL, on both engines.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { gzipSync } from 'node:zlib';
import { encodeExample, frameRecord } from './formats/tfrecord.ts';
import { startTestServer, type TestServer } from '../../test/test-server.ts';

const VERSION_FIELDS = `id version format sourceSha256 sourceBytes recordsSha256 recordCount trainTokens validationTokens vocabSize gatePassed directory parentVersionId pipelineHash
  shards { split name path dtype tokens }
  report { rows usableRows trainRecords validationRecords duplicateRows badRowCount badRows { location reason } encodingErrors
    fields { name missing empty } charLength { min max mean p50 p95 } tokenLength { min max mean p50 p95 } tokenizationErrorRate
    gate { passed criteria { name passed value threshold detail } } }`;

export async function upload(t: TestServer, filename: string, body: string | Buffer): Promise<{ id: string; sha256: string; sizeBytes: number }> {
  const response = await fetch(`${t.httpUrl}/api/uploads?filename=${encodeURIComponent(filename)}`, { method: "POST", body: typeof body === "string" ? body : new Uint8Array(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; sha256: string; sizeBytes: number };
}

type Version = { id: string; sourceSha256: string | null; recordsSha256: string; directory: string; shards: Array<{ split: string; path: string; dtype: string; tokens: number }>; report: Record<string, unknown> & { gate: { passed: boolean; criteria: Array<{ name: string; passed: boolean }> } } } & Record<string, unknown>;

describe.each(ENGINES)('datasets API on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(engine, { config: { maxUploadBytes: 1024 * 1024 } });
  });
  afterAll(async () => t?.stop());

  async function create(input: Record<string, unknown>): Promise<{ data?: { createDataset: { id: string; name: string; versions: Version[] } }; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
    return t.graphql(`mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id name versions { ${VERSION_FIELDS} } } }`, { input });
  }

  it('uploads a file as a stream and returns its id, size and SHA-256', async () => {
    const result = await upload(t, 'notes.txt', 'hello\n\nworld\n');
    expect(result.sizeBytes).toBe(13);
    expect(result.sha256).toBe(createHash('sha256').update('hello\n\nworld\n').digest('hex'));
    expect(existsSync(join(t.dataDir, 'uploads', result.id))).toBe(true);
  });

  it('refuses an upload over the size limit with 413 and keeps nothing', async () => {
    const before = readdirSync(join(t.dataDir, 'uploads')).length;
    const response = await fetch(`${t.httpUrl}/api/uploads?filename=big.txt`, { method: 'POST', body: new Uint8Array(2 * 1024 * 1024).fill(97) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as { code: string }).code).toBe('UPLOAD_TOO_LARGE');
    expect(readdirSync(join(t.dataDir, 'uploads')).length).toBe(before);
  });

  it('an upload the client abandons halfway leaves no file and no upload row', async () => {
    const { request } = await import('node:http');
    const before = readdirSync(join(t.dataDir, 'uploads')).sort();
    const req = request(`${t.httpUrl}/api/uploads?filename=half.txt`, { method: 'POST', headers: { 'content-length': String(10 * 1024 * 1024) } });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(256 * 1024, 98));
    await new Promise((resolve) => setTimeout(resolve, 200));
    req.destroy();
    const rows = async (): Promise<unknown[]> => (await t.server.dataSource.query(`SELECT id FROM uploads WHERE filename = 'half.txt'`)) as unknown[];
    for (let i = 0; i < 100 && (readdirSync(join(t.dataDir, 'uploads')).length !== before.length || (await rows()).length > 0); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(readdirSync(join(t.dataDir, 'uploads')).sort()).toEqual(before);
    expect(await rows()).toEqual([]);
  });

  it('createDataset builds version 1 with report, tokenizer and shards; list, show and delete', async () => {
    const text = readFileSync(join(import.meta.dirname, '../../../datasets/instructions.jsonl'));
    const up = await upload(t, 'pairs.jsonl', text);
    const result = await create({ uploadId: up.id, name: 'pairs', vocabSize: 400 });
    expect(result.errors).toBeUndefined();
    const dataset = result.data!.createDataset;
    const v1 = dataset.versions[0]!;
    expect(v1.sourceSha256).toBe(up.sha256);
    expect(v1.report.rows).toBe(64);
    expect(v1.report.gate.passed).toBe(true);
    expect(v1.report.gate.criteria.map((c) => c.name)).toEqual(['zero missing values', 'tokenization error rate < 0.1%']);
    expect(v1.shards.map((s) => s.split)).toEqual(['train', 'validation']);
    for (const shard of v1.shards) {
      const header = JSON.parse(readFileSync(shard.path.replace(/\.bin$/, '.json'), 'utf8'));
      expect(header).toEqual({ format: 'egen-tokens', version: 1, dtype: 'uint16', count: shard.tokens, vocabSize: v1.vocabSize });
      expect(readFileSync(shard.path).length).toBe(shard.tokens * 2);
    }
    expect(existsSync(join(t.dataDir, 'blobs', 'sha256', up.sha256))).toBe(true);
    expect(existsSync(join(t.dataDir, 'uploads', up.id))).toBe(false);

    const list = await t.graphql<{ datasets: Array<{ id: string; name: string }> }>('{ datasets { id name latestVersion { version } } }');
    expect(list.data!.datasets.map((d) => d.name)).toContain('pairs');
    const shown = await t.graphql<{ dataset: { name: string; versions: Array<{ id: string }> } }>('query($id: ID!) { dataset(id: $id) { name versions { id } } }', { id: dataset.id });
    expect(shown.data!.dataset.versions[0]!.id).toBe(v1.id);

    // same bytes again: the blob is reused
    const again = await upload(t, 'pairs-again.jsonl', text);
    const second = await create({ uploadId: again.id, name: 'pairs-again', vocabSize: 400 });
    expect(second.errors).toBeUndefined();
    expect(readdirSync(join(t.dataDir, 'blobs', 'sha256')).filter((h) => h === up.sha256)).toHaveLength(1);

    // delete: the blob stays while the other dataset uses it, then goes
    expect((await t.graphql('mutation($id: ID!) { deleteDataset(id: $id) }', { id: dataset.id })).data).toEqual({ deleteDataset: true });
    expect(existsSync(v1.directory)).toBe(false);
    expect(existsSync(join(t.dataDir, 'blobs', 'sha256', up.sha256))).toBe(true);
    await t.graphql('mutation($id: ID!) { deleteDataset(id: $id) }', { id: second.data!.createDataset.id });
    expect(existsSync(join(t.dataDir, 'blobs', 'sha256', up.sha256))).toBe(false);
  });

  it('a bad file gives an error with its location and leaves no version, shard or temp file', async () => {
    const up = await upload(t, 'broken.jsonl', '{"text": "fine"}\n[1, 2]\n');
    const result = await create({ uploadId: up.id, name: 'broken' });
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_FILE');
    expect(result.errors?.[0]?.extensions?.location).toBe('line 2');
    expect(result.errors?.[0]?.message).toContain('expected a JSON object, got an array');
    expect(readdirSync(join(t.dataDir, 'datasets'))).toEqual(expect.not.arrayContaining([expect.stringMatching(/^\.tmp-/)]));
    const list = await t.graphql<{ datasets: Array<{ name: string }> }>('{ datasets { name } }');
    expect(list.data!.datasets.map((d) => d.name)).not.toContain('broken');
    // the upload survives, so it can be retried with other options
    const skipped = await create({ uploadId: up.id, name: 'broken-skipped', badRows: 'SKIP' });
    expect(skipped.errors).toBeUndefined();
    expect(skipped.data!.createDataset.versions[0]!.report).toMatchObject({ rows: 1, badRowCount: 1, badRows: [{ location: 'line 2' }] });
  });

  const tfrecord = Buffer.concat([frameRecord(encodeExample({ text: 'one' })), frameRecord(encodeExample({ text: 'two' }))]);
  const crcBroken = Buffer.from(tfrecord);
  crcBroken[14] = crcBroken[14]! ^ 1;
  const NASTY: Array<[string, string, Buffer | string, Record<string, unknown>, string]> = [
    ['invalid UTF-8', 'bad.txt', Buffer.concat([Buffer.from('fine\n\nnot '), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]), {}, 'line 3, byte 10'],
    ['an empty file', 'empty.csv', '', {}, 'byte 0'],
    ['a JSONL line that is not an object', 'x.jsonl', '{"text":"a"}\n42\n', {}, 'line 2'],
    ['an unclosed CSV quote', 'x.csv', 'text\n"open\n', {}, 'line 2'],
    ['a truncated TFRecord', 'x.tfrecord', tfrecord.subarray(0, tfrecord.length - 2), {}, `record 2 (byte ${frameRecord(encodeExample({ text: 'one' })).length})`],
    ['a TFRecord CRC mismatch', 'y.tfrecord', crcBroken, {}, 'record 1 (byte 0)'],
    ['a gzip that is not gzip', 'z.tfrecord', tfrecord, { compression: 'GZIP' }, 'byte 0'],
    ['a corrupt gzip', 'w.tfrecord', Buffer.concat([gzipSync(tfrecord).subarray(0, 30)]), {}, ''],
  ];
  it.each(NASTY)('%s: a clear error with its location; no version, shard or temp file', async (_label, filename, body, options, location) => {
    const datasetsBefore = readdirSync(join(t.dataDir, 'datasets')).sort();
    const up = await upload(t, filename, body);
    const result = await create({ uploadId: up.id, name: `nasty-${filename}`, ...options });
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_FILE');
    if (location) {
      expect(result.errors?.[0]?.extensions?.location).toBe(location);
      expect(result.errors?.[0]?.message).toContain(location);
    }
    expect(readdirSync(join(t.dataDir, 'datasets')).sort()).toEqual(datasetsBefore);
    const versions = await t.graphql<{ datasets: Array<{ name: string }> }>('{ datasets { name } }');
    expect(versions.data!.datasets.map((d) => d.name)).not.toContain(`nasty-${filename}`);
    expect(readdirSync(join(t.dataDir, 'uploads')).filter((f) => f !== up.id && !/^[0-9a-f-]{36}$/.test(f))).toEqual([]);
  });

  it('reports missing values and fails the gate', async () => {
    const up = await upload(t, 'gaps.csv', 'prompt,response\nhi,hello\nbye,\n');
    const result = await create({ uploadId: up.id, name: 'gaps', vocabSize: 300 });
    expect(result.errors).toBeUndefined();
    const report = result.data!.createDataset.versions[0]!.report;
    expect(report.fields).toEqual(expect.arrayContaining([{ name: 'response', missing: 0, empty: 1 }]));
    expect(report.gate.passed).toBe(false);
    expect(report.gate.criteria[0]).toMatchObject({ name: 'zero missing values', passed: false });
  });

  it('reuses a tokenizer: from another version, or an uploaded tokenizer.json', async () => {
    const base = await create({ uploadId: (await upload(t, 'base.txt', 'alpha beta gamma\n\ndelta epsilon\n')).id, name: 'tok-base', vocabSize: 280 });
    const baseVersion = base.data!.createDataset.versions[0]!;
    const baseTokenizer = readFileSync(join(baseVersion.directory, 'tokenizer.json'), 'utf8');
    const fromVersion = await create({ uploadId: (await upload(t, 'other.txt', 'gamma delta\n')).id, name: 'tok-from-version', tokenizerFromVersionId: baseVersion.id });
    expect(fromVersion.errors).toBeUndefined();
    expect(readFileSync(join(fromVersion.data!.createDataset.versions[0]!.directory, 'tokenizer.json'), 'utf8')).toBe(baseTokenizer);
    const tokUpload = await upload(t, 'tokenizer.json', baseTokenizer);
    const fromUpload = await create({ uploadId: (await upload(t, 'third.txt', 'beta\n')).id, name: 'tok-from-upload', tokenizerUploadId: tokUpload.id });
    expect(fromUpload.errors).toBeUndefined();
    expect(fromUpload.data!.createDataset.versions[0]!.vocabSize).toBe(baseVersion.vocabSize);
    const notATokenizer = await create({ uploadId: (await upload(t, 'fourth.txt', 'x\n')).id, name: 'tok-bad', tokenizerUploadId: (await upload(t, 'nope.json', '{}')).id });
    expect(notATokenizer.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_INPUT');
  });

  it('removes unfinished uploads, orphan upload files and orphan version folders at start', async () => {
    const { DatasetsService } = await import('./datasets.service.ts');
    const service = new DatasetsService(t.server.dataSource, { dataDir: t.dataDir, logger: t.server.logger });
    writeFileSync(join(t.dataDir, 'uploads', 'orphan'), 'x');
    utimesSync(join(t.dataDir, 'uploads', 'orphan'), new Date(2000, 0, 1), new Date(2000, 0, 1));
    await t.server.dataSource.query(`INSERT INTO uploads (id, status, filename, size_bytes, sha256, created_at) VALUES ('11111111-1111-1111-1111-111111111111', 'IN_PROGRESS', 'a.txt', 0, NULL, '2000-01-01T00:00:00.000Z')`);
    writeFileSync(join(t.dataDir, 'uploads', '11111111-1111-1111-1111-111111111111'), 'partial');
    const { mkdirSync } = await import('node:fs');
    const orphanVersion = join(t.dataDir, 'datasets', '22222222-2222-2222-2222-222222222222');
    mkdirSync(orphanVersion);
    utimesSync(orphanVersion, new Date(2000, 0, 1), new Date(2000, 0, 1));
    const versionsBefore = readdirSync(join(t.dataDir, 'datasets')).length;
    expect(await service.removeStaleUploads(60_000)).toBe(3);
    expect(existsSync(orphanVersion)).toBe(false);
    expect(readdirSync(join(t.dataDir, 'datasets')).length).toBe(versionsBefore - 1);
    expect(existsSync(join(t.dataDir, 'uploads', 'orphan'))).toBe(false);
    expect(existsSync(join(t.dataDir, 'uploads', '11111111-1111-1111-1111-111111111111'))).toBe(false);
  });

  it('unknown upload ids and duplicate names are typed errors', async () => {
    const missing = await create({ uploadId: '00000000-0000-0000-0000-000000000000', name: 'x' });
    expect(missing.errors?.[0]?.extensions?.code).toBe('UPLOAD_NOT_FOUND');
    const up = await upload(t, 'a.txt', 'some text\n');
    expect((await create({ uploadId: up.id, name: 'dup', vocabSize: 300 })).errors).toBeUndefined();
    const up2 = await upload(t, 'b.txt', 'other text\n');
    expect((await create({ uploadId: up2.id, name: 'dup' })).errors?.[0]?.extensions?.code).toBe('DATASET_NAME_TAKEN');
  });

  it('runDatasetPipeline creates a version with lineage; equal input and pipeline give equal bytes; plugins listed and used', async () => {
    writeFileSync(
      join(t.dataDir, 'plugins', 'exclaim.ts'),
      "export const exclaim = { name: 'exclaim', description: 'adds !', apply(r: { text: string }) { if (r.text.includes('POISON')) throw new Error('poisoned'); return { text: r.text + '!' }; } };\n",
    );
    const listed = await t.graphql<{ pipelinePlugins: { plugins: Array<{ name: string; file: string }> } }>('{ pipelinePlugins { plugins { name description file } problems { file error } } }');
    expect(listed.data!.pipelinePlugins.plugins).toEqual([{ name: 'exclaim', description: 'adds !', file: 'exclaim.ts' }]);

    const up = await upload(t, 'lines.txt', Array.from({ length: 60 }, (_, i) => `Line  ${i}\tWITH   Caps and café${i % 3 === 0 ? ' dup' : ''}`).join('\n\n'));
    const created = await create({ uploadId: up.id, name: 'lines', vocabSize: 300 });
    expect(created.errors).toBeUndefined();
    const v1 = created.data!.createDataset.versions[0]!;
    const pipeline = {
      steps: [
        { type: 'normalize', form: 'NFKC' },
        { type: 'lowercase' },
        { type: 'collapseWhitespace' },
        { type: 'plugin', name: 'exclaim' },
        { type: 'augment', seed: 7, wordSwap: 0.3, keepOriginal: true },
        { type: 'split', validationFraction: 0.25, seed: 11 },
      ],
    };
    const runIt = (p: unknown) =>
      t.graphql<{ runDatasetPipeline: Version & { version: number } }>(`mutation($input: RunPipelineInput!) { runDatasetPipeline(input: $input) { ${VERSION_FIELDS} pipeline } }`, { input: { versionId: v1.id, pipeline: p } });
    const a = await runIt(pipeline);
    expect(a.errors).toBeUndefined();
    const v2 = a.data!.runDatasetPipeline;
    expect(v2).toMatchObject({ version: 2, parentVersionId: v1.id, recordCount: 120, sourceSha256: null });
    expect(v2.pipelineHash).toMatch(/^[0-9a-f]{64}$/);
    const records = readFileSync(join(v2.directory, 'records.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string });
    expect(records[0]!.text).toBe('line 0 with caps and café dup!');
    const b = await runIt(pipeline);
    const v3 = b.data!.runDatasetPipeline;
    expect(v3.version).toBe(3);
    expect(v3.recordsSha256).toBe(v2.recordsSha256);
    expect(v3.pipelineHash).toBe(v2.pipelineHash);
    for (const shard of v2.shards) expect(readFileSync(shard.path).equals(readFileSync(shard.path.replace(v2.id, v3.id)))).toBe(true);

    // a plugin error names the plugin and the record, and leaves nothing behind
    const poisoned = await upload(t, 'poison.txt', 'fine\n\nPOISON here\n');
    const v = (await create({ uploadId: poisoned.id, name: 'poison', vocabSize: 300 })).data!.createDataset.versions[0]!;
    const before = readdirSync(join(t.dataDir, 'datasets')).sort();
    const failed = await runIt({ steps: [{ type: 'plugin', name: 'exclaim' }] }).then(() => t.graphql(`mutation($input: RunPipelineInput!) { runDatasetPipeline(input: $input) { id } }`, { input: { versionId: v.id, pipeline: { steps: [{ type: 'plugin', name: 'exclaim' }] } } }));
    expect(failed.errors?.[0]?.extensions?.code).toBe('PLUGIN_ERROR');
    expect(failed.errors?.[0]?.message).toBe('plugin "exclaim" (exclaim.ts) failed on record at record 2: poisoned');
    const after = readdirSync(join(t.dataDir, 'datasets')).sort();
    expect(after.filter((d) => !before.includes(d))).toHaveLength(1); // only the successful run above
    expect(after.some((d) => d.startsWith('.tmp-'))).toBe(false);

    const invalid = await runIt({ steps: [{ type: 'nope' }] });
    expect(invalid.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_INPUT');
  });
});
