// A fresh installation registers the shipped samples (text, JSONL pairs, CSV, TFRecord) once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/test-server.ts';
import { DatasetsService } from './datasets.service.ts';
import { SAMPLE_DATASETS, seedSampleDatasets } from './samples.ts';

describe.each(ENGINES)('sample datasets on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(engine, { seedSampleDatasets: true });
  }, 180_000);
  afterAll(async () => t?.stop());

  it('are registered on first start, validated, tokenized, and pass the gate', async () => {
    const result = await t.graphql<{ datasets: Array<{ name: string; latestVersion: { format: string; recordCount: number; trainTokens: number; gatePassed: boolean } }> }>(
      '{ datasets { name latestVersion { format recordCount trainTokens gatePassed } } }',
    );
    expect(result.errors).toBeUndefined();
    const byName = new Map(result.data!.datasets.map((d) => [d.name, d.latestVersion]));
    expect([...byName.keys()].sort()).toEqual(SAMPLE_DATASETS.map((s) => s.input.name).sort());
    expect(byName.get('tiny-shakespeare')).toMatchObject({ format: 'TEXT', gatePassed: true });
    expect(byName.get('tiny-shakespeare')!.trainTokens).toBeGreaterThan(100_000);
    expect(byName.get('sample-instructions')).toMatchObject({ format: 'JSONL', recordCount: 64, gatePassed: true });
    expect(byName.get('sample-reviews')).toMatchObject({ format: 'CSV', recordCount: 12, gatePassed: true });
    expect(byName.get('sample-facts')).toMatchObject({ format: 'TFRECORD', recordCount: 16, gatePassed: true });
  });

  it('are not registered again once datasets exist', async () => {
    const service = new DatasetsService(t.server.dataSource, { dataDir: t.dataDir, logger: t.server.logger });
    expect(await seedSampleDatasets(service, t.server.logger)).toBe(0);
  });
});
