// Models and versions through the real API: validation with field names, ownership, lists with
// filters, sorting and cursors, lineage, and batched relation loading.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';

const CREATE = 'mutation($input: CreateModelInput!) { createModel(input: $input) { id name preset tokenizerId specialTokens architecture { vocabSize contextLength layers heads embeddingWidth dropout bias parameterCount } owner { email } } }';
const VERSION = 'mutation($input: CreateModelVersionInput!) { createModelVersion(input: $input) { id version checkpointPath parent { id version } model { id } runId datasetVersionId } }';

type Created = { createModel: { id: string; name: string; architecture: Record<string, number | boolean>; owner: { email: string } } };

describe.each(ENGINES)('models on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  let other: TestUser;
  let viewer: TestUser;
  beforeAll(async () => {
    t = await startTestServer(engine);
    dev = await t.createUser('DEVELOPER');
    other = await t.createUser('DEVELOPER');
    viewer = await t.createUser('VIEWER');
  });
  afterAll(async () => t?.stop());

  it('creates a model from a preset, with default special tokens and the owner', async () => {
    const result = await t.graphqlAs<Created>(dev.token, CREATE, { input: { name: 'gpt2 copy', preset: 'gpt2-124M', tokenizerId: 'gpt2' } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.createModel).toMatchObject({
      name: 'gpt2 copy',
      preset: 'gpt2-124M',
      tokenizerId: 'gpt2',
      specialTokens: ['<|endoftext|>', '<context>', '<response>'],
      architecture: { vocabSize: 50257, contextLength: 1024, layers: 12, heads: 12, embeddingWidth: 768, dropout: 0, bias: true, parameterCount: 124_439_808 },
      owner: { email: dev.email },
    });
  });

  it('creates a custom model and overrides preset fields', async () => {
    const custom = await t.graphqlAs<Created>(dev.token, CREATE, { input: { name: 'custom', architecture: { vocabSize: 256, contextLength: 32, layers: 2, heads: 2, embeddingWidth: 64, dropout: 0.1, bias: false }, specialTokens: ['<eos>'] } });
    expect(custom.data!.createModel.architecture).toMatchObject({ vocabSize: 256, layers: 2, embeddingWidth: 64, dropout: 0.1, bias: false });
    // <context> and <response> are always there; listed tokens come after the defaults
    expect((custom.data!.createModel as unknown as { specialTokens: string[] }).specialTokens).toEqual(['<|endoftext|>', '<context>', '<response>', '<eos>']);
    const tweaked = await t.graphqlAs<Created>(dev.token, CREATE, { input: { name: 'tiny-long', preset: 'tiny', architecture: { contextLength: 256 } } });
    expect(tweaked.data!.createModel.architecture).toMatchObject({ layers: 4, heads: 4, embeddingWidth: 128, contextLength: 256 });
  });

  it('rejects an invalid architecture with BAD_USER_INPUT naming each field', async () => {
    const result = await t.graphqlAs(dev.token, CREATE, { input: { name: '', architecture: { vocabSize: 100, contextLength: 64, layers: 0, heads: 3, embeddingWidth: 128, dropout: 1.5 } } });
    const error = result.errors?.[0];
    expect(error?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error?.extensions?.field).toBe('input.name');
    const fields = (error?.extensions?.fieldErrors as Array<{ field: string }>).map((e) => e.field);
    expect(fields).toEqual(['input.name', 'input.architecture.layers', 'input.architecture.dropout', 'input.architecture.embeddingWidth']);
    expect(error?.message).toContain('must be divisible by heads');
    const noShape = await t.graphqlAs(dev.token, CREATE, { input: { name: 'nothing' } });
    expect((noShape.errors?.[0]?.extensions?.fieldErrors as Array<{ field: string }>).map((e) => e.field)).toContain('input.architecture.vocabSize');
    const badPreset = await t.graphqlAs(dev.token, CREATE, { input: { name: 'x', preset: 'huge' } });
    expect(badPreset.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.preset' });
  });

  it('creates a CLASSIFICATION model with its labels; a causal LM has task CAUSAL_LM and no labels', async () => {
    const query = 'mutation($input: CreateModelInput!) { createModel(input: $input) { id task labels } }';
    const classifier = await t.graphqlAs<{ createModel: { id: string; task: string; labels: string[] | null } }>(dev.token, query, {
      input: { name: 'sentiment', preset: 'tiny', task: 'CLASSIFICATION', labels: [' positive', 'negative ', 'neutral'] },
    });
    expect(classifier.errors).toBeUndefined();
    expect(classifier.data!.createModel).toMatchObject({ task: 'CLASSIFICATION', labels: ['positive', 'negative', 'neutral'] });
    const read = await t.graphqlAs<{ model: { task: string; labels: string[] } }>(viewer.token, 'query($id: ID!) { model(id: $id) { task labels } }', { id: classifier.data!.createModel.id });
    expect(read.data!.model).toEqual({ task: 'CLASSIFICATION', labels: ['positive', 'negative', 'neutral'] });
    const lm = await t.graphqlAs<{ createModel: { task: string; labels: null } }>(dev.token, query, { input: { name: 'plain lm', preset: 'tiny' } });
    expect(lm.data!.createModel).toMatchObject({ task: 'CAUSAL_LM', labels: null });
  });

  it('refuses labels that are missing, too few, repeated, blank or given to a causal LM, naming each', async () => {
    const query = 'mutation($input: CreateModelInput!) { createModel(input: $input) { id } }';
    const fieldsOf = (r: { errors?: Array<{ extensions?: Record<string, unknown> }> }) => (r.errors?.[0]?.extensions?.fieldErrors as Array<{ field: string; message: string }>) ?? [];
    const missing = await t.graphqlAs(dev.token, query, { input: { name: 'c1', preset: 'tiny', task: 'CLASSIFICATION' } });
    expect(fieldsOf(missing)).toEqual([{ field: 'input.labels', message: expect.stringContaining('is required for CLASSIFICATION') }]);
    const one = await t.graphqlAs(dev.token, query, { input: { name: 'c2', preset: 'tiny', task: 'CLASSIFICATION', labels: ['only'] } });
    expect(fieldsOf(one)).toEqual([{ field: 'input.labels', message: 'must hold 2 to 1000 labels (got 1)' }]);
    const bad = await t.graphqlAs(dev.token, query, { input: { name: 'c3', preset: 'tiny', task: 'CLASSIFICATION', labels: ['a', 'b', 'a ', '  ', 'x\ny'] } });
    expect(fieldsOf(bad)).toEqual([
      { field: 'input.labels.2', message: 'repeats "a" (label 0)' },
      { field: 'input.labels.3', message: 'must be 1 to 100 characters on one line' },
      { field: 'input.labels.4', message: 'must be 1 to 100 characters on one line' },
    ]);
    const tooMany = await t.graphqlAs(dev.token, query, { input: { name: 'c4', preset: 'tiny', task: 'CLASSIFICATION', labels: Array.from({ length: 1001 }, (_, i) => `l${i}`) } });
    expect(fieldsOf(tooMany)[0]).toEqual({ field: 'input.labels', message: 'must hold 2 to 1000 labels (got 1001)' });
    const lm = await t.graphqlAs(dev.token, query, { input: { name: 'c5', preset: 'tiny', labels: ['a', 'b'] } });
    expect(fieldsOf(lm)).toEqual([{ field: 'input.labels', message: expect.stringContaining('only for CLASSIFICATION') }]);
    const badTask = await t.graphqlAs(dev.token, query, { input: { name: 'c6', preset: 'tiny', task: 'REGRESSION' } });
    expect(badTask.errors?.[0]?.message).toContain('ModelTask');
    const none = await t.graphqlAs<{ models: { edges: unknown[] } }>(dev.token, 'query { models(filter: { nameContains: "c" }) { edges { node { name } } } }');
    expect((none.data!.models.edges as Array<{ node: { name: string } }>).map((e) => e.node.name).filter((n) => /^c\d$/.test(n))).toEqual([]);
  });

  it('a duplicate name of the same owner is a CONFLICT; another owner may reuse it', async () => {
    await t.graphqlAs(dev.token, CREATE, { input: { name: 'dup', preset: 'tiny' } });
    const again = await t.graphqlAs(dev.token, CREATE, { input: { name: 'dup', preset: 'tiny' } });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', field: 'input.name' });
    const byOther = await t.graphqlAs(other.token, CREATE, { input: { name: 'dup', preset: 'tiny' } });
    expect(byOther.errors).toBeUndefined();
  });

  it('ownership: a developer changes only their own models; an admin any; a viewer none', async () => {
    const id = (await t.graphqlAs<Created>(dev.token, CREATE, { input: { name: 'mine', preset: 'tiny' } })).data!.createModel.id;
    const update = 'mutation($id: ID!, $name: String) { updateModel(id: $id, input: { name: $name, description: "d" }) { name description } }';
    const byOther = await t.graphqlAs(other.token, update, { id, name: 'stolen' });
    expect(byOther.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byViewer = await t.graphqlAs(viewer.token, update, { id, name: 'viewed' });
    expect(byViewer.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byOwner = await t.graphqlAs<{ updateModel: { name: string } }>(dev.token, update, { id, name: 'mine-renamed' });
    expect(byOwner.data?.updateModel.name).toBe('mine-renamed');
    const byAdmin = await t.graphqlAs<{ updateModel: { name: string } }>(t.admin.token, update, { id, name: 'admin-renamed' });
    expect(byAdmin.data?.updateModel.name).toBe('admin-renamed');
    const version = await t.graphqlAs(other.token, VERSION, { input: { modelId: id } });
    expect(version.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const deleteByOther = await t.graphqlAs(other.token, 'mutation($id: ID!) { deleteModel(id: $id) }', { id });
    expect(deleteByOther.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await t.graphqlAs<{ deleteModel: boolean }>(dev.token, 'mutation($id: ID!) { deleteModel(id: $id) }', { id })).data?.deleteModel).toBe(true);
    const gone = await t.graphqlAs(viewer.token, 'query($id: ID!) { model(id: $id) { id } }', { id });
    expect(gone.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', entity: 'Model', id });
  });

  it('versions number themselves and record lineage', async () => {
    const modelId = (await t.graphqlAs<Created>(dev.token, CREATE, { input: { name: 'versioned', preset: 'tiny' } })).data!.createModel.id;
    type V = { createModelVersion: { id: string; version: number; parent: { id: string; version: number } | null } };
    const v1 = (await t.graphqlAs<V>(dev.token, VERSION, { input: { modelId, checkpointPath: 'checkpoints/a', runId: 'run-1', datasetVersionId: 'ds-1' } })).data!.createModelVersion;
    const v2 = (await t.graphqlAs<V>(dev.token, VERSION, { input: { modelId, parentVersionId: v1.id } })).data!.createModelVersion;
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v2.parent).toEqual({ id: v1.id, version: 1 });
    const badParent = await t.graphqlAs(dev.token, VERSION, { input: { modelId, parentVersionId: '00000000-0000-4000-8000-000000000000' } });
    expect(badParent.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.parentVersionId' });
    const read = await t.graphqlAs<{ model: { latestVersion: { version: number }; versions: { totalCount: number; nodes: Array<{ version: number; runId: string | null }> } } }>(
      viewer.token,
      'query($id: ID!) { model(id: $id) { latestVersion { version } versions(first: 10) { totalCount nodes { version runId } } } }',
      { id: modelId },
    );
    expect(read.data!.model.latestVersion.version).toBe(2);
    expect(read.data!.model.versions).toEqual({
      totalCount: 2,
      nodes: [
        { version: 2, runId: null },
        { version: 1, runId: 'run-1' },
      ],
    });
    const byRun = await t.graphqlAs<{ modelVersions: { nodes: Array<{ id: string }> } }>(viewer.token, '{ modelVersions(filter: { runId: "run-1" }) { nodes { id } } }');
    expect(byRun.data!.modelVersions.nodes.map((n) => n.id)).toEqual([v1.id]);
    const children = await t.graphqlAs<{ modelVersions: { nodes: Array<{ id: string }> } }>(viewer.token, 'query($p: ID!) { modelVersions(filter: { parentVersionId: $p }) { nodes { id } } }', { p: v1.id });
    expect(children.data!.modelVersions.nodes.map((n) => n.id)).toEqual([v2.id]);
  });

  it('lists with filters, sorting and cursors', async () => {
    const owner = await t.createUser('DEVELOPER');
    for (const name of ['zeta', 'alpha', 'mid']) await t.graphqlAs(owner.token, CREATE, { input: { name, preset: 'tiny' } });
    const query =
      'query($filter: ModelFilter, $orderBy: ModelOrder, $first: Int, $after: String) { models(filter: $filter, orderBy: $orderBy, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name owner { email } } } }';
    type Page = { models: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: Array<{ name: string; owner: { email: string } }> } };
    const byName = (await t.graphqlAs<Page>(viewer.token, query, { filter: { ownerId: owner.id }, orderBy: { field: 'NAME', direction: 'ASC' }, first: 2 })).data!.models;
    expect(byName.totalCount).toBe(3);
    expect(byName.nodes.map((n) => n.name)).toEqual(['alpha', 'mid']);
    const rest = (await t.graphqlAs<Page>(viewer.token, query, { filter: { ownerId: owner.id }, orderBy: { field: 'NAME', direction: 'ASC' }, first: 2, after: byName.pageInfo.endCursor })).data!.models;
    expect(rest.nodes.map((n) => n.name)).toEqual(['zeta']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const newest = (await t.graphqlAs<Page>(viewer.token, query, { filter: { ownerId: owner.id } })).data!.models;
    expect(newest.nodes.map((n) => n.name)).toEqual(['mid', 'alpha', 'zeta']);
    const contains = (await t.graphqlAs<Page>(viewer.token, query, { filter: { nameContains: 'LPH' } })).data!.models;
    expect(contains.nodes.map((n) => n.name)).toEqual(['alpha']);
    expect(contains.nodes[0]!.owner.email).toBe(owner.email);
  });

  it('loads owners of a whole page with one query (DataLoader)', async () => {
    for (let i = 0; i < 4; i++) {
      const owner = await t.createUser('DEVELOPER');
      const id = (await t.graphqlAs<Created>(owner.token, CREATE, { input: { name: `batch-${i}`, preset: 'tiny' } })).data!.createModel.id;
      await t.graphqlAs(owner.token, VERSION, { input: { modelId: id } });
    }
    // Count the SQL the request runs by listening on the data source's logger.
    const queries: string[] = [];
    const { dataSource } = t.server;
    const logger = dataSource.logger;
    const original = logger.logQuery.bind(logger);
    const previous = dataSource.options.logging;
    logger.logQuery = (query: string) => void queries.push(query);
    Object.assign(dataSource.options, { logging: true });
    try {
      const result = await t.graphqlAs<{ models: { nodes: unknown[] } }>(viewer.token, '{ models(first: 50) { nodes { owner { email } latestVersion { version } } } }');
      expect(result.data!.models.nodes.length).toBeGreaterThan(3);
    } finally {
      Object.assign(dataSource.options, { logging: previous });
      logger.logQuery = original;
    }
    const userQueries = queries.filter((q) => /FROM "users"/.test(q) && !/"sessions"/.test(q));
    const versionQueries = queries.filter((q) => /FROM "model_versions"/.test(q));
    // One for authentication, one batched load of all owners.
    expect(userQueries.length).toBeLessThanOrEqual(2);
    expect(versionQueries.length).toBe(1);
  });
});
