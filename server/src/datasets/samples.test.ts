// A fresh installation registers the shipped samples (text, JSONL pairs, CSV, TFRecord) once,
// owned by the first admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/test-server.ts';
import { AuditService } from '../audit/audit.service.ts';
import { DatasetsService } from './datasets.service.ts';
import { firstAdminId } from '../admin/admin-bootstrap.ts';
import { SAMPLE_DATASETS, seedSampleDatasets } from './samples.ts';

describe.each(ENGINES)('sample datasets on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(engine, { seedSampleDatasets: true });
  }, 180_000);
  afterAll(async () => t?.stop());

  it('are registered on first start, validated, tokenized, and pass the gate', async () => {
    const result = await t.graphqlAs<{ datasets: { nodes: Array<{ name: string; latestVersion: { format: string; recordCount: number; trainTokens: number; gatePassed: boolean } }> } }>(
      t.admin.token,
      '{ datasets(first: 100) { nodes { name latestVersion { format recordCount trainTokens gatePassed } } } }',
    );
    expect(result.errors).toBeUndefined();
    const byName = new Map(result.data!.datasets.nodes.map((d) => [d.name, d.latestVersion]));
    expect([...byName.keys()].sort()).toEqual(SAMPLE_DATASETS.map((s) => s.input.name).sort());
    expect(byName.get('tiny-shakespeare')).toMatchObject({ format: 'TEXT', gatePassed: true });
    expect(byName.get('tiny-shakespeare')!.trainTokens).toBeGreaterThan(100_000);
    expect(byName.get('sample-instructions')).toMatchObject({ format: 'JSONL', recordCount: 64, gatePassed: true });
    expect(byName.get('sample-reviews')).toMatchObject({ format: 'CSV', recordCount: 12, gatePassed: true });
    expect(byName.get('sample-facts')).toMatchObject({ format: 'TFRECORD', recordCount: 16, gatePassed: true });
  });

  it('belong to the first admin: other admins may change them, developers only read them', async () => {
    const list = await t.graphqlAs<{ datasets: { nodes: Array<{ id: string; name: string; ownerId: string; owner: { email: string } }> } }>(t.admin.token, '{ datasets(first: 100) { nodes { id name ownerId owner { email } } } }');
    expect(list.data!.datasets.nodes.map((d) => d.ownerId)).toEqual(SAMPLE_DATASETS.map(() => t.admin.id));
    expect(list.data!.datasets.nodes[0]!.owner.email).toBe(t.admin.email);
    expect(await firstAdminId(t.server.dataSource)).toBe(t.admin.id);
    const facts = list.data!.datasets.nodes.find((d) => d.name === 'sample-facts')!;
    const dev = await t.createUser('DEVELOPER');
    const refused = await t.graphqlAs(dev.token, 'mutation($id: ID!) { deleteDataset(id: $id) }', { id: facts.id });
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const otherAdmin = await t.createUser('ADMIN');
    expect((await t.graphqlAs(otherAdmin.token, 'mutation($id: ID!) { deleteDataset(id: $id) }', { id: facts.id })).data).toEqual({ deleteDataset: true });
    // seeding is audited as the system
    const audit = await t.graphqlAs<{ auditLog: { nodes: Array<{ actorKind: string; targetId: string }> } }>(t.admin.token, '{ auditLog(filter: { action: "dataset.created" }, first: 10) { nodes { actorKind targetId } } }');
    expect(audit.data!.auditLog.nodes.map((n) => n.actorKind)).toEqual(SAMPLE_DATASETS.map(() => 'system'));
  });

  it('are not registered again once datasets exist', async () => {
    const service = new DatasetsService(t.server.dataSource, new AuditService(t.server.dataSource), { dataDir: t.dataDir, logger: t.server.logger });
    expect(await seedSampleDatasets(service, t.server.logger, t.admin.id)).toBe(0);
  });
});
