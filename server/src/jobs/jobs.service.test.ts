// JobsService against a real database: progress, results, failures with their codes, cancel
// (queued, running, and through another process's service), bounded concurrency, two services
// sharing one queue, throttled progress, recovery of jobs whose process died, and shutdown.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, ENGINES, type TestDatabase } from '../../test/databases.ts';
import { openDatabase } from '../db/data-source.ts';
import { createLogger } from '../logging/logger.ts';
import { InProcessPubSub } from '../pubsub/pubsub.ts';
import type { Principal } from '../security/principal.ts';
import { Role } from '../security/roles.ts';
import { Job } from './job.entity.ts';
import { JobStatus } from './job.types.ts';
import { JobsService, type JobsServiceOptions } from './jobs.service.ts';
import { JOB_UPDATED_TOPIC, OWNER_JOBS_TOPIC } from './jobs.topics.ts';
import { gatedKind } from './testing/test-kinds.ts';

const user = (id: string, role: Role): Principal => ({ kind: 'session', user: { id, email: `${id}@test.local`, role }, sessionId: `s-${id}`, expiresAt: new Date(Date.now() + 3600_000) });
const alice = user('alice', Role.DEVELOPER);
const bob = user('bob', Role.DEVELOPER);
const admin = user('root', Role.ADMIN);

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(ENGINES)('JobsService on %s', (engine) => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let dataDir: string;
  let pubSub: InProcessPubSub;
  const services: JobsService[] = [];
  const extraSources: DataSource[] = [];

  const newService = (options: Partial<JobsServiceOptions> = {}, source = dataSource): JobsService => {
    const service = new JobsService(source, { dataDir, logger: createLogger({ logLevel: 'fatal', logToFile: false, dataDir }), pubSub, pollIntervalMs: 20, progressIntervalMs: 50, ...options });
    services.push(service);
    return service;
  };
  const row = (id: string): Promise<Job> => dataSource.getRepository(Job).findOneByOrFail({ id });
  const ended = (id: string): Promise<Job> =>
    until(
      () => row(id),
      (j) => JobsService.isFinished(j),
      `job ${id} to end`,
    );

  beforeEach(async () => {
    database = await createTestDatabase(engine);
    dataSource = (await openDatabase(database.config)).dataSource;
    dataDir = mkdtempSync(join(tmpdir(), 'egen-jobs-'));
    pubSub = new InProcessPubSub();
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.stop()));
    await Promise.all(extraSources.splice(0).map((s) => s.destroy()));
    await dataSource.destroy();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a job: QUEUED at once, then progress, then COMPLETED with its result, workDir removed, every change published', async () => {
    const kind = gatedKind();
    const jobs = newService();
    jobs.register(kind);
    const updates = pubSub.subscribe(JOB_UPDATED_TOPIC, undefined);
    await updates.return!();
    const job = await jobs.enqueue({ kind, principal: alice, input: { key: 'a', progress: 0.5 }, target: { type: 'ModelVersion', id: 'v1' } });
    expect(job).toMatchObject({ status: 'QUEUED', kind: 'test.gated', ownerId: 'alice', description: 'Gated test job a', targetType: 'ModelVersion', targetId: 'v1', progress: 0 });
    const seen: Job[] = [];
    const stream = pubSub.subscribe(JOB_UPDATED_TOPIC, job.id);
    void (async () => {
      for await (const update of stream) seen.push(update as Job);
    })();
    await jobs.start();
    const running = await until(
      () => row(job.id),
      (j) => j.progress === 0.5,
      'progress 0.5',
    );
    expect(running).toMatchObject({ status: 'IN_PROGRESS', progressText: 'At 50%', attempts: 1 });
    expect(running.workerId).toBe(jobs.workerId);
    const workDir = kind.workDirs.get(job.id)!;
    expect(workDir).toBe(join(dataDir, 'jobs', job.id));
    expect(existsSync(join(workDir, 'partial.bin'))).toBe(true);
    kind.open('a');
    const done = await ended(job.id);
    expect(done).toMatchObject({ status: 'COMPLETED', progress: 1, resultType: 'TestResult', resultId: 'result-a', errorCode: null, workerId: null });
    expect(done.finishedAt).toBeInstanceOf(Date);
    expect(existsSync(workDir)).toBe(false);
    await until(
      async () => seen.map((j) => j.status),
      (s) => s.at(-1) === 'COMPLETED',
      'the COMPLETED update',
    );
    expect(seen.map((j) => `${j.status}@${j.progress}`)).toEqual(['IN_PROGRESS@0', 'IN_PROGRESS@0.5', 'COMPLETED@1']);
    await stream.return!();
  });

  it('fails a job with the code of a DomainError, or INTERNAL for anything else, keeping the message', async () => {
    const kind = gatedKind();
    const jobs = newService();
    jobs.register(kind);
    await jobs.start();
    kind.open('v');
    kind.open('p');
    const validation = await jobs.enqueue({ kind, principal: alice, input: { key: 'v', then: 'fail-validation' }, target: null });
    const plain = await jobs.enqueue({ kind, principal: alice, input: { key: 'p', then: 'fail-plain' }, target: null });
    expect(await ended(validation.id)).toMatchObject({ status: 'FAILED', errorCode: 'BAD_USER_INPUT', errorMessage: 'input.key: gate v refused', resultId: null });
    expect(await ended(plain.id)).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL', errorMessage: 'gate p broke' });
    expect(existsSync(jobs.workDir(plain.id))).toBe(false);
  });

  it('cancels a queued job at once and a running one through its signal; nothing is left behind', async () => {
    const kind = gatedKind();
    const jobs = newService({ concurrency: 1 });
    jobs.register(kind);
    await jobs.start();
    const outsideFile = join(dataDir, 'output.partial');
    const first = await jobs.enqueue({ kind, principal: alice, input: { key: 'first', outsideFile }, target: null });
    // The queue is ordered by creation time (milliseconds), then id: jobs created within the same
    // millisecond may start in either order, and this test needs `first` to be the one that runs.
    await new Promise((r) => setTimeout(r, 5));
    const second = await jobs.enqueue({ kind, principal: alice, input: { key: 'second' }, target: null });
    await until(
      () => row(first.id),
      (j) => j.status === 'IN_PROGRESS',
      'first to run',
    );
    await until(async () => existsSync(outsideFile), Boolean, 'the partial output');
    const cancelledQueued = await jobs.cancel(alice, second.id);
    expect(cancelledQueued).toMatchObject({ status: 'CANCELLED', requestedCancel: true });
    expect(cancelledQueued.finishedAt).toBeInstanceOf(Date);
    const requested = await jobs.cancel(alice, first.id);
    expect(requested.requestedCancel).toBe(true);
    expect(await ended(first.id)).toMatchObject({ status: 'CANCELLED', resultId: null, errorCode: null });
    expect(existsSync(outsideFile)).toBe(false);
    expect(existsSync(jobs.workDir(first.id))).toBe(false);
    expect(kind.startedKeys).toEqual(['first']);
    await expect(jobs.cancel(alice, first.id)).rejects.toMatchObject({ code: 'CONFLICT', message: `Job ${first.id} has already ended (CANCELLED)` });
  });

  it('a cancel written through another service (another process) stops the job where it runs', async () => {
    const kind = gatedKind();
    const runner = newService();
    runner.register(kind);
    await runner.start();
    const other = newService({}, (await openDatabase(database.config)).dataSource);
    other.register(kind);
    const job = await runner.enqueue({ kind, principal: alice, input: { key: 'remote' }, target: null });
    await until(
      () => row(job.id),
      (j) => j.status === 'IN_PROGRESS',
      'the job to run',
    );
    await other.cancel(admin, job.id);
    expect(await ended(job.id)).toMatchObject({ status: 'CANCELLED' });
  });

  it("relays changes of jobs another process runs to this process's subscribers, once each", async () => {
    const kind = gatedKind();
    const runner = newService();
    runner.register(kind);
    const otherPubSub = new InProcessPubSub();
    // The other server knows no kinds: it never claims, it only serves subscribers.
    const other = newService({ pubSub: otherPubSub }, (await openDatabase(database.config)).dataSource);
    await other.start();
    const job = await runner.enqueue({ kind, principal: alice, input: { key: 'relayed', progress: 0.5 }, target: null });
    const seenById: Job[] = [];
    const seenByOwner: Job[] = [];
    for (const [stream, seen] of [
      [otherPubSub.subscribe(JOB_UPDATED_TOPIC, job.id), seenById],
      [otherPubSub.subscribe(OWNER_JOBS_TOPIC, 'alice'), seenByOwner],
    ] as const) {
      void (async () => {
        for await (const update of stream) seen.push(update as Job);
      })();
    }
    await runner.start();
    await until(
      async () => seenById.map((j) => j.progress),
      (p) => p.includes(0.5),
      'the relayed progress',
    );
    kind.open('relayed');
    await until(
      async () => seenById.at(-1)?.status,
      (s) => s === 'COMPLETED',
      'the relayed end',
    );
    await until(
      async () => seenByOwner.at(-1)?.status,
      (s) => s === 'COMPLETED',
      'the relayed end by owner',
    );
    await new Promise((r) => setTimeout(r, 200));
    const updatedAts = seenById.map((j) => j.updatedAt.getTime());
    expect(new Set(updatedAts).size).toBe(updatedAts.length);
    expect(updatedAts).toEqual([...updatedAts].sort((a, b) => a - b));
  });

  it('runs at most `concurrency` jobs at once and the rest in order as slots free up', async () => {
    const kind = gatedKind();
    const jobs = newService({ concurrency: 2 });
    jobs.register(kind);
    await jobs.start();
    const queued = [];
    for (let i = 0; i < 5; i++) {
      queued.push(await jobs.enqueue({ kind, principal: alice, input: { key: `k${i}` }, target: null }));
      // Queue order is by creation time (milliseconds), then id.
      await new Promise((r) => setTimeout(r, 3));
    }
    await until(
      async () => kind.startedKeys.length,
      (n) => n === 2,
      'two jobs to start',
    );
    await new Promise((r) => setTimeout(r, 200));
    // The two oldest are claimed; which of them enters run() first is up to the file system.
    expect(kind.startedKeys.toSorted()).toEqual(['k0', 'k1']);
    for (let i = 0; i < 5; i++) {
      kind.open(`k${i}`);
      await until(
        async () => kind.startedKeys.length,
        (n) => n >= Math.min(5, i + 3),
        `job ${i + 3} to start`,
      );
    }
    for (const job of queued) expect((await ended(job.id)).status).toBe('COMPLETED');
    expect(kind.maxConcurrent).toBe(2);
    expect(kind.startedKeys.slice(2)).toEqual(['k2', 'k3', 'k4']);
  });

  it('two services on one database never run the same job', async () => {
    const kind = gatedKind();
    const a = newService({ concurrency: 3 });
    const b = newService({ concurrency: 3 }, (await openDatabase(database.config)).dataSource);
    for (const s of [a, b]) s.register(kind);
    const queued = [];
    for (let i = 0; i < 12; i++) {
      kind.open(`r${i}`);
      queued.push(await a.enqueue({ kind, principal: alice, input: { key: `r${i}` }, target: null }));
    }
    await Promise.all([a.start(), b.start()]);
    for (const job of queued) expect(await ended(job.id)).toMatchObject({ status: 'COMPLETED', attempts: 1 });
    expect([...kind.runsByJob.values()]).toEqual(queued.map(() => 1));
  });

  it('throttles progress writes to one per interval, keeping the newest value', async () => {
    const updates: Job[] = [];
    const jobs = newService({ progressIntervalMs: 100 });
    const kind = {
      kind: 'test.chatty',
      describe: () => 'Reports progress every millisecond',
      async run(ctx: { progress(f: number, t: string): void }) {
        const start = Date.now();
        for (let i = 1; Date.now() - start < 500; i++) {
          ctx.progress(Math.min(1, (Date.now() - start) / 1000), `tick ${i}`);
          await new Promise((r) => setTimeout(r, 1));
        }
        return null;
      },
    };
    jobs.register(kind);
    const job = await jobs.enqueue({ kind, principal: alice, input: {}, target: null });
    const stream = pubSub.subscribe(JOB_UPDATED_TOPIC, job.id);
    void (async () => {
      for await (const update of stream) updates.push(update as Job);
    })();
    await jobs.start();
    await ended(job.id);
    await new Promise((r) => setTimeout(r, 50));
    const progressUpdates = updates.filter((u) => u.status === 'IN_PROGRESS' && u.progressText.startsWith('tick'));
    // 500 ms at one write per 100 ms: about 5 (the first at once), never hundreds.
    expect(progressUpdates.length).toBeGreaterThanOrEqual(3);
    expect(progressUpdates.length).toBeLessThanOrEqual(7);
    await stream.return!();
  });

  it('refuses progress outside 0..1 with a message naming the value', async () => {
    const jobs = newService();
    const kind = { kind: 'test.bad-progress', describe: () => 'Bad progress', run: async (ctx: { progress(f: number, t: string): void }) => (ctx.progress(1.5, 'too far'), null) };
    jobs.register(kind);
    await jobs.start();
    const job = await jobs.enqueue({ kind, principal: alice, input: {}, target: null });
    expect(await ended(job.id)).toMatchObject({ status: 'FAILED', errorCode: 'INTERNAL', errorMessage: 'job progress must be a number from 0 to 1 (got 1.5)' });
  });

  it("recovers jobs whose process died: the kind cleans up, workDir goes, the job FAILs with JOB_INTERRUPTED; a live worker's job is left alone", async () => {
    const kind = gatedKind();
    const repo = dataSource.getRepository(Job);
    const outsideFile = join(dataDir, 'export.partial');
    writeFileSync(outsideFile, 'partial');
    const base = {
      kind: 'test.gated',
      description: 'x',
      ownerId: 'alice',
      status: JobStatus.IN_PROGRESS,
      progress: 0.3,
      progressText: 'Writing',
      targetType: null,
      targetId: null,
      resultType: null,
      resultId: null,
      errorMessage: null,
      errorCode: null,
      requestedCancel: false,
      attempts: 1,
      createdAt: new Date(),
      startedAt: new Date(),
      finishedAt: null,
      updatedAt: new Date(),
    };
    const deadHere = { ...base, id: 'a0000000-0000-4000-8000-000000000001', input: { key: 'dead', outsideFile }, workerId: `${hostname()}:2147483000:deadbeef`, heartbeatAt: new Date() };
    const silentElsewhere = { ...base, id: 'a0000000-0000-4000-8000-000000000002', input: { key: 'silent' }, workerId: 'other-host:12:cafe', heartbeatAt: new Date(Date.now() - 120_000) };
    const aliveElsewhere = { ...base, id: 'a0000000-0000-4000-8000-000000000003', input: { key: 'alive' }, workerId: 'other-host:13:cafe', heartbeatAt: new Date() };
    await repo.insert([deadHere, silentElsewhere, aliveElsewhere]);
    for (const job of [deadHere, silentElsewhere, aliveElsewhere]) {
      mkdirSync(join(dataDir, 'jobs', job.id), { recursive: true });
      writeFileSync(join(dataDir, 'jobs', job.id, 'partial.bin'), 'x');
    }
    mkdirSync(join(dataDir, 'jobs', 'leftover-of-a-finished-job'), { recursive: true });
    const jobs = newService({ staleAfterMs: 60_000 });
    jobs.register(kind);
    await jobs.start();
    for (const id of [deadHere.id, silentElsewhere.id]) {
      expect(await row(id)).toMatchObject({ status: 'FAILED', errorCode: 'JOB_INTERRUPTED', errorMessage: 'the server stopped during the job', workerId: null });
      expect(existsSync(join(dataDir, 'jobs', id))).toBe(false);
    }
    expect(kind.recovered.map((r) => r.input.key).sort()).toEqual(['dead', 'silent']);
    expect(existsSync(outsideFile)).toBe(false);
    expect(await row(aliveElsewhere.id)).toMatchObject({ status: 'IN_PROGRESS', workerId: 'other-host:13:cafe' });
    expect(existsSync(join(dataDir, 'jobs', aliveElsewhere.id))).toBe(true);
    expect(existsSync(join(dataDir, 'jobs', 'leftover-of-a-finished-job'))).toBe(false);
  });

  it('requeues an interrupted job whose kind is safe to retry, and runs it again', async () => {
    const kind = Object.assign(gatedKind('test.retryable'), { retryAfterInterruption: true });
    kind.open('again');
    await dataSource.getRepository(Job).insert({
      id: 'b0000000-0000-4000-8000-000000000001',
      kind: 'test.retryable',
      description: 'x',
      ownerId: 'alice',
      status: JobStatus.IN_PROGRESS,
      progress: 0.3,
      progressText: 'Writing',
      input: { key: 'again' },
      targetType: null,
      targetId: null,
      resultType: null,
      resultId: null,
      errorMessage: null,
      errorCode: null,
      workerId: `${hostname()}:${process.pid}:previous`,
      heartbeatAt: new Date(),
      requestedCancel: false,
      attempts: 1,
      createdAt: new Date(),
      startedAt: new Date(),
      finishedAt: null,
      updatedAt: new Date(),
    });
    const jobs = newService();
    jobs.register(kind);
    await jobs.start();
    expect(await ended('b0000000-0000-4000-8000-000000000001')).toMatchObject({ status: 'COMPLETED', attempts: 2, resultId: 'result-again' });
    expect(kind.recovered).toHaveLength(1);
  });

  it('stop() aborts running jobs; they end FAILED with JOB_INTERRUPTED and leave no workDir', async () => {
    const kind = gatedKind();
    const jobs = newService();
    jobs.register(kind);
    await jobs.start();
    const job = await jobs.enqueue({ kind, principal: alice, input: { key: 'never' }, target: null });
    await until(
      () => row(job.id),
      (j) => j.status === 'IN_PROGRESS',
      'the job to run',
    );
    await jobs.stop();
    expect(await row(job.id)).toMatchObject({ status: 'FAILED', errorCode: 'JOB_INTERRUPTED', errorMessage: 'the server stopped during the job' });
    expect(existsSync(jobs.workDir(job.id))).toBe(false);
  });

  it("shows a job to its owner and admins only; lists the caller's own; only the owner or an admin cancels", async () => {
    const kind = gatedKind();
    const jobs = newService();
    jobs.register(kind);
    const mine = await jobs.enqueue({ kind, principal: alice, input: { key: 'm' }, target: { type: 'ModelVersion', id: 'v1' } });
    const theirs = await jobs.enqueue({ kind, principal: bob, input: { key: 't' }, target: null });
    expect((await jobs.get(alice, mine.id)).id).toBe(mine.id);
    expect((await jobs.get(admin, mine.id)).id).toBe(mine.id);
    await expect(jobs.get(bob, mine.id)).rejects.toMatchObject({ code: 'NOT_FOUND', message: `Job ${mine.id} not found` });
    expect((await jobs.list(alice, null, {})).nodes.map((j) => j.id)).toEqual([mine.id]);
    expect((await jobs.list(admin, null, {})).totalCount).toBe(2);
    expect((await jobs.list(admin, { ownerId: 'bob' }, {})).nodes.map((j) => j.id)).toEqual([theirs.id]);
    expect((await jobs.list(alice, { targetType: 'ModelVersion', targetId: 'v1' }, {})).totalCount).toBe(1);
    expect((await jobs.list(alice, { statuses: [JobStatus.COMPLETED] }, {})).totalCount).toBe(0);
    await expect(jobs.list(alice, { ownerId: 'bob' }, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(jobs.list(alice, { targetId: 'v1' }, {})).rejects.toMatchObject({ code: 'BAD_USER_INPUT', message: 'filter.targetType: is needed with filter.targetId' });
    await expect(jobs.cancel(bob, mine.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await jobs.cancel(admin, theirs.id)).status).toBe('CANCELLED');
    await expect(jobs.enqueue({ kind: gatedKind('test.unregistered'), principal: alice, input: { key: 'u' }, target: null })).rejects.toThrow('job kind "test.unregistered" is not registered');
    expect(() => jobs.register(gatedKind())).toThrow('job kind "test.gated" is registered twice');
    expect(() => jobs.register({ ...gatedKind(), kind: 'Bad Name' })).toThrow('job kind "Bad Name": the name must be lowercase words');
  });
});
