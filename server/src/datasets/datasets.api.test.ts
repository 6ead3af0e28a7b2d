// The datasets API as clients use it: POST /api/uploads, then GraphQL, each with
// "Authorization: Bearer <token>", on both engines; who may do what, and the audit log.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { gzipSync } from 'node:zlib';
import { encodeExample, frameRecord } from './formats/tfrecord.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';

const VERSION_FIELDS = `id version format sourceSha256 sourceBytes recordsSha256 recordCount trainTokens validationTokens vocabSize gatePassed directory parentVersionId pipelineHash
  shards { split name path dtype tokens }
  report { rows usableRows trainRecords validationRecords duplicateRows badRowCount badRows { location reason } encodingErrors
    fields { name missing empty } charLength { min max mean p50 p95 } tokenLength { min max mean p50 p95 } tokenizationErrorRate
    gate { passed criteria { name passed value threshold detail } } }`;

/** POST /api/uploads as a client does; `token` null sends no credential. */
export function postUpload(t: TestServer, token: string | null, filename: string, body: string | Buffer): Promise<Response> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return fetch(`${t.httpUrl}/api/uploads?filename=${encodeURIComponent(filename)}`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
}

export async function upload(t: TestServer, token: string, filename: string, body: string | Buffer): Promise<{ id: string; sha256: string; sizeBytes: number }> {
  const response = await postUpload(t, token, filename, body);
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string; sha256: string; sizeBytes: number };
}

type Version = {
  id: string;
  sourceSha256: string | null;
  recordsSha256: string;
  directory: string;
  shards: Array<{ split: string; path: string; dtype: string; tokens: number }>;
  report: Record<string, unknown> & { gate: { passed: boolean; criteria: Array<{ name: string; passed: boolean }> } };
} & Record<string, unknown>;

describe.each(ENGINES)('datasets API on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  beforeAll(async () => {
    t = await startTestServer(engine, { config: { maxUploadBytes: 1024 * 1024 } });
    dev = await t.createUser('DEVELOPER');
  });
  afterAll(async () => t?.stop());

  async function create(input: Record<string, unknown>): Promise<{ data?: { createDataset: { id: string; name: string; versions: Version[] } }; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }> {
    return t.graphqlAs(dev.token, `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id name versions { ${VERSION_FIELDS} } } }`, { input });
  }

  it('uploads a file as a stream and returns its id, size and SHA-256', async () => {
    const result = await upload(t, dev.token, 'notes.txt', 'hello\n\nworld\n');
    expect(result.sizeBytes).toBe(13);
    expect(result.sha256).toBe(createHash('sha256').update('hello\n\nworld\n').digest('hex'));
    expect(existsSync(join(t.dataDir, 'uploads', result.id))).toBe(true);
  });

  it('refuses an upload over the size limit with 413 and keeps nothing', async () => {
    const before = readdirSync(join(t.dataDir, 'uploads')).length;
    const response = await postUpload(t, dev.token, 'big.txt', Buffer.alloc(2 * 1024 * 1024, 97));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('UPLOAD_TOO_LARGE');
    expect(readdirSync(join(t.dataDir, 'uploads')).length).toBe(before);
  });

  it('an upload the client abandons halfway leaves no file and no upload row', async () => {
    const { request } = await import('node:http');
    const before = readdirSync(join(t.dataDir, 'uploads')).sort();
    const req = request(`${t.httpUrl}/api/uploads?filename=half.txt`, { method: 'POST', headers: { 'content-length': String(10 * 1024 * 1024), authorization: `Bearer ${dev.token}` } });
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
    const up = await upload(t, dev.token, 'pairs.jsonl', text);
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

    const list = await t.graphqlAs<{ datasets: { nodes: Array<{ id: string; name: string }> } }>(dev.token, '{ datasets(first: 100) { nodes { id name latestVersion { version } } } }');
    expect(list.data!.datasets.nodes.map((d) => d.name)).toContain('pairs');
    const shown = await t.graphqlAs<{ dataset: { name: string; versions: Array<{ id: string }> } }>(dev.token, 'query($id: ID!) { dataset(id: $id) { name versions { id } } }', { id: dataset.id });
    expect(shown.data!.dataset.versions[0]!.id).toBe(v1.id);

    // same bytes again: the blob is reused
    const again = await upload(t, dev.token, 'pairs-again.jsonl', text);
    const second = await create({ uploadId: again.id, name: 'pairs-again', vocabSize: 400 });
    expect(second.errors).toBeUndefined();
    expect(readdirSync(join(t.dataDir, 'blobs', 'sha256')).filter((h) => h === up.sha256)).toHaveLength(1);

    // delete: the blob stays while the other dataset uses it, then goes
    expect((await t.graphqlAs(dev.token, 'mutation($id: ID!) { deleteDataset(id: $id) }', { id: dataset.id })).data).toEqual({ deleteDataset: true });
    expect(existsSync(v1.directory)).toBe(false);
    expect(existsSync(join(t.dataDir, 'blobs', 'sha256', up.sha256))).toBe(true);
    await t.graphqlAs(dev.token, 'mutation($id: ID!) { deleteDataset(id: $id) }', { id: second.data!.createDataset.id });
    expect(existsSync(join(t.dataDir, 'blobs', 'sha256', up.sha256))).toBe(false);
  });

  it('lists datasets as a connection: pages without gaps or repeats, a name and owner filter, ordering', async () => {
    const names = ['conn-charlie', 'conn-alpha', 'conn-bravo'];
    for (const name of names) {
      const up = await upload(t, dev.token, `${name}.txt`, `text of ${name}\n\nmore of ${name}\n`);
      expect((await create({ uploadId: up.id, name, vocabSize: 300 })).errors).toBeUndefined();
    }
    const query = `query($filter: DatasetFilter, $orderBy: DatasetOrder, $first: Int, $after: String) {
      datasets(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id name ownerId createdAt latestVersion { version } } } }
    }`;
    type Page = {
      datasets: {
        totalCount: number;
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: Array<{ cursor: string; node: { id: string; name: string; ownerId: string | null; createdAt: string; latestVersion: { version: number } | null } }>;
      };
    };
    const all = async (variables: Record<string, unknown>, first: number): Promise<{ totalCount: number; names: string[] }> => {
      const seen: string[] = [];
      let after: string | null = null;
      let totalCount = -1;
      for (let round = 0; round < 20; round++) {
        const result: { data?: Page; errors?: unknown } = await t.graphqlAs<Page>(dev.token, query, { ...variables, first, after });
        expect(result.errors).toBeUndefined();
        const page: Page['datasets'] = result.data!.datasets;
        totalCount = page.totalCount;
        expect(page.edges.length).toBeLessThanOrEqual(first);
        expect(page.edges.every((e) => e.node.latestVersion?.version === 1)).toBe(true);
        seen.push(...page.edges.map((e) => e.node.name));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      return { totalCount, names: seen };
    };
    const filter = { nameContains: 'CONN-' };
    expect(await all({ filter, orderBy: { field: 'NAME', direction: 'ASC' } }, 2)).toEqual({ totalCount: 3, names: ['conn-alpha', 'conn-bravo', 'conn-charlie'] });
    expect(await all({ filter, orderBy: { field: 'NAME', direction: 'DESC' } }, 1)).toEqual({ totalCount: 3, names: ['conn-charlie', 'conn-bravo', 'conn-alpha'] });
    // oldest first by default, newest first on request (created one after another)
    expect((await all({ filter }, 2)).names).toEqual(names);
    expect((await all({ filter, orderBy: { field: 'CREATED_AT', direction: 'DESC' } }, 2)).names).toEqual([...names].reverse());
    expect((await all({ filter: { nameContains: 'bravo' } }, 5)).names).toEqual(['conn-bravo']);
    expect((await all({ filter: { ...filter, ownerId: dev.id } }, 5)).totalCount).toBe(3);
    expect(await all({ filter: { ...filter, ownerId: t.admin.id } }, 5)).toEqual({ totalCount: 0, names: [] });
    const bad = await t.graphqlAs(dev.token, 'query { datasets(first: 2, after: "nope") { totalCount } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    const created = (await t.graphqlAs<Page>(dev.token, query, { filter, first: 10 })).data!.datasets.edges.map((e) => e.node.id);
    for (const id of created) expect((await t.graphqlAs(dev.token, 'mutation($id: ID!) { deleteDataset(id: $id) }', { id })).data).toEqual({ deleteDataset: true });
  });

  it('a bad file gives an error with its location and leaves no version, shard or temp file', async () => {
    const up = await upload(t, dev.token, 'broken.jsonl', '{"text": "fine"}\n[1, 2]\n');
    const result = await create({ uploadId: up.id, name: 'broken' });
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_FILE');
    expect(result.errors?.[0]?.extensions?.location).toBe('line 2');
    expect(result.errors?.[0]?.message).toContain('expected a JSON object, got an array');
    expect(readdirSync(join(t.dataDir, 'datasets'))).toEqual(expect.not.arrayContaining([expect.stringMatching(/^\.tmp-/)]));
    const list = await t.graphqlAs<{ datasets: { nodes: Array<{ name: string }> } }>(dev.token, '{ datasets(first: 100) { nodes { name } } }');
    expect(list.data!.datasets.nodes.map((d) => d.name)).not.toContain('broken');
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
    const up = await upload(t, dev.token, filename, body);
    const result = await create({ uploadId: up.id, name: `nasty-${filename}`, ...options });
    expect(result.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_FILE');
    if (location) {
      expect(result.errors?.[0]?.extensions?.location).toBe(location);
      expect(result.errors?.[0]?.message).toContain(location);
    }
    expect(readdirSync(join(t.dataDir, 'datasets')).sort()).toEqual(datasetsBefore);
    const versions = await t.graphqlAs<{ datasets: { nodes: Array<{ name: string }> } }>(dev.token, '{ datasets(first: 100) { nodes { name } } }');
    expect(versions.data!.datasets.nodes.map((d) => d.name)).not.toContain(`nasty-${filename}`);
    expect(readdirSync(join(t.dataDir, 'uploads')).filter((f) => f !== up.id && !/^[0-9a-f-]{36}$/.test(f))).toEqual([]);
  });

  it('reports missing values and fails the gate', async () => {
    const up = await upload(t, dev.token, 'gaps.csv', 'prompt,response\nhi,hello\nbye,\n');
    const result = await create({ uploadId: up.id, name: 'gaps', vocabSize: 300 });
    expect(result.errors).toBeUndefined();
    const report = result.data!.createDataset.versions[0]!.report;
    expect(report.fields).toEqual(expect.arrayContaining([{ name: 'response', missing: 0, empty: 1 }]));
    expect(report.gate.passed).toBe(false);
    expect(report.gate.criteria[0]).toMatchObject({ name: 'zero missing values', passed: false });
  });

  it('reuses a tokenizer: from another version, or an uploaded tokenizer.json', async () => {
    const base = await create({ uploadId: (await upload(t, dev.token, 'base.txt', 'alpha beta gamma\n\ndelta epsilon\n')).id, name: 'tok-base', vocabSize: 280 });
    const baseVersion = base.data!.createDataset.versions[0]!;
    const baseTokenizer = readFileSync(join(baseVersion.directory, 'tokenizer.json'), 'utf8');
    const fromVersion = await create({ uploadId: (await upload(t, dev.token, 'other.txt', 'gamma delta\n')).id, name: 'tok-from-version', tokenizerFromVersionId: baseVersion.id });
    expect(fromVersion.errors).toBeUndefined();
    expect(readFileSync(join(fromVersion.data!.createDataset.versions[0]!.directory, 'tokenizer.json'), 'utf8')).toBe(baseTokenizer);
    const tokUpload = await upload(t, dev.token, 'tokenizer.json', baseTokenizer);
    const fromUpload = await create({ uploadId: (await upload(t, dev.token, 'third.txt', 'beta\n')).id, name: 'tok-from-upload', tokenizerUploadId: tokUpload.id });
    expect(fromUpload.errors).toBeUndefined();
    expect(fromUpload.data!.createDataset.versions[0]!.vocabSize).toBe(baseVersion.vocabSize);
    const notATokenizer = await create({ uploadId: (await upload(t, dev.token, 'fourth.txt', 'x\n')).id, name: 'tok-bad', tokenizerUploadId: (await upload(t, dev.token, 'nope.json', '{}')).id });
    expect(notATokenizer.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_INPUT');
  });

  it("describes a version's shards from its row: reading it opens no shard header", async () => {
    const up = await upload(t, dev.token, 'rowshards.txt', 'one line\n\nanother line\n\na third\n');
    const v1 = (await create({ uploadId: up.id, name: 'row-shards', vocabSize: 300 })).data!.createDataset.versions[0]!;
    const headers = v1.shards.map((s) => s.path.replace(/\.bin$/, '.json'));
    for (const h of headers) renameSync(h, `${h}.away`);
    try {
      const read = await t.graphqlAs<{ datasetVersion: Version }>(dev.token, `query($id: ID!) { datasetVersion(id: $id) { ${VERSION_FIELDS} } }`, { id: v1.id });
      expect(read.data!.datasetVersion.shards).toEqual(v1.shards);
    } finally {
      for (const h of headers) renameSync(`${h}.away`, h);
    }
  });

  it('removes unfinished uploads, orphan upload files and orphan version folders at start', async () => {
    const { DatasetsService } = await import('./datasets.service.ts');
    const { AuditService } = await import('../audit/audit.service.ts');
    const service = new DatasetsService(t.server.dataSource, new AuditService(t.server.dataSource), { dataDir: t.dataDir, logger: t.server.logger });
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
    const up = await upload(t, dev.token, 'a.txt', 'some text\n');
    expect((await create({ uploadId: up.id, name: 'dup', vocabSize: 300 })).errors).toBeUndefined();
    const up2 = await upload(t, dev.token, 'b.txt', 'other text\n');
    expect((await create({ uploadId: up2.id, name: 'dup' })).errors?.[0]?.extensions?.code).toBe('DATASET_NAME_TAKEN');
  });

  it('runDatasetPipeline creates a version with lineage; equal input and pipeline give equal bytes; plugins listed and used', async () => {
    writeFileSync(
      join(t.dataDir, 'plugins', 'exclaim.ts'),
      "export const exclaim = { name: 'exclaim', description: 'adds !', apply(r: { text: string }) { if (r.text.includes('POISON')) throw new Error('poisoned'); return { text: r.text + '!' }; } };\n",
    );
    const listed = await t.graphqlAs<{ pipelinePlugins: { plugins: Array<{ name: string; file: string }> } }>(dev.token, '{ pipelinePlugins { plugins { name description file } problems { file error } } }');
    expect(listed.data!.pipelinePlugins.plugins).toEqual([{ name: 'exclaim', description: 'adds !', file: 'exclaim.ts' }]);

    const up = await upload(t, dev.token, 'lines.txt', Array.from({ length: 60 }, (_, i) => `Line  ${i}\tWITH   Caps and café${i % 3 === 0 ? ' dup' : ''}`).join('\n\n'));
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
      t.graphqlAs<{ runDatasetPipeline: Version & { version: number } }>(dev.token, `mutation($input: RunPipelineInput!) { runDatasetPipeline(input: $input) { ${VERSION_FIELDS} pipeline } }`, { input: { versionId: v1.id, pipeline: p } });
    const a = await runIt(pipeline);
    expect(a.errors).toBeUndefined();
    const v2 = a.data!.runDatasetPipeline;
    expect(v2).toMatchObject({ version: 2, parentVersionId: v1.id, recordCount: 120, sourceSha256: null });
    expect(v2.pipelineHash).toMatch(/^[0-9a-f]{64}$/);
    const records = readFileSync(join(v2.directory, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string });
    expect(records[0]!.text).toBe('line 0 with caps and café dup!');
    const b = await runIt(pipeline);
    const v3 = b.data!.runDatasetPipeline;
    expect(v3.version).toBe(3);
    expect(v3.recordsSha256).toBe(v2.recordsSha256);
    expect(v3.pipelineHash).toBe(v2.pipelineHash);
    for (const shard of v2.shards) expect(readFileSync(shard.path).equals(readFileSync(shard.path.replace(v2.id, v3.id)))).toBe(true);

    // a plugin error names the plugin and the record, and leaves nothing behind
    const poisoned = await upload(t, dev.token, 'poison.txt', 'fine\n\nPOISON here\n');
    const v = (await create({ uploadId: poisoned.id, name: 'poison', vocabSize: 300 })).data!.createDataset.versions[0]!;
    const before = readdirSync(join(t.dataDir, 'datasets')).sort();
    const failed = await runIt({ steps: [{ type: 'plugin', name: 'exclaim' }] }).then(() =>
      t.graphqlAs(dev.token, `mutation($input: RunPipelineInput!) { runDatasetPipeline(input: $input) { id } }`, { input: { versionId: v.id, pipeline: { steps: [{ type: 'plugin', name: 'exclaim' }] } } }),
    );
    expect(failed.errors?.[0]?.extensions?.code).toBe('PLUGIN_ERROR');
    expect(failed.errors?.[0]?.message).toBe('plugin "exclaim" (exclaim.ts) failed on record at record 2: poisoned');
    const after = readdirSync(join(t.dataDir, 'datasets')).sort();
    expect(after.filter((d) => !before.includes(d))).toHaveLength(1); // only the successful run above
    expect(after.some((d) => d.startsWith('.tmp-'))).toBe(false);

    const invalid = await runIt({ steps: [{ type: 'nope' }] });
    expect(invalid.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_INPUT');
  });

  it('datasetRecords pages through processed records and uploaded rows with their locations; clear errors', async () => {
    // 250 rows; every 7th text spans two lines inside quotes, so file lines and record numbers part ways.
    const rows = Array.from({ length: 250 }, (_, i) => (i % 7 === 3 ? `"row ${i} first line\nrow ${i} second line",L${i % 3}` : `row ${i} says hello,L${i % 3}`));
    const up = await upload(t, dev.token, 'rows.csv', `text,label\n${rows.join('\n')}\n`);
    const created = await create({ uploadId: up.id, name: 'record-pages', vocabSize: 300 });
    expect(created.errors).toBeUndefined();
    const v1 = created.data!.createDataset.versions[0]!;
    type RecordNode = { index: number; text: string | null; split: string | null; fields: Record<string, unknown>; file: string; location: string; line: number | null; truncated: boolean };
    type Page = { datasetRecords: { totalCount: number; pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null }; edges: Array<{ cursor: string; node: RecordNode }> } };
    const QUERY =
      'query($v: ID!, $source: DatasetRecordSource, $first: Int, $after: String) { datasetRecords(versionId: $v, source: $source, first: $first, after: $after) { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { index text split fields file location line truncated } } } }';
    const all = async (token: string, versionId: string, source: string, first: number): Promise<{ nodes: RecordNode[]; pages: number; totalCount: number }> => {
      const nodes: RecordNode[] = [];
      let after: string | null = null;
      let pages = 0;
      let totalCount: number;
      for (;;) {
        const result: { data?: Page; errors?: unknown } = await t.graphqlAs<Page>(token, QUERY, { v: versionId, source, first, after });
        expect(result.errors).toBeUndefined();
        const page: Page['datasetRecords'] = result.data!.datasetRecords;
        pages++;
        totalCount = page.totalCount;
        expect(page.edges.length).toBeLessThanOrEqual(first);
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        nodes.push(...page.edges.map((e) => e.node));
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      return { nodes, pages, totalCount };
    };

    // processed: what trains, one records.jsonl line each, in order, without gaps or repeats
    const processed = await all(dev.token, v1.id, 'PROCESSED', 100);
    expect(processed).toMatchObject({ pages: 3, totalCount: 250 });
    expect(processed.nodes.map((n) => n.index)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(processed.nodes.map((n) => n.line)).toEqual(Array.from({ length: 250 }, (_, i) => i + 1));
    const stored = readFileSync(join(v1.directory, 'records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { text: string; split: string });
    expect(processed.nodes.map((n) => [n.text, n.split])).toEqual(stored.map((r) => [r.text, r.split]));
    expect(processed.nodes[3]).toMatchObject({ file: 'records.jsonl', location: 'line 4', text: 'row 3 first line\nrow 3 second line', truncated: false });
    expect(new Set(processed.nodes.map((n) => n.split))).toEqual(new Set(['train', 'validation']));
    // the default source is PROCESSED, the default page 20
    const defaults = await t.graphqlAs<Page>(dev.token, 'query($v: ID!) { datasetRecords(versionId: $v) { edges { node { index file } } } }', { v: v1.id });
    expect(defaults.data!.datasetRecords.edges.map((e) => e.node.index)).toEqual(Array.from({ length: 20 }, (_, i) => i));

    // uploaded: the CSV rows with their fields and file lines (line 1 is the header)
    const uploaded = await all(dev.token, v1.id, 'UPLOADED', 64);
    expect(uploaded).toMatchObject({ pages: 4, totalCount: 250 });
    expect(uploaded.nodes.map((n) => n.index)).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(uploaded.nodes[0]).toMatchObject({ file: 'rows.csv', location: 'line 2', line: 2, text: 'row 0 says hello', split: null, fields: { text: 'row 0 says hello', label: 'L0' } });
    // the CSV reader names the line a record ends on: row 3 spans lines 5 and 6
    expect(uploaded.nodes[3]).toMatchObject({ line: 6, fields: { text: 'row 3 first line\nrow 3 second line', label: 'L0' } });
    expect(uploaded.nodes[4]!.line).toBe(7);
    expect(uploaded.nodes[249]!.fields).toEqual({ text: 'row 249 says hello', label: 'L0' });

    // a derived version has processed records but no upload of its own
    const derived = await t.graphqlAs<{ runDatasetPipeline: { id: string } }>(dev.token, 'mutation($input: RunPipelineInput!) { runDatasetPipeline(input: $input) { id } }', {
      input: { versionId: v1.id, pipeline: { steps: [{ type: 'lowercase' }] } },
    });
    expect(derived.errors).toBeUndefined();
    const v2 = derived.data!.runDatasetPipeline.id;
    const derivedFirst = await t.graphqlAs<Page>(dev.token, QUERY, { v: v2, first: 2 });
    expect(derivedFirst.data!.datasetRecords.edges.map((e) => e.node.text)).toEqual(['row 0 says hello', 'row 1 says hello']);
    const noUpload = await t.graphqlAs(dev.token, QUERY, { v: v2, source: 'UPLOADED' });
    expect(noUpload.errors?.[0]?.extensions?.code).toBe('INVALID_DATASET_INPUT');
    expect(noUpload.errors?.[0]?.message).toMatch(/^source: version 2 was made by a pipeline/);

    // bad input: unknown version, page size, cursors forged, from another list or another source
    const unknown = await t.graphqlAs(dev.token, QUERY, { v: '00000000-0000-0000-0000-000000000000' });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('DATASET_VERSION_NOT_FOUND');
    expect(unknown.errors?.[0]?.message).toBe('no dataset version with id 00000000-0000-0000-0000-000000000000');
    for (const first of [0, 101]) expect((await t.graphqlAs(dev.token, QUERY, { v: v1.id, first })).errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
    const firstPage = (await t.graphqlAs<Page>(dev.token, QUERY, { v: v1.id, first: 5 })).data!.datasetRecords;
    const [, position, byte] = JSON.parse(Buffer.from(firstPage.pageInfo.endCursor!, 'base64url').toString('utf8')) as [string, number, number];
    expect(position).toBe(5);
    const midLine = Buffer.from(JSON.stringify(['processed', 5, byte + 3])).toString('base64url');
    const uploadedCursor = (await t.graphqlAs<Page>(dev.token, QUERY, { v: v1.id, source: 'UPLOADED', first: 5 })).data!.datasetRecords.pageInfo.endCursor;
    for (const after of ['nope', midLine, uploadedCursor]) {
      expect((await t.graphqlAs(dev.token, QUERY, { v: v1.id, after })).errors?.[0]?.extensions, String(after)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
    }

    // reading is for every signed-in role; anonymous callers are refused
    const viewer = await t.createUser('VIEWER');
    expect((await all(viewer.token, v1.id, 'PROCESSED', 100)).nodes).toHaveLength(250);
    const anonymous = await t.graphql(QUERY, { v: v1.id });
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(anonymous.data?.datasetRecords ?? null).toBeNull();
  });

  describe('who may do what', () => {
    const CREATE = 'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id ownerId owner { email } } }';
    const RUN = 'mutation($input: RunPipelineInput!) { runDatasetPipeline(input: $input) { id version } }';
    const DELETE = 'mutation($id: ID!) { deleteDataset(id: $id) }';
    const PIPELINE = { steps: [{ type: 'lowercase' }] };
    type Result = Awaited<ReturnType<TestServer['graphql']>>;
    const code = (result: Result): unknown => result.errors?.[0]?.extensions?.code;
    let viewer: TestUser;
    let other: TestUser;
    let owned: { datasetId: string; versionId: string };

    beforeAll(async () => {
      viewer = await t.createUser('VIEWER');
      other = await t.createUser('DEVELOPER');
      const up = await upload(t, dev.token, 'owned.txt', 'Owned Text\n\nMore Text\n');
      const created = await t.graphqlAs<{ createDataset: { id: string; versions: Array<{ id: string }> } }>(dev.token, 'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id versions { id } } }', {
        input: { uploadId: up.id, name: 'owned', vocabSize: 300 },
      });
      expect(created.errors).toBeUndefined();
      owned = { datasetId: created.data!.createDataset.id, versionId: created.data!.createDataset.versions[0]!.id };
    });

    it('POST /api/uploads: anonymous 401 UNAUTHENTICATED, a viewer 403 FORBIDDEN; nothing is kept', async () => {
      const before = readdirSync(join(t.dataDir, 'uploads')).sort();
      const anonymous = await postUpload(t, null, 'anon.txt', 'text\n');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('UNAUTHENTICATED');
      const badToken = await postUpload(t, 'not-a-token', 'anon.txt', 'text\n');
      expect(badToken.status).toBe(401);
      const asViewer = await postUpload(t, viewer.token, 'viewer.txt', 'text\n');
      expect(asViewer.status).toBe(403);
      expect(((await asViewer.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
      expect(readdirSync(join(t.dataDir, 'uploads')).sort()).toEqual(before);
      expect(await t.server.dataSource.query(`SELECT id FROM uploads WHERE filename IN ('anon.txt', 'viewer.txt')`)).toEqual([]);
    });

    it('createDataset, runDatasetPipeline and deleteDataset: anonymous UNAUTHENTICATED, a viewer FORBIDDEN', async () => {
      const up = await upload(t, dev.token, 'mine.txt', 'some text\n');
      const attempts: Array<[string, Record<string, unknown>]> = [
        [CREATE, { input: { uploadId: up.id, name: 'by-someone' } }],
        [RUN, { input: { versionId: owned.versionId, pipeline: PIPELINE } }],
        [DELETE, { id: owned.datasetId }],
      ];
      for (const [query, variables] of attempts) {
        expect(code(await t.graphql(query, variables)), query).toBe('UNAUTHENTICATED');
        expect(code(await t.graphqlAs(viewer.token, query, variables)), query).toBe('FORBIDDEN');
      }
      // reading stays open to every signed-in role
      const read = await t.graphqlAs<{ dataset: { name: string; owner: { email: string } } }>(viewer.token, 'query($id: ID!) { dataset(id: $id) { name owner { email } } }', { id: owned.datasetId });
      expect(read.data!.dataset).toEqual({ name: 'owned', owner: { email: dev.email } });
    });

    it("a developer uses only their own uploads; an admin anyone's", async () => {
      const mine = await upload(t, dev.token, 'not-yours.txt', "other people's text\n");
      const tokenizer = await upload(t, dev.token, 'tokenizer.json', readFileSync(join(t.dataDir, 'datasets', owned.versionId, 'tokenizer.json')));
      const stolen = await t.graphqlAs(other.token, CREATE, { input: { uploadId: mine.id, name: 'stolen' } });
      expect(code(stolen)).toBe('FORBIDDEN');
      expect(stolen.errors?.[0]?.message).toBe('Only the owner or an admin may use this upload');
      const ownText = await upload(t, other.token, 'own.txt', 'own text\n');
      expect(code(await t.graphqlAs(other.token, CREATE, { input: { uploadId: ownText.id, name: 'borrowed-tokenizer', tokenizerUploadId: tokenizer.id } }))).toBe('FORBIDDEN');
      // the refused upload is still there for its owner
      expect(existsSync(join(t.dataDir, 'uploads', mine.id))).toBe(true);
      const byAdmin = await t.graphqlAs<{ createDataset: { ownerId: string; owner: { email: string } } }>(t.admin.token, CREATE, { input: { uploadId: mine.id, name: 'made-by-admin', vocabSize: 300 } });
      expect(byAdmin.errors).toBeUndefined();
      expect(byAdmin.data!.createDataset).toEqual(expect.objectContaining({ ownerId: t.admin.id, owner: { email: t.admin.email } }));
    });

    it('a developer changes and deletes only their own datasets; an admin any', async () => {
      const run = await t.graphqlAs(other.token, RUN, { input: { versionId: owned.versionId, pipeline: PIPELINE } });
      expect(code(run)).toBe('FORBIDDEN');
      expect(run.errors?.[0]?.message).toBe('Only the owner or an admin may change this dataset');
      const del = await t.graphqlAs(other.token, DELETE, { id: owned.datasetId });
      expect(code(del)).toBe('FORBIDDEN');
      expect(del.errors?.[0]?.message).toBe('Only the owner or an admin may delete this dataset');
      expect(readdirSync(join(t.dataDir, 'datasets')).filter((d) => d.startsWith('.tmp-'))).toEqual([]);

      const byOwner = await t.graphqlAs<{ runDatasetPipeline: { version: number } }>(dev.token, RUN, { input: { versionId: owned.versionId, pipeline: PIPELINE } });
      expect(byOwner.data!.runDatasetPipeline.version).toBe(2);
      const byAdmin = await t.graphqlAs<{ runDatasetPipeline: { version: number } }>(t.admin.token, RUN, { input: { versionId: owned.versionId, pipeline: PIPELINE } });
      expect(byAdmin.data!.runDatasetPipeline.version).toBe(3);

      // a dataset from before owners were recorded: only an admin may change it
      const legacyUp = await upload(t, dev.token, 'legacy.txt', 'old text\n');
      const legacy = await t.graphqlAs<{ createDataset: { id: string } }>(dev.token, CREATE, { input: { uploadId: legacyUp.id, name: 'legacy', vocabSize: 300 } });
      await t.server.dataSource.query(`UPDATE datasets SET owner_id = NULL WHERE id = '${legacy.data!.createDataset.id}'`);
      expect(code(await t.graphqlAs(dev.token, DELETE, { id: legacy.data!.createDataset.id }))).toBe('FORBIDDEN');
      expect((await t.graphqlAs(t.admin.token, DELETE, { id: legacy.data!.createDataset.id })).data).toEqual({ deleteDataset: true });
    });

    it('createDataset, runDatasetPipeline and deleteDataset are in the audit log: who, what, before and after', async () => {
      const up = await upload(t, dev.token, 'audited.txt', 'Audited Text\n\nMore\n');
      const created = await t.graphqlAs<{ createDataset: { id: string; versions: Array<{ id: string }> } }>(dev.token, 'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id versions { id } } }', {
        input: { uploadId: up.id, name: 'audited', vocabSize: 300 },
      });
      const datasetId = created.data!.createDataset.id;
      const v1 = created.data!.createDataset.versions[0]!.id;
      const run = await t.graphqlAs<{ runDatasetPipeline: { id: string } }>(dev.token, RUN, { input: { versionId: v1, pipeline: PIPELINE } });
      const v2 = run.data!.runDatasetPipeline.id;
      await t.graphqlAs(t.admin.token, DELETE, { id: datasetId });

      type Entry = { action: string; actorId: string; actorEmail: string; targetType: string; targetId: string; before: Record<string, unknown> | null; after: Record<string, unknown> | null };
      const AUDIT = 'query($filter: AuditLogFilter) { auditLog(filter: $filter, first: 10) { nodes { action actorId actorEmail targetType targetId before after } } }';
      const entries = async (filter: Record<string, unknown>): Promise<Entry[]> => {
        const result = await t.graphqlAs<{ auditLog: { nodes: Entry[] } }>(t.admin.token, AUDIT, { filter });
        expect(result.errors).toBeUndefined();
        return result.data!.auditLog.nodes;
      };
      const [deleted, createdEntry] = await entries({ targetId: datasetId });
      expect(createdEntry).toMatchObject({ action: 'dataset.created', actorId: dev.id, actorEmail: dev.email, targetType: 'Dataset', before: null });
      expect(createdEntry!.after).toMatchObject({ id: datasetId, name: 'audited', ownerId: dev.id, versions: [{ id: v1, version: 1, format: 'text', sourceSha256: up.sha256, gatePassed: true }] });
      expect(deleted).toMatchObject({ action: 'dataset.deleted', actorId: t.admin.id, targetType: 'Dataset', after: null });
      expect(deleted!.before).toMatchObject({ id: datasetId, name: 'audited', ownerId: dev.id, versions: [{ id: v1 }, { id: v2, parentVersionId: v1 }] });
      const [derived] = await entries({ targetId: v2 });
      expect(derived).toMatchObject({ action: 'dataset_version.created', actorId: dev.id, targetType: 'DatasetVersion' });
      expect(derived!.before).toMatchObject({ datasetId, latestVersion: { id: v1, version: 1 } });
      expect(derived!.after).toMatchObject({ datasetId, id: v2, version: 2, parentVersionId: v1, pipeline: PIPELINE });
    });
  });
});
