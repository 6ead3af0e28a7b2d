// A server as a real child process, for the tests that kill it (SIGKILL, SIGTERM) and start it
// again on the same data directory and database.
import { type ChildProcess, spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../src/paths.ts';

export interface ServerProcess {
  process: ChildProcess;
  /** Everything it printed, for failure messages. */
  output: string[];
  exited: Promise<number | null>;
}

/** Runs `entry` (a TypeScript file, relative to the repository root) under tsx with `env` added. */
export function startServerProcess(entry: string, env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: PROJECT_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  return { process: child, output, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

/** Waits (up to two minutes) until `url`/healthz answers 200; fails with the output if the process exits. */
export async function waitHealthy(url: string, child: ServerProcess): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (child.process.exitCode !== null) throw new Error(`server exited: ${child.output.join('')}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not become healthy: ${child.output.join('')}`);
}
