// `egen models tag`, `untag` and `compare` against a real server with two trained, evaluated versions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { createShakespeareVersion, createTinyModel, isFinished, startRun, TINY_CONFIG, waitForRun } from '../training/testing/fixtures.ts';

describe('egen models tag / untag / compare (sqlite)', () => {
  let t: TestServer;
  let dev: TestUser;
  let configHome: string;
  let versions: string[];

  beforeAll(async () => {
    t = await startTestServer('sqlite', { config: { training: { threads: 1 } } });
    dev = await t.createUser('DEVELOPER');
    configHome = mkdtempSync(join(tmpdir(), 'egen-cli-'));
    const datasetVersionId = await createShakespeareVersion(t, dev, 12_000);
    const modelId = await createTinyModel(t, dev, 'cli-versions');
    versions = [];
    for (const learningRate of [3e-3, 1e-3]) {
      const run = await startRun(t, dev, { modelId, datasetVersionId, config: { ...TINY_CONFIG, steps: 2, learningRate } });
      versions.push((await waitForRun(t, dev, run.id, isFinished)).resultVersion!.id);
    }
    const evaluated = await t.graphqlAs(dev.token, 'mutation($mv: ID!, $dv: ID!) { evaluate(modelVersionId: $mv, datasetVersionId: $dv, metrics: ["perplexity"], options: { maxWindows: 1 }) { id } }', { mv: versions[0], dv: datasetVersionId });
    expect(evaluated.errors).toBeUndefined();
    expect((await egen(['login', '--email', dev.email], { EGEN_PASSWORD: dev.password })).code).toBe(0);
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(configHome, { recursive: true, force: true });
  });

  async function egen(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: { XDG_CONFIG_HOME: configHome, EGEN_URL: t.httpUrl, ...env } });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('tags, moves a tag and untags', async () => {
    const [a, b] = versions as [string, string];
    expect(await egen(['models', 'tag', a, 'production'])).toMatchObject({ code: 0, out: 'Tagged cli-versions v1 with production; its tags: production' });
    expect(await egen(['models', 'tag', a, 'staging'])).toMatchObject({ code: 0, out: 'Tagged cli-versions v1 with staging; its tags: production, staging' });
    expect(await egen(['models', 'tag', b, 'production'])).toMatchObject({ code: 0, out: 'Tagged cli-versions v2 with production; its tags: production' });
    expect(await egen(['models', 'untag', a, 'staging'])).toMatchObject({ code: 0, out: 'Untagged cli-versions v1 from staging; its tags: (none)' });
    const json = await egen(['models', 'tag', a, 'best', '--json']);
    expect(JSON.parse(json.out)).toMatchObject({ id: a, version: 1, tags: [{ tag: 'best' }] });
  });

  it('names what was wrong: a bad tag, a missing tag, missing arguments', async () => {
    const bad = await egen(['models', 'tag', versions[0]!, 'Prod']);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('egen models tag: invalid input\n  TAG: must be 1 to 40 characters of a-z, 0-9, ".", "_" and "-" (got "Prod")');
    const missing = await egen(['models', 'untag', versions[0]!, 'staging']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('egen models untag: Tag "staging" on ModelVersion');
    expect(missing.err).toContain('(NOT_FOUND)');
    const usage = await egen(['models', 'compare', versions[0]!]);
    expect(usage.code).toBe(2);
    expect(usage.err).toContain('give two version ids, A and B');
  });

  it('compare prints the differing settings and the metrics side by side', async () => {
    const [a, b] = versions as [string, string];
    const result = await egen(['models', 'compare', a, b]);
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines[0]).toBe(`A: cli-versions v1 (${a})`);
    expect(lines[1]).toBe(`B: cli-versions v2 (${b})`);
    expect(lines).toContainEqual(expect.stringMatching(/^SETTING\s+A\s+B$/));
    expect(lines).toContainEqual(expect.stringMatching(/^training\.learningRate\s+0\.003\s+0\.001$/));
    expect(lines.some((l) => l.startsWith('training.seed'))).toBe(false);
    expect(lines).toContainEqual(expect.stringMatching(/^METRIC\s+A\s+B$/));
    expect(lines).toContainEqual(expect.stringMatching(/^perplexity\s+\d+(\.\d+)?\s+-$/));
    const json = JSON.parse((await egen(['models', 'compare', a, b, '--json'])).out) as { differences: Array<{ key: string }> };
    expect(json.differences.map((d) => d.key)).toEqual(['training.learningRate', 'training.minLearningRate']); // the minimum derives from the rate
    const unknown = await egen(['models', 'compare', a, 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toBe('egen models compare: invalid input\n  B: is not a model version (nope)');
  });
});
