// `egen jobs list|show|cancel` and followJob against a real server running a test-only kind:
// tables, details, following to the end, and Ctrl-C that cancels (when answered yes) or detaches.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followJob } from '../cli/follow-job.ts';
import { runCli } from '../cli/main.ts';
import { jobProgressLine, progressBar } from '../cli/progress.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { Role } from '../security/roles.ts';
import { gatedKind } from './testing/test-kinds.ts';

describe('egen jobs (sqlite)', () => {
  let t: TestServer;
  let dev: TestUser;
  let configHome: string;
  const kind = gatedKind();
  const enqueue = (key: string, extra: Record<string, unknown> = {}) =>
    t.server.services.jobs.enqueue({ kind, principal: { kind: 'session', user: { id: dev.id, email: dev.email, role: Role.DEVELOPER }, sessionId: 'cli', expiresAt: new Date(Date.now() + 600_000) }, input: { key, ...extra }, target: null });
  const env = (): NodeJS.ProcessEnv => ({ XDG_CONFIG_HOME: configHome, EGEN_URL: t.httpUrl });

  async function egen(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: env() });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  const waitStatus = async (id: string, status: string, progress = 0): Promise<void> => {
    let last = null;
    for (let i = 0; i < 1000; i++) {
      last = await t.server.services.jobs.get({ kind: 'session', user: { id: dev.id, email: dev.email, role: Role.DEVELOPER }, sessionId: 'cli', expiresAt: new Date(Date.now() + 60_000) }, id);
      if (last.status === status && last.progress >= progress) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${id} never reached ${status} at ${progress}: ${JSON.stringify(last)}; running here: ${t.server.services.jobs.runningHere().join(', ')}`);
  };

  beforeAll(async () => {
    t = await startTestServer('sqlite', { runTraining: false, registerJobKinds: (jobs) => jobs.register(kind) });
    dev = await t.createUser('DEVELOPER');
    configHome = mkdtempSync(join(tmpdir(), 'egen-cli-jobs-'));
    const out: string[] = [];
    expect(await runCli(['login', '--email', dev.email], { out: (l) => out.push(l), err: (l) => out.push(l), env: { ...env(), EGEN_PASSWORD: dev.password } })).toBe(0);
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(configHome, { recursive: true, force: true });
  });

  it('formats the bar and the job line', () => {
    expect(progressBar(0.5, 10)).toBe('[#####-----]  50%');
    expect(progressBar(Number.NaN, 4)).toBe('[----]   0%');
    expect(jobProgressLine({ progress: 0.25, progressText: 'Writing model.onnx', status: 'IN_PROGRESS' }, 65)).toBe('[########----------------------]  25%  Writing model.onnx  IN_PROGRESS  1:05');
  });

  it('list and show; show --follow prints progress and ends with the result', async () => {
    expect(await egen(['jobs', 'list'])).toMatchObject({ code: 0, out: 'No jobs.' });
    const job = await enqueue('listed', { progress: 0.4 });
    await waitStatus(job.id, 'IN_PROGRESS', 0.4);
    const list = await egen(['jobs', 'list', '--status', 'in_progress,queued']);
    expect(list.code).toBe(0);
    expect(list.out.split('\n')[0]).toMatch(/^ID\s+KIND\s+STATUS\s+PROGRESS\s+DESCRIPTION\s+CREATED$/);
    expect(list.out).toContain(`${job.id}  test.gated  IN_PROGRESS  40%       Gated test job listed`);
    expect(await egen(['jobs', 'list', '--status', 'DONE'])).toMatchObject({ code: 2 });
    const show = await egen(['jobs', 'show', job.id]);
    expect(show.out).toContain('Status    IN_PROGRESS');
    expect(show.out).toContain('Progress  [############------------------]  40%  At 40%');
    setTimeout(() => kind.open('listed'), 300);
    const followed = await egen(['jobs', 'show', job.id, '--follow', '--interval-ms', '50']);
    expect(followed.code).toBe(0);
    expect(followed.err).toContain('[############------------------]  40%  At 40%  IN_PROGRESS');
    expect(followed.out).toBe(`Job ${job.id} completed: TestResult result-listed`);
    const missing = await egen(['jobs', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(missing).toMatchObject({ code: 1, err: 'egen jobs show: Job 00000000-0000-4000-8000-000000000000 not found (NOT_FOUND)' });
  });

  it('cancel --wait stops a running job; a second cancel says it has ended', async () => {
    const job = await enqueue('to-cancel');
    await waitStatus(job.id, 'IN_PROGRESS');
    const cancelled = await egen(['jobs', 'cancel', job.id, '--wait']);
    expect(cancelled.code).toBe(0);
    expect(cancelled.out).toContain(`Cancel requested for job ${job.id}`);
    expect(cancelled.err).toContain(`Job ${job.id} cancelled`);
    expect(await egen(['jobs', 'cancel', job.id])).toMatchObject({ code: 1, err: `egen jobs cancel: Job ${job.id} has already ended (CANCELLED) (CONFLICT)` });
  });

  it('Ctrl-C while following: without anyone to answer it detaches; answered yes it cancels the job', async () => {
    const io = (lines: string[]) => ({ out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), env: env() });
    const stderr = { write: () => true, isTTY: false };

    const detachedJob = await enqueue('detach');
    await waitStatus(detachedJob.id, 'IN_PROGRESS');
    const interrupts = new EventEmitter();
    setTimeout(() => interrupts.emit('SIGINT'), 200);
    const lines: string[] = [];
    const detached = await followJob(io(lines), detachedJob.id, { intervalMs: 50, interrupts, confirm: null, stderr });
    expect(detached).toMatchObject({ exitCode: 130, detached: true, job: { status: 'IN_PROGRESS' } });
    expect(lines.at(-1)).toBe(`Detached from job ${detachedJob.id}; it keeps running on the server. Follow it again with: egen jobs show ${detachedJob.id} --follow`);
    expect(interrupts.listenerCount('SIGINT')).toBe(0);

    const cancelledJob = await enqueue('ctrl-c');
    await waitStatus(cancelledJob.id, 'IN_PROGRESS');
    const questions: string[] = [];
    setTimeout(() => interrupts.emit('SIGINT'), 200);
    const cancelled = await followJob(io([]), cancelledJob.id, {
      intervalMs: 50,
      interrupts,
      stderr,
      confirm: async (question) => {
        questions.push(question);
        return true;
      },
    });
    expect(questions).toEqual([`Cancel job ${cancelledJob.id} (Gated test job ctrl-c)? [y/N] `]);
    expect(cancelled).toMatchObject({ exitCode: 1, detached: false, job: { status: 'CANCELLED' } });
    kind.open('detach');
  });
});
