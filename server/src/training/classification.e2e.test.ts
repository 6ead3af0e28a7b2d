// A classifier end to end through the real API: a CLASSIFICATION model, a dataset version built
// from a generated separable CSV (the label is decided by which marker word a text holds),
// training (example shards in the model's label order, live validation accuracy), and
// evaluation on the held-out split: macro-F1 ≥ 0.9, per-label scores and the confusion matrix.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { readSafetensors, tensorBytes } from '../models/export/safetensors.ts';
import { createMarkerVersion, createShakespeareVersion, createTinyClassifier, createTinyModel, isFinished, MARKERS, startRun, TINY_CONFIG, waitForRun } from './testing/fixtures.ts';

const EVALUATE = `mutation($mv: ID!, $dv: ID!) {
  evaluate(modelVersionId: $mv, datasetVersionId: $dv, metrics: ["accuracy", "macro_f1"]) {
    examples results { name value error }
    classification { labels accuracy macroF1 examples perLabel { label precision recall f1 support predicted } confusion }
  }
}`;

type Classification = { labels: string[]; accuracy: number; macroF1: number; examples: number; perLabel: Array<{ label: string; precision: number; recall: number; f1: number; support: number; predicted: number }>; confusion: number[][] };

describe('a classifier end to end', () => {
  let t: TestServer;
  let dev: TestUser;
  beforeAll(async () => {
    t = await startTestServer('sqlite', { config: { training: { concurrency: 1, threads: 2 } } });
    dev = await t.createUser('DEVELOPER');
  });
  afterAll(async () => t?.stop());

  it('trains on a separable labelled CSV and reaches macro-F1 ≥ 0.9 on the held-out split', async () => {
    const datasetVersionId = await createMarkerVersion(t, dev, 600);
    // Not the dataset's (alphabetical) order: label ids follow the model.
    const labels = ['weather', 'sports', 'music'];
    expect(Object.keys(MARKERS).sort()).toEqual([...labels].sort());
    const modelId = await createTinyClassifier(t, dev, labels);
    const started = Date.now();
    const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, batchSize: 16, steps: 300, learningRate: 3e-3, evalEvery: 100 } });
    const done = await waitForRun(t, dev, run.id, isFinished, 120_000);
    expect(done.failureReason).toBeNull();
    expect(done.status).toBe('COMPLETED');
    const trainSeconds = (Date.now() - started) / 1000;
    expect(existsSync(join(t.dataDir, 'runs', run.id, 'examples', 'train-examples.json'))).toBe(true);

    const history = await t.graphqlAs<{ trainingRun: { metrics: Array<{ name: string; step: number; value: number }> } }>(dev.token, 'query($id: ID!) { trainingRun(id: $id) { metrics(names: ["val_accuracy", "val_loss"]) { name step value } } }', {
      id: run.id,
    });
    const accuracy = history.data!.trainingRun.metrics.filter((p) => p.name === 'val_accuracy');
    expect(accuracy.map((p) => p.step)).toEqual([100, 200, 300]);
    expect(accuracy.at(-1)!.value).toBeGreaterThan(0.9);

    const evaluated = await t.graphqlAs<{ evaluate: { examples: number; results: Array<{ name: string; value: number }>; classification: Classification } }>(dev.token, EVALUATE, { mv: done.resultVersion!.id, dv: datasetVersionId });
    expect(evaluated.errors).toBeUndefined();
    const report = evaluated.data!.evaluate.classification;
    console.log(`classifier: trained in ${trainSeconds.toFixed(1)} s; held-out accuracy ${report.accuracy.toFixed(3)}, macro-F1 ${report.macroF1.toFixed(3)} on ${report.examples} examples`);
    expect(report.labels).toEqual(labels);
    expect(report.macroF1).toBeGreaterThanOrEqual(0.9);
    expect(evaluated.data!.evaluate.results).toEqual([
      { name: 'accuracy', value: report.accuracy, error: null },
      { name: 'macro_f1', value: report.macroF1, error: null },
    ]);
    // the matrix and the per-label rows agree with each other and with the held-out split
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(report.examples);
    expect(report.examples).toBe(evaluated.data!.evaluate.examples);
    report.perLabel.forEach((l, k) => {
      expect(l.label).toBe(labels[k]);
      expect(l.support).toBe(report.confusion[k]!.reduce((a, b) => a + b, 0));
      expect(l.predicted).toBe(report.confusion.reduce((a, row) => a + row[k]!, 0));
    });
    const versions = await t.graphqlAs<{ datasetVersion: { report: { labels: Array<{ name: string; validation: number }> } } }>(dev.token, 'query($id: ID!) { datasetVersion(id: $id) { report { labels { name validation } } } }', {
      id: datasetVersionId,
    });
    const supportByName = Object.fromEntries(report.perLabel.map((l) => [l.label, l.support]));
    for (const l of versions.data!.datasetVersion.report.labels) expect(supportByName[l.name]).toBe(l.validation);

    // a causal-LM metric is refused for a classifier, naming the ones it offers
    const refused = await t.graphqlAs(dev.token, 'mutation($mv: ID!, $dv: ID!) { evaluate(modelVersionId: $mv, datasetVersionId: $dv, metrics: ["perplexity"]) { id } }', { mv: done.resultVersion!.id, dv: datasetVersionId });
    expect(refused.errors?.[0]?.extensions?.fieldErrors).toEqual([{ field: 'metrics[0]', message: '"perplexity" is not a metric of a CLASSIFICATION model; it offers accuracy and macro_f1' }]);
    // and a version without labels, saying why
    const plain = await createShakespeareVersion(t, dev, 4000);
    const unlabelled = await t.graphqlAs(dev.token, EVALUATE, { mv: done.resultVersion!.id, dv: plain });
    expect(unlabelled.errors?.[0]?.extensions?.fieldErrors).toEqual([{ field: 'datasetVersionId', message: expect.stringContaining('has no labels') }]);
    const evaluations = await t.graphqlAs<{ evaluations: { totalCount: number } }>(dev.token, 'query($mv: ID!) { evaluations(filter: { modelVersionId: $mv }) { totalCount } }', { mv: done.resultVersion!.id });
    expect(evaluations.data!.evaluations.totalCount).toBe(1);
  }, 180_000);

  it('a classifier starts from a causal LM’s version: its transformer, a fresh score head; other head starts are refused', async () => {
    const datasetVersionId = await createMarkerVersion(t, dev, 300, 'markers-head-start');
    const lmId = await createTinyModel(t, dev, 'tiny-lm-base');
    const lmRun = await startRun(t, dev, { modelId: lmId, datasetVersionId, config: { ...TINY_CONFIG, steps: 10 } });
    const lm = await waitForRun(t, dev, lmRun.id, isFinished, 120_000);
    expect(lm.status).toBe('COMPLETED');
    const base = lm.resultVersion!;

    const labels = ['weather', 'sports', 'music'];
    const classifierId = await createTinyClassifier(t, dev, labels, 'head-start');
    const run = await startRun(t, dev, { modelId: classifierId, baseVersionId: base.id, datasetVersionId, config: { ...TINY_CONFIG, batchSize: 16, steps: 20 } });
    const done = await waitForRun(t, dev, run.id, isFinished, 120_000);
    expect(done.failureReason).toBeNull();
    expect(done.status).toBe('COMPLETED');
    expect(done.resultVersion!.parentVersionId).toBe(base.id);
    // The run started from the LM's transformer: the init checkpoint holds its embedding, and a score head.
    const init = await readSafetensors(join(t.dataDir, 'runs', run.id, 'init', 'model.safetensors'));
    const lmWeights = await readSafetensors(join(base.checkpointPath!, 'model.safetensors'));
    expect(tensorBytes(init, 'transformer.wte.weight').equals(tensorBytes(lmWeights, 'transformer.wte.weight'))).toBe(true);
    expect(init.header['score.weight']!.shape).toEqual([3, lmWeights.header['transformer.wte.weight']!.shape[1]]);

    // A causal LM does not start from another model's version, nor a classifier from a classifier's.
    const otherLm = await createTinyModel(t, dev, 'tiny-lm-other');
    const refused = await t.graphqlAs(dev.token, 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id } }', { input: { modelId: otherLm, baseVersionId: base.id, datasetVersionId, config: TINY_CONFIG } });
    expect(refused.errors?.[0]?.extensions?.fieldErrors).toEqual([{ field: 'input.modelId', message: expect.stringContaining('only a CLASSIFICATION model starts from another model’s version') }]);
    const second = await createTinyClassifier(t, dev, labels, 'head-start-2');
    const fromClassifier = await t.graphqlAs(dev.token, 'mutation($input: StartTrainingRunInput!) { startTrainingRun(input: $input) { id } }', {
      input: { modelId: second, baseVersionId: done.resultVersion!.id, datasetVersionId, config: TINY_CONFIG },
    });
    expect(fromClassifier.errors?.[0]?.extensions?.fieldErrors).toEqual([{ field: 'input.modelId', message: expect.stringContaining('a classifier starts from a causal language model’s version') }]);
  }, 240_000);
});
