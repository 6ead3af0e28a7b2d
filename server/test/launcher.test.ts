// The front door as a user meets it: ./start.sh start, status, stop, --force, bad flags and config.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.ts';
import { freePort } from './ports.ts';

const START_SH = join(PROJECT_ROOT, 'start.sh');

function launcher(args: string[], env: Record<string, string> = {}): { code: number; stdout: string; stderr: string } {
  const result = spawnSync(START_SH, args, { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

describe('./start.sh', () => {
  const dataDirs: string[] = [];
  const newDataDir = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'egen-launcher-'));
    dataDirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dataDirs) {
      launcher(['stop'], { EGEN_DATA_DIR: dir });
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('start → status healthy → /healthz 200 → second start refused → stop → status stopped', async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    const env = { EGEN_DATA_DIR: dataDir };

    const started = launcher(['start', '--port', String(port)], env);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toContain(`UI       http://localhost:${port}/`);
    expect(started.stdout).toContain(`GraphQL  http://localhost:${port}/graphql`);
    expect(started.stdout).toContain(join(dataDir, 'logs', 'server.log'));

    const status = launcher(['status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(new RegExp(`EGen is running \\(pid \\d+, port ${port}`));
    expect(status.stdout).toContain('Health   healthy (ok)');
    expect(status.stdout).toMatch(/libtorch \d+\.\d+\.\d+/);

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    const again = launcher(['start', '--port', String(port)], env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already running');

    const stopped = launcher(['stop'], env);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain('EGen stopped');

    const after = launcher(['status'], env);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain('EGen is stopped');
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('--force with the port taken picks the next free port and says which; without it, refuses', async () => {
    const dataDir = newDataDir();
    const port = await freePort();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()));
    try {
      const refused = launcher(['start', '--port', String(port)], { EGEN_DATA_DIR: dataDir });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`port ${port} is already in use`);

      const forced = launcher(['start', '--port', String(port), '--force'], { EGEN_DATA_DIR: dataDir });
      expect(forced.code).toBe(0);
      const match = /port (\d+) is in use; using port (\d+) instead/.exec(forced.stdout);
      expect(match?.[1]).toBe(String(port));
      const chosen = Number(match![2]);
      expect(chosen).toBeGreaterThan(port);
      expect(forced.stdout).toContain(`UI       http://localhost:${chosen}/`);
      expect((await fetch(`http://127.0.0.1:${chosen}/healthz`)).status).toBe(200);
    } finally {
      launcher(['stop'], { EGEN_DATA_DIR: dataDir });
      blocker.close();
    }
  });

  it('a stale pid file is refused without --force and cleared with it', async () => {
    const dataDir = newDataDir();
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'egen.pid'), JSON.stringify({ pid: 2 ** 22 + 7, port: 1, host: '127.0.0.1', version: '0', startedAt: '' }));
    const port = await freePort();
    const refused = launcher(['start', '--port', String(port)], { EGEN_DATA_DIR: dataDir });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('stale pid file');
    const forced = launcher(['start', '--port', String(port), '--force'], { EGEN_DATA_DIR: dataDir });
    expect(forced.stdout).toContain('cleared a stale pid file');
    expect(forced.code).toBe(0);
    launcher(['stop'], { EGEN_DATA_DIR: dataDir });
  });

  it('an unknown flag prints the usage and exits non-zero', () => {
    const result = launcher(['--no-such-flag']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown option --no-such-flag');
    expect(result.stderr).toContain('Usage: ./start.sh');
  });

  it('--help lists every verb and flag', () => {
    const result = launcher(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['start', 'stop', 'status', 'test', '--port N', '--force', '--debug', '--dev-mode']) expect(result.stdout).toContain(word);
  });

  it('a bad port in the environment is one clear line and a non-zero exit', () => {
    const result = launcher(['start'], { EGEN_DATA_DIR: newDataDir(), EGEN_PORT: 'eighty' });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe('egen: EGEN_PORT must be an integer between 1 and 65535 (got "eighty")');
  });

  it('an unreachable DATABASE_URL is one clear line and a non-zero exit', async () => {
    const port = await freePort();
    const result = launcher(['start', '--port', String(port)], { EGEN_DATA_DIR: newDataDir(), DATABASE_URL: `postgres://egen:pw@127.0.0.1:${await freePort()}/egen` });
    expect(result.code).not.toBe(0);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^egen: cannot connect to the database \(DATABASE_URL: postgres postgres:\/\/egen:\*\*\*@127\.0\.0\.1:\d+\/egen\): .*ECONNREFUSED/);
  });
});
