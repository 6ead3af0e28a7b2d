// Labelled datasets (data for classifiers) through the real API: a label field in the column
// mapping of CSV, JSONL and TFRecord files; the label set in the report; records.jsonl keeping
// each record's label through a pipeline; rows without a label as bad rows with their locations.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { encodeExample, frameRecord } from './formats/tfrecord.ts';

const FIELDS = `id recordCount sourceOptions directory report { rows usableRows trainRecords validationRecords mappedFields badRowCount badRows { location reason } labels { name count train validation } gate { passed } }`;

type Version = {
  id: string;
  recordCount: number;
  sourceOptions: { mapping: Record<string, unknown> };
  directory: string;
  report: {
    rows: number;
    usableRows: number;
    trainRecords: number;
    validationRecords: number;
    mappedFields: string[];
    badRowCount: number;
    badRows: Array<{ location: string; reason: string }>;
    labels: Array<{ name: string; count: number; train: number; validation: number }> | null;
  };
};
type Result = { data?: { createDataset: { versions: Version[] } }; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };

async function upload(t: TestServer, token: string, filename: string, body: string | Buffer): Promise<{ id: string }> {
  const response = await fetch(`${t.httpUrl}/api/uploads?filename=${encodeURIComponent(filename)}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: typeof body === 'string' ? body : new Uint8Array(body) });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

function records(version: Version): Array<{ text: string; split: string; label?: string }> {
  return readFileSync(join(version.directory, 'records.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { text: string; split: string; label?: string });
}

describe('labelled datasets', () => {
  let t: TestServer;
  let dev: TestUser;
  beforeAll(async () => {
    t = await startTestServer('sqlite');
    dev = await t.createUser('DEVELOPER');
  });
  afterAll(async () => t?.stop());

  async function create(filename: string, body: string | Buffer, input: Record<string, unknown>): Promise<Result> {
    const { id } = await upload(t, dev.token, filename, body);
    return t.graphqlAs(dev.token, `mutation($input: CreateDatasetInput!) { createDataset(input: $input) { versions { ${FIELDS} } } }`, { input: { uploadId: id, name: `${filename}-${Math.random()}`, vocabSize: 300, ...input } });
  }

  const TEXTS = Array.from({ length: 40 }, (_, i) => ({ text: `review number ${i} says ${i % 3 === 0 ? 'great' : i % 3 === 1 ? 'awful' : 'fine'} things`, label: i % 3 === 0 ? 'pos' : i % 3 === 1 ? 'neg' : 'neutral' }));

  it('CSV: maps a label column, records each label and the label set with its split counts', async () => {
    const csv = 'text,sentiment\n' + TEXTS.map((r) => `"${r.text}",${r.label}`).join('\n') + '\n';
    const result = await create('reviews.csv', csv, { textFields: ['text'], labelField: 'sentiment' });
    expect(result.errors).toBeUndefined();
    const version = result.data!.createDataset.versions[0]!;
    expect(version.sourceOptions.mapping).toMatchObject({ kind: 'text', textFields: ['text'], labelField: 'sentiment' });
    expect(version.report.mappedFields).toEqual(['text', 'sentiment']);
    const labels = version.report.labels!;
    expect(labels.map((l) => [l.name, l.count])).toEqual([
      ['neg', 13],
      ['neutral', 13],
      ['pos', 14],
    ]);
    for (const l of labels) expect(l.train + l.validation).toBe(l.count);
    expect(labels.reduce((a, l) => a + l.validation, 0)).toBe(version.report.validationRecords);
    const written = records(version);
    expect(written).toHaveLength(40);
    for (const r of written) expect(r.label).toBe(TEXTS.find((s) => s.text === r.text)!.label);
    // A labelled version writes no example shards (the run writes them for its model's label order).
    expect(readdirSync(version.directory).filter((f) => f.includes('example'))).toEqual([]);
  });

  it('JSONL: guesses the text field without taking the label field, and a number label becomes text', async () => {
    const jsonl = TEXTS.map((r, i) => JSON.stringify({ stars: i % 2 ? 1 : 5, body: r.text })).join('\n') + '\n';
    const result = await create('stars.jsonl', jsonl, { labelField: 'stars' });
    expect(result.errors).toBeUndefined();
    const version = result.data!.createDataset.versions[0]!;
    expect(version.sourceOptions.mapping).toMatchObject({ textFields: ['body'], labelField: 'stars' });
    expect(version.report.labels!.map((l) => [l.name, l.count])).toEqual([
      ['1', 20],
      ['5', 20],
    ]);
  });

  it('TFRecord: an int64 or a bytes feature holds the label', async () => {
    const data = Buffer.concat(TEXTS.map((r, i) => frameRecord(encodeExample({ text: r.text, label: i % 2, name: r.label }))));
    const byInt = await create('examples.tfrecord', data, { textFields: ['text'], labelField: 'label' });
    expect(byInt.errors).toBeUndefined();
    expect(byInt.data!.createDataset.versions[0]!.report.labels!.map((l) => l.name)).toEqual(['0', '1']);
    const byName = await create('examples.tfrecord', data, { textFields: ['text'], labelField: 'name' });
    expect(byName.data!.createDataset.versions[0]!.report.labels!.map((l) => l.name)).toEqual(['neg', 'neutral', 'pos']);
  });

  it('a row without a label is a bad row: FAIL stops at its line, SKIP lists it and leaves it out', async () => {
    const csv = 'text,label\nfirst row,a\nsecond row,\nthird row,b\nfourth row,  \n';
    const before = readdirSync(join(t.dataDir, 'datasets')).length;
    const failed = await create('gaps.csv', csv, { textFields: ['text'], labelField: 'label' });
    expect(failed.errors?.[0]?.extensions).toMatchObject({ code: 'INVALID_DATASET_FILE', location: 'line 3' });
    expect(failed.errors?.[0]?.message).toContain('no label: the label field "label" is empty');
    expect(readdirSync(join(t.dataDir, 'datasets')).length).toBe(before);
    const skipped = await create('gaps.csv', csv, { textFields: ['text'], labelField: 'label', badRows: 'SKIP' });
    const version = skipped.data!.createDataset.versions[0]!;
    expect(version.report.badRows).toEqual([
      { location: 'line 3', reason: 'no label: the label field "label" is empty' },
      { location: 'line 5', reason: 'no label: the label field "label" is empty' },
    ]);
    expect(version.recordCount).toBe(2);
    expect(version.report.labels!.map((l) => l.name)).toEqual(['a', 'b']);
  });

  it('refuses a label field that is not a field, or that is also mapped as text, naming it', async () => {
    const csv = 'text,label\nhello,a\nworld,b\n';
    const missing = await create('x.csv', csv, { textFields: ['text'], labelField: 'class' });
    expect(missing.errors?.[0]?.message).toContain('labelField "class" is not a field of the first record (fields: text, label)');
    const both = await create('x.csv', csv, { textFields: ['text', 'label'], labelField: 'label' });
    expect(both.errors?.[0]?.message).toContain('labelField "label" is also mapped as text');
  });

  it('keeps labels through a pipeline into the next version; unlabelled versions have no label set', async () => {
    const csv = 'text,label\n' + TEXTS.map((r) => `"${r.text.toUpperCase()}",${r.label}`).join('\n') + '\n';
    const first = (await create('upper.csv', csv, { textFields: ['text'], labelField: 'label' })).data!.createDataset.versions[0]!;
    const next = await t.graphqlAs<{ runDatasetPipeline: Version }>(dev.token, `mutation($input: RunPipelineInput!) { runDatasetPipeline(input: $input) { ${FIELDS} } }`, {
      input: { versionId: first.id, pipeline: { steps: [{ type: 'lowercase' }, { type: 'split', validationFraction: 0.5, seed: 7 }] } },
    });
    expect(next.errors).toBeUndefined();
    const version = next.data!.runDatasetPipeline;
    expect(version.report.labels!.map((l) => [l.name, l.count])).toEqual([
      ['neg', 13],
      ['neutral', 13],
      ['pos', 14],
    ]);
    for (const r of records(version)) expect(r.label).toBe(TEXTS.find((s) => s.text === r.text)!.label);
    const plain = (await create('plain.csv', 'text\nhello\nworld\n', {})).data!.createDataset.versions[0]!;
    expect(plain.report.labels).toBeNull();
    expect(existsSync(join(plain.directory, 'records.jsonl'))).toBe(true);
    expect(records(plain)[0]).not.toHaveProperty('label');
  });
});
