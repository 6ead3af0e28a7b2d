// Versioning through the real API on both engines: tags that move between versions of a model,
// refused tags and callers, the audit trail, lineage across a fine-tuning run, and two trained
// and evaluated versions compared (configs, their differences, metrics side by side).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { createShakespeareVersion, createTinyModel, isFinished, startRun, TINY_CONFIG, waitForRun } from '../training/testing/fixtures.ts';

const TAG = 'mutation($v: ID!, $tag: String!) { tagModelVersion(versionId: $v, tag: $tag) { id tags { tag createdBy } } }';
const UNTAG = 'mutation($v: ID!, $tag: String!) { untagModelVersion(versionId: $v, tag: $tag) { id tags { tag } } }';
const TAGS = 'query($id: ID!) { model(id: $id) { versions { nodes { version tags { tag } } } } }';
const BY_TAG = 'query($m: ID!, $tag: String!) { modelVersionByTag(modelId: $m, tag: $tag) { id version } }';
const LINEAGE = 'query($id: ID!) { modelVersion(id: $id) { lineage { parent { id modelId modelName version } run { id name status finishedAt } datasetVersion { id datasetId datasetName version } } } }';
const COMPARE = `query($a: ID!, $b: ID!) { compareModelVersions(a: $a, b: $b) {
  a { version { id version } modelName architecture { layers embeddingWidth } trainingConfig run { id status } }
  b { version { id version } modelName architecture { layers embeddingWidth } trainingConfig run { id status } }
  differences { key a b }
  metrics { name a { value error evaluationId datasetVersionId } b { value error evaluationId datasetVersionId } } } }`;

type Comparison = {
  a: { version: { id: string }; modelName: string; trainingConfig: Record<string, unknown> | null; run: { id: string; status: string } | null };
  b: { version: { id: string }; modelName: string; trainingConfig: Record<string, unknown> | null; run: { id: string; status: string } | null };
  differences: Array<{ key: string; a: string | null; b: string | null }>;
  metrics: Array<{ name: string; a: { value: number | null; evaluationId: string; datasetVersionId: string } | null; b: { value: number | null; evaluationId: string; datasetVersionId: string } | null }>;
};

describe.each(ENGINES)('model versioning on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  let other: TestUser;
  let viewer: TestUser;
  let modelId: string;
  let datasetVersionId: string;
  /** v1: trained from scratch (2 steps); v2: fine-tuned from v1 with another learning rate; v3: registered by hand. */
  let v1: string;
  let v2: string;
  let v3: string;
  let runs: string[];

  beforeAll(async () => {
    t = await startTestServer(engine, { config: { training: { threads: 1 } } });
    dev = await t.createUser('DEVELOPER');
    other = await t.createUser('DEVELOPER');
    viewer = await t.createUser('VIEWER');
    datasetVersionId = await createShakespeareVersion(t, dev, 24_000, 'versioning-slice');
    modelId = await createTinyModel(t, dev, 'versioned');
    const first = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 2 } });
    v1 = (await waitForRun(t, dev, first.id, isFinished)).resultVersion!.id;
    const second = await startRun(t, dev, { modelId, baseVersionId: v1, datasetVersionId, config: { ...TINY_CONFIG, steps: 20, learningRate: 1e-3 } });
    v2 = (await waitForRun(t, dev, second.id, isFinished)).resultVersion!.id;
    runs = [first.id, second.id];
    const manual = await t.graphqlAs<{ createModelVersion: { id: string } }>(dev.token, 'mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { id } }', { input: { modelId, notes: 'by hand' } });
    v3 = manual.data!.createModelVersion.id;
  });
  afterAll(async () => t?.stop());

  const tagsByVersion = async (): Promise<Record<number, string[]>> => {
    const result = await t.graphqlAs<{ model: { versions: { nodes: Array<{ version: number; tags: Array<{ tag: string }> }> } } }>(viewer.token, TAGS, { id: modelId });
    return Object.fromEntries(result.data!.model.versions.nodes.map((n) => [n.version, n.tags.map((x) => x.tag)]));
  };

  it('tags a version, and tagging another version of the model moves the tag', async () => {
    const tagged = await t.graphqlAs<{ tagModelVersion: { tags: Array<{ tag: string; createdBy: string }> } }>(dev.token, TAG, { v: v1, tag: 'production' });
    expect(tagged.errors).toBeUndefined();
    expect(tagged.data!.tagModelVersion.tags).toEqual([{ tag: 'production', createdBy: dev.id }]);
    await t.graphqlAs(dev.token, TAG, { v: v1, tag: 'staging' });
    await t.graphqlAs(dev.token, TAG, { v: v2, tag: 'exp-1.2_b' });
    expect(await tagsByVersion()).toEqual({ 1: ['production', 'staging'], 2: ['exp-1.2_b'], 3: [] });

    const moved = await t.graphqlAs(dev.token, TAG, { v: v2, tag: 'production' });
    expect(moved.errors).toBeUndefined();
    expect(await tagsByVersion()).toEqual({ 1: ['staging'], 2: ['exp-1.2_b', 'production'], 3: [] });
    // Tagging the version that already carries it changes nothing.
    expect((await t.graphqlAs(dev.token, TAG, { v: v2, tag: 'production' })).errors).toBeUndefined();

    const byTag = await t.graphqlAs<{ modelVersionByTag: { id: string; version: number } | null }>(viewer.token, BY_TAG, { m: modelId, tag: 'production' });
    expect(byTag.data!.modelVersionByTag).toEqual({ id: v2, version: 2 });
    const none = await t.graphqlAs<{ modelVersionByTag: null }>(viewer.token, BY_TAG, { m: modelId, tag: 'canary' });
    expect(none.data!.modelVersionByTag).toBeNull();
    expect((await t.graphqlAs(viewer.token, BY_TAG, { m: 'no-such-model', tag: 'production' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('tags moved at the same moment end on exactly one version', async () => {
    const results = await Promise.all([v1, v2, v3, v1, v2, v3].map((v) => t.graphqlAs(dev.token, TAG, { v, tag: 'race' })));
    expect(results.map((r) => r.errors)).toEqual(Array(6).fill(undefined));
    const carriers = Object.values(await tagsByVersion()).filter((tags) => tags.includes('race'));
    expect(carriers).toHaveLength(1);
    const byTag = await t.graphqlAs<{ modelVersionByTag: { id: string } }>(viewer.token, BY_TAG, { m: modelId, tag: 'race' });
    await t.graphqlAs(dev.token, UNTAG, { v: byTag.data!.modelVersionByTag.id, tag: 'race' });
  });

  it('untags; untagging a tag the version does not carry is NOT_FOUND', async () => {
    const untagged = await t.graphqlAs<{ untagModelVersion: { tags: Array<{ tag: string }> } }>(dev.token, UNTAG, { v: v1, tag: 'staging' });
    expect(untagged.data!.untagModelVersion.tags).toEqual([]);
    const again = await t.graphqlAs(dev.token, UNTAG, { v: v1, tag: 'staging' });
    expect(again.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(again.errors?.[0]?.message).toContain('Tag "staging"');
    expect((await tagsByVersion())[1]).toEqual([]);
  });

  it('refuses malformed tags naming the rule and the value, and leaves no row', async () => {
    for (const tag of ['', 'Production', 'has space', 'x'.repeat(41), 'ünï', 'a/b']) {
      const result = await t.graphqlAs(dev.token, TAG, { v: v3, tag });
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'tag' });
      expect(result.errors?.[0]?.message).toContain('must be 1 to 40 characters of a-z, 0-9');
    }
    expect((await t.graphqlAs(dev.token, TAG, { v: v3, tag: 'x'.repeat(40) })).errors).toBeUndefined();
    await t.graphqlAs(dev.token, UNTAG, { v: v3, tag: 'x'.repeat(40) });
    expect((await tagsByVersion())[3]).toEqual([]);
    expect((await t.graphqlAs(dev.token, TAG, { v: 'no-such-version', tag: 'production' })).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it('only the owner of the model or an admin tags; viewers are refused by the access rules', async () => {
    const stranger = await t.graphqlAs(other.token, TAG, { v: v3, tag: 'mine' });
    expect(stranger.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(stranger.errors?.[0]?.message).toBe('Only the owner or an admin may tag versions of this model');
    expect((await t.graphqlAs(other.token, UNTAG, { v: v2, tag: 'production' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.graphqlAs(viewer.token, TAG, { v: v3, tag: 'mine' })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await tagsByVersion())[3]).toEqual([]);
    const admin = await t.graphqlAs(t.admin.token, TAG, { v: v3, tag: 'reviewed' });
    expect(admin.errors).toBeUndefined();
    expect((await tagsByVersion())[3]).toEqual(['reviewed']);
  });

  it('audits every tag change with before and after', async () => {
    const log = await t.graphqlAs<{ auditLog: { nodes: Array<{ action: string; actorId: string; targetId: string; before: unknown; after: unknown }> } }>(
      t.admin.token,
      'query { auditLog(filter: { action: "model_version.tagged" }, first: 50) { nodes { action actorId targetId before after } } }',
    );
    const untagLog = await t.graphqlAs<{ auditLog: { nodes: Array<{ action: string; targetId: string; before: unknown }> } }>(
      t.admin.token,
      'query { auditLog(filter: { action: "model_version.untagged" }, first: 50) { nodes { action targetId before } } }',
    );
    expect(log.errors).toBeUndefined();
    const entries = log.data!.auditLog.nodes.filter((n) => (n.after as { tag: string }).tag !== 'race');
    expect(log.data!.auditLog.nodes.length - entries.length).toBeGreaterThanOrEqual(1);
    // production (v1), staging (v1), exp-1.2_b (v2), production moved to v2, the 40-character tag, reviewed (admin); no entry for the no-op.
    expect(entries).toHaveLength(6);
    expect(entries).toContainEqual({ action: 'model_version.tagged', actorId: dev.id, targetId: v2, before: { tag: 'production', versionId: v1 }, after: { tag: 'production', versionId: v2, modelId } });
    expect(entries).toContainEqual(expect.objectContaining({ actorId: t.admin.id, targetId: v3, after: { tag: 'reviewed', versionId: v3, modelId } }));
    expect(untagLog.data!.auditLog.nodes).toContainEqual({ action: 'model_version.untagged', targetId: v1, before: { tag: 'staging', versionId: v1, modelId } });
  });

  it('finds a version of a model by its number (the version page reads it so)', async () => {
    const found = await t.graphqlAs<{ modelVersions: { nodes: Array<{ id: string; version: number }> } }>(viewer.token, 'query($m: ID!, $n: Int!) { modelVersions(filter: { modelId: $m, version: $n }) { nodes { id version } } }', {
      m: modelId,
      n: 2,
    });
    expect(found.data!.modelVersions.nodes).toEqual([{ id: v2, version: 2 }]);
  });

  it('shows the lineage: parent version, run and dataset version', async () => {
    type Lineage = { modelVersion: { lineage: { parent: unknown; run: { id: string; name: string; status: string; finishedAt: string | null } | null; datasetVersion: unknown } } };
    const fineTuned = await t.graphqlAs<Lineage>(viewer.token, LINEAGE, { id: v2 });
    expect(fineTuned.errors).toBeUndefined();
    const lineage = fineTuned.data!.modelVersion.lineage;
    expect(lineage.parent).toEqual({ id: v1, modelId, modelName: 'versioned', version: 1 });
    expect(lineage.run).toMatchObject({ id: runs[1], name: `versioned · ${runs[1]!.slice(0, 8)}`, status: 'COMPLETED' });
    expect(lineage.run!.finishedAt).not.toBeNull();
    expect(lineage.datasetVersion).toMatchObject({ id: datasetVersionId, datasetName: 'versioning-slice', version: 1 });
    const scratch = await t.graphqlAs<Lineage>(viewer.token, LINEAGE, { id: v1 });
    expect(scratch.data!.modelVersion.lineage).toMatchObject({ parent: null, run: { id: runs[0] } });
    const manual = await t.graphqlAs<Lineage>(viewer.token, LINEAGE, { id: v3 });
    expect(manual.data!.modelVersion.lineage).toEqual({ parent: null, run: null, datasetVersion: null });
  });

  it('compares two trained versions: configs, differences and the latest metrics side by side', async () => {
    const evaluate = (mv: string, metrics: string[]) =>
      t.graphqlAs<{ evaluate: { id: string } }>(dev.token, 'mutation($mv: ID!, $dv: ID!, $metrics: [String!]!) { evaluate(modelVersionId: $mv, datasetVersionId: $dv, metrics: $metrics, options: { maxWindows: 2 }) { id } }', {
        mv,
        dv: datasetVersionId,
        metrics,
      });
    await evaluate(v1, ['perplexity', 'token_accuracy']);
    const latestV1 = (await evaluate(v1, ['perplexity'])).data!.evaluate.id;
    const onlyV2 = (await evaluate(v2, ['perplexity'])).data!.evaluate.id;

    const result = await t.graphqlAs<{ compareModelVersions: Comparison }>(viewer.token, COMPARE, { a: v1, b: v2 });
    expect(result.errors).toBeUndefined();
    const c = result.data!.compareModelVersions;
    expect(c.a).toMatchObject({ version: { id: v1 }, modelName: 'versioned', run: { id: runs[0], status: 'COMPLETED' } });
    expect(c.a.trainingConfig).toMatchObject({ maxSteps: 2, learningRate: 3e-3, seed: 7 });
    expect(c.b.trainingConfig).toMatchObject({ maxSteps: 20, learningRate: 1e-3 });
    // Same architecture; the two runs differ in steps and learning rate (and nothing else they set).
    expect(c.differences.filter((d) => d.key.startsWith('architecture.'))).toEqual([]);
    expect(c.differences).toContainEqual({ key: 'training.learningRate', a: '0.003', b: '0.001' });
    expect(c.differences).toContainEqual({ key: 'training.maxSteps', a: '2', b: '20' });
    expect(c.differences.find((d) => d.key === 'training.seed')).toBeUndefined();

    const metric = (name: string) => c.metrics.find((m) => m.name === name)!;
    expect(c.metrics.map((m) => m.name)).toEqual(['perplexity', 'token_accuracy']);
    expect(metric('perplexity').a).toMatchObject({ evaluationId: latestV1, datasetVersionId });
    expect(metric('perplexity').b).toMatchObject({ evaluationId: onlyV2, datasetVersionId });
    // 20 more steps from v1's weights score the same validation windows better.
    expect(metric('perplexity').b!.value!).toBeLessThan(metric('perplexity').a!.value!);
    expect(metric('token_accuracy').a!.value).toBeGreaterThanOrEqual(0);
    expect(metric('token_accuracy').b).toBeNull();
  });

  it('compares with a version that was not trained here: its training settings are all differences', async () => {
    const result = await t.graphqlAs<{ compareModelVersions: Comparison }>(viewer.token, COMPARE, { a: v3, b: v1 });
    const c = result.data!.compareModelVersions;
    expect(c.a.trainingConfig).toBeNull();
    expect(c.a.run).toBeNull();
    expect(c.differences.length).toBeGreaterThan(5);
    expect(c.differences.every((d) => d.key.startsWith('training.') && d.a === null && d.b !== null)).toBe(true);
    expect(c.metrics.every((m) => m.a === null)).toBe(true);
    const missing = await t.graphqlAs(viewer.token, COMPARE, { a: v1, b: 'nope' });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'b' });
  });

  it('deleting the model removes its tags with its versions', async () => {
    const scratch = await createTinyModel(t, dev, 'doomed');
    const version = await t.graphqlAs<{ createModelVersion: { id: string } }>(dev.token, 'mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { id } }', { input: { modelId: scratch } });
    await t.graphqlAs(dev.token, TAG, { v: version.data!.createModelVersion.id, tag: 'production' });
    expect((await t.graphqlAs(dev.token, 'mutation($id: ID!) { deleteModel(id: $id) }', { id: scratch })).errors).toBeUndefined();
    const recreated = await createTinyModel(t, dev, 'doomed');
    expect((await t.graphqlAs<{ modelVersionByTag: null }>(viewer.token, BY_TAG, { m: recreated, tag: 'production' })).data!.modelVersionByTag).toBeNull();
  });
});
