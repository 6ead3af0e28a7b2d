// `egen datasets upload|list|show` against a real server.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../cli/main.ts';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer } from '../../test/test-server.ts';
import { progressLine } from './datasets.cli.ts';

const SAMPLES = join(import.meta.dirname, '../../../datasets');

async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env });
  return { code, out, err };
}

describe.each(ENGINES)('egen datasets on %s', (engine) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(engine);
  });
  afterAll(async () => t?.stop());

  it('upload shows progress, then the validation summary with the gate per criterion', async () => {
    const result = await cli(['datasets', 'upload', join(SAMPLES, 'reviews.csv'), '--name', 'reviews', '--text-field', 'review', '--vocab-size', '300', '--server', t.httpUrl]);
    expect(result.err.join('\n')).toMatch(/\[#+\] 100%\s+.* \/ .*\/s\s+ETA /);
    expect(result.code).toBe(0);
    const out = result.out.join('\n');
    expect(out).toContain('Dataset reviews');
    expect(out).toMatch(/Rows:\s+12 \(12 with text/);
    expect(out).toContain('PASS  zero missing values');
    expect(out).toMatch(/PASS  tokenization error rate < 0.1%/);
  });

  it('list and show (by name) read the server given by EGEN_SERVER_URL', async () => {
    const list = await cli(['datasets', 'list'], { EGEN_SERVER_URL: t.httpUrl });
    expect(list.code).toBe(0);
    expect(list.out[0]).toMatch(/^NAME\s+ID\s+VERSION\s+FORMAT\s+RECORDS\s+TOKENS\s+GATE$/);
    expect(list.out[1]).toMatch(/^reviews\s+[0-9a-f-]{36}\s+v1\s+CSV\s+12\s+\d+\s+PASS$/);
    const show = await cli(['datasets', 'show', 'reviews'], { EGEN_SERVER_URL: t.httpUrl });
    expect(show.code).toBe(0);
    expect(show.out.join('\n')).toMatch(/v1 [0-9a-f-]{36} {2}12 records/);
    expect(show.out.join('\n')).toContain('Gate: PASS');
  });

  it('a bad file fails with its location and exit code 1', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = join(mkdtempSync(join(tmpdir(), 'egen-cli-')), 'bad.jsonl');
    writeFileSync(path, '{"text":"a"}\nnot json\n');
    const result = await cli(['datasets', 'upload', path, '--server', t.httpUrl]);
    expect(result.code).toBe(1);
    expect(result.err.join('\n')).toContain('line 2: not valid JSON');
  });

  it('usage errors exit 2; an unreachable server is a clear error', async () => {
    expect((await cli(['datasets', 'upload'])).code).toBe(2);
    expect((await cli(['datasets', 'upload', join(SAMPLES, 'reviews.csv'), '--format', 'xml'])).err.join('\n')).toContain('--format must be');
    const unreachable = await cli(['datasets', 'list', '--server', 'http://127.0.0.1:9']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.err.join('\n')).toContain('cannot reach the server at http://127.0.0.1:9');
  });

  it('progress lines show bytes, rate and ETA', () => {
    expect(progressLine(512 * 1024, 1024 * 1024, 2)).toBe('[###############---------------]  50%  512.0 KB / 1.0 MB  256.0 KB/s  ETA 0:02');
  });
});
