// Starting a run on a CLASSIFICATION model through the real API: the dataset version must be
// labelled and its labels covered by the model's; errors name the unknown labels.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { labelSetProblems } from '../datasets/datasets.service.ts';
import { createMarkerVersion, createShakespeareVersion, createTinyClassifier, TINY_CONFIG } from './testing/fixtures.ts';

const START = 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id status } }';

describe('labelSetProblems', () => {
  const labels = [
    { name: 'a', train: 3, validation: 1 },
    { name: 'b', train: 2, validation: 0 },
  ];
  it('accepts labels covered by the model, in any order, and a model with more labels', () => {
    expect(labelSetProblems(['b', 'a'], labels, 'training', 'input.datasetVersionId')).toEqual([]);
    expect(labelSetProblems(['x', 'a', 'b'], labels, 'training', 'input.datasetVersionId')).toEqual([]);
  });
  it('says what it is for: an evaluation needs no training records', () => {
    expect(labelSetProblems(['a', 'b'], [{ name: 'a', train: 0, validation: 4 }], 'evaluation', 'datasetVersionId')).toEqual([]);
    expect(labelSetProblems(['a'], null, 'evaluation', 'datasetVersionId')[0]).toEqual({ field: 'datasetVersionId', message: expect.stringContaining('is evaluated on a dataset version built with a labelField') });
  });

  it('names the labels the model does not know, and refuses unlabelled or untrainable versions', () => {
    expect(labelSetProblems(['a'], labels, 'training', 'input.datasetVersionId')[0]!.message).toBe(`has a label the model does not know: "b" (the model's labels: a)`);
    const many = Array.from({ length: 25 }, (_, i) => ({ name: `l${i}`, train: 1, validation: 0 }));
    expect(labelSetProblems(['a', 'b'], many, 'training', 'input.datasetVersionId')[0]!.message).toMatch(/^has 25 labels the model does not know: "l0", .*"l19" and 5 more/);
    expect(labelSetProblems(['a', 'b'], null, 'training', 'input.datasetVersionId')[0]!.message).toContain('built with a labelField');
    expect(labelSetProblems(['a', 'b'], [{ name: 'a', train: 0, validation: 4 }], 'training', 'input.datasetVersionId')[0]!.message).toBe('has no labelled training records');
  });
});

describe('classification runs API', () => {
  let t: TestServer;
  let dev: TestUser;
  let labelled: string;
  let plain: string;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { config: { training: { concurrency: 1, threads: 1 } } });
    dev = await t.createUser('DEVELOPER');
    labelled = await createMarkerVersion(t, dev, 60);
    plain = await createShakespeareVersion(t, dev, 4000);
  });
  afterAll(async () => t?.stop());

  it('refuses a version whose labels the model does not cover, naming them, and an unlabelled version', async () => {
    const partial = await createTinyClassifier(t, dev, ['sports', 'music'], 'partial');
    const unknown = await t.graphqlAs(dev.token, START, { input: { modelId: partial, datasetVersionId: labelled, config: { ...TINY_CONFIG, steps: 2 } } });
    expect(unknown.errors?.[0]?.extensions?.fieldErrors).toEqual([{ field: 'input.datasetVersionId', message: `has a label the model does not know: "weather" (the model's labels: sports, music)` }]);
    const full = await createTinyClassifier(t, dev, ['music', 'weather', 'sports', 'other'], 'full');
    const unlabelled = await t.graphqlAs(dev.token, START, { input: { modelId: full, datasetVersionId: plain, config: { ...TINY_CONFIG, steps: 2 } } });
    expect(unlabelled.errors?.[0]?.extensions?.fieldErrors).toEqual([{ field: 'input.datasetVersionId', message: expect.stringContaining('has no labels') }]);
    const accepted = await t.graphqlAs<{ startTrainingRun: { id: string; status: string } }>(dev.token, START, { input: { modelId: full, datasetVersionId: labelled, config: { ...TINY_CONFIG, steps: 2 } } });
    expect(accepted.errors).toBeUndefined();
    expect(accepted.data!.startTrainingRun.status).toBe('QUEUED');
  });
});
