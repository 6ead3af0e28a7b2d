// `egen export` and `egen models artifacts` against a real server: the export is followed to its
// end, the parity figure printed, the artifact downloaded, unpacked and checked against its
// manifest; refusals name the flag the user typed.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.ts';
import { ENGINES } from '../../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../../test/test-server.ts';
import { exportFixture } from '../export/testing/export-fixtures.ts';

describe.each(ENGINES)('egen export on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  let configHome: string;
  let versionId: string;

  async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: { XDG_CONFIG_HOME: configHome, ...env } });
    return { code, out, err };
  }

  beforeAll(async () => {
    t = await startTestServer(engine, { runTraining: false, config: { training: { threads: 1 } } });
    dev = await t.createUser('DEVELOPER');
    configHome = mkdtempSync(join(tmpdir(), 'egen-cli-'));
    const dir = join(t.dataDir, 'fixture');
    mkdirSync(dir);
    const fixture = await exportFixture(dir);
    const { vocabSize, contextLength, nLayer, nHead, nEmbd } = fixture.model;
    const model = await t.graphqlAs<{ createModel: { id: string } }>(dev.token, 'mutation($i: CreateModelInput!) { createModel(input: $i) { id } }', {
      i: { name: 'tiny', architecture: { vocabSize, contextLength, layers: nLayer, heads: nHead, embeddingWidth: nEmbd } },
    });
    const version = await t.graphqlAs<{ createModelVersion: { id: string } }>(dev.token, 'mutation($i: CreateModelVersionInput!) { createModelVersion(input: $i) { id } }', {
      i: { modelId: model.data!.createModel.id, checkpointPath: fixture.checkpoint },
    });
    versionId = version.data!.createModelVersion.id;
    expect((await cli(['login', '--url', t.httpUrl, '--email', dev.email], { EGEN_PASSWORD: dev.password })).code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await t?.stop();
    if (configHome) rmSync(configHome, { recursive: true, force: true });
  });

  it('exports, prints the parity figure, downloads and verifies the files into --out, and lists the artifact', async () => {
    const out = join(configHome, 'hf-out');
    const result = await cli(['export', versionId, '--format', 'hf', '--dtype', 'fp16', '--out', out]);
    expect(result.err.join('\n')).toContain('Export started: job');
    expect(result.code).toBe(0);
    const text = result.out.join('\n');
    expect(text).toMatch(/Artifact [0-9a-f-]+: hf, \d+ files, .*; parity max \|Δ logit\| \d\.\d\de-\d \(tolerance 0\.02;/);
    expect(text).toContain('every SHA-256 matches the manifest');
    expect(readdirSync(out).sort()).toEqual(['config.json', 'generation_config.json', 'manifest.json', 'model.safetensors']);
    expect(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'))).toMatchObject({ format: 'HUGGING_FACE', options: { dtype: 'fp16', lora: 'merged' } });

    const listed = await cli(['models', 'artifacts', versionId]);
    expect(listed.code).toBe(0);
    expect(listed.out[0]).toMatch(/^FORMAT\s+OPTIONS\s+SIZE\s+PARITY\s+TOLERANCE\s+CREATED\s+ID$/);
    expect(listed.out[1]).toMatch(/^hf\s+dtype=fp16 lora=merged\s+/);
  }, 120_000);

  it('names the flag the user typed when the server refuses, and refuses an unknown format before asking', async () => {
    const refused = await cli(['export', versionId, '--format', 'hf', '--lora', 'adapter', '--out', join(configHome, 'never')]);
    expect(refused.code).toBe(1);
    expect(refused.err.join('\n')).toMatch(/invalid input\n {2}--lora: 'adapter' needs a LoRA version/);
    expect(existsSync(join(configHome, 'never'))).toBe(false);
    const usage = await cli(['export', versionId, '--format', 'gguf']);
    expect(usage.code).toBe(2);
    expect(usage.err.join('\n')).toContain('--format must be hf, pytorch, torchscript, onnx (got "gguf")');
  });
});
