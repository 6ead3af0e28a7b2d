// evaluate() through the API on both engines: built-in metrics on a trained tiny model, a
// metric plugin from the data directory, field-level errors, and results compared across versions.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { createShakespeareVersion, createTinyModel, isFinished, startRun, TINY_CONFIG, waitForRun } from '../training/testing/fixtures.ts';

type EvaluationView = { id: string; modelVersionId: string; examples: number; scoredTokens: number; results: Array<{ name: string; value: number | null; error: string | null }> };
const EVALUATE = `mutation($mv: ID!, $dv: ID!, $metrics: [String!]!) {
  evaluate(modelVersionId: $mv, datasetVersionId: $dv, metrics: $metrics, options: { maxExamples: 4, maxNewTokens: 8, maxWindows: 2 }) { id modelVersionId examples scoredTokens results { name value error } } }`;

describe.each(ENGINES)('evaluation API on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  let datasetVersionId: string;
  let versions: string[];

  beforeAll(async () => {
    t = await startTestServer(engine, { config: { training: { threads: 1 } } });
    dev = await t.createUser('DEVELOPER');
    datasetVersionId = await createShakespeareVersion(t, dev);
    const modelId = await createTinyModel(t, dev);
    versions = [];
    for (const steps of [2, 30]) {
      const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps } });
      versions.push((await waitForRun(t, dev, run.id, isFinished)).resultVersion!.id);
    }
    mkdirSync(join(t.dataDir, 'plugins'), { recursive: true });
    writeFileSync(
      join(t.dataDir, 'plugins', 'length.mjs'),
      `export const lengthRatio = { name: 'length_ratio', description: 'Characters of predictions over references', metric(predictions, references) { return predictions.join('').length / Math.max(1, references.join('').length); } };\n`,
    );
  });
  afterAll(async () => t?.stop());

  it('lists built-in and plugin metrics', async () => {
    const listed = await t.graphqlAs<{ evaluationMetrics: Array<{ name: string; plugin: boolean; file: string | null }> }>(dev.token, '{ evaluationMetrics { name plugin file } }');
    expect(listed.data!.evaluationMetrics.map((m) => m.name)).toEqual(['perplexity', 'token_accuracy', 'bleu', 'exact_match', 'f1', 'accuracy', 'macro_f1', 'length_ratio']);
    expect(listed.data!.evaluationMetrics.at(-1)).toMatchObject({ plugin: true, file: 'length.mjs' });
  });

  it('computes every metric, stores it per version, and compares versions on one dataset version', async () => {
    const metrics = ['perplexity', 'token_accuracy', 'bleu', 'exact_match', 'f1', 'accuracy', 'macro_f1', 'length_ratio'];
    const evaluations: EvaluationView[] = [];
    for (const mv of versions) {
      const result = await t.graphqlAs<{ evaluate: EvaluationView }>(dev.token, EVALUATE, { mv, dv: datasetVersionId, metrics });
      expect(result.errors).toBeUndefined();
      evaluations.push(result.data!.evaluate);
    }
    for (const e of evaluations) {
      const value = Object.fromEntries(e.results.map((r) => [r.name, r.value]));
      expect(e.results.map((r) => r.name)).toEqual(metrics);
      expect(e.results.every((r) => r.error === null)).toBe(true);
      expect(e.examples).toBe(4);
      expect(e.scoredTokens).toBe(64);
      expect(value.perplexity).toBeGreaterThan(1);
      expect(value.perplexity).toBeLessThan(1000);
      for (const name of ['token_accuracy', 'exact_match', 'f1', 'accuracy', 'macro_f1']) {
        expect(value[name]).toBeGreaterThanOrEqual(0);
        expect(value[name]).toBeLessThanOrEqual(1);
      }
      expect(value.bleu).toBeGreaterThanOrEqual(0);
      expect(value.bleu).toBeLessThanOrEqual(100);
      expect(value.length_ratio).toBeGreaterThanOrEqual(0);
    }
    // More training lowers the perplexity of the same validation windows.
    const perplexity = (e: EvaluationView): number => e.results.find((r) => r.name === 'perplexity')!.value!;
    expect(perplexity(evaluations[1]!)).toBeLessThan(perplexity(evaluations[0]!));

    const compared = await t.graphqlAs<{ evaluations: { totalCount: number; nodes: Array<{ modelVersion: { id: string }; results: Array<{ name: string; value: number }> }> } }>(
      dev.token,
      'query($dv: ID!) { evaluations(filter: { datasetVersionId: $dv }) { totalCount nodes { modelVersion { id } results { name value } } } }',
      { dv: datasetVersionId },
    );
    expect(compared.data!.evaluations.totalCount).toBe(2);
    expect(compared.data!.evaluations.nodes.map((n) => n.modelVersion.id).sort()).toEqual([...versions].sort());
  });

  it('names every bad argument', async () => {
    const result = await t.graphqlAs(dev.token, EVALUATE, { mv: 'nope', dv: datasetVersionId, metrics: ['bleu', 'rouge'] });
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((result.errors?.[0]?.extensions?.fieldErrors as Array<{ field: string }>).map((e) => e.field)).toEqual(['modelVersionId', 'metrics[1]']);
    const viewer = await t.createUser('VIEWER');
    expect((await t.graphqlAs(viewer.token, EVALUATE, { mv: versions[0], dv: datasetVersionId, metrics: ['bleu'] })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
