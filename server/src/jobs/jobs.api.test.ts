// Jobs through the real API: job, jobs, cancelJob over HTTP and jobUpdated / myJobUpdated over
// WebSocket, with a test-only kind registered in the server; owners see their own, admins all.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { wsFirstResult } from '../../test/ws.ts';
import type { Principal } from '../security/principal.ts';
import { Role } from '../security/roles.ts';
import { JobsService } from './jobs.service.ts';
import { JOB_UPDATED_TOPIC, OWNER_JOBS_TOPIC } from './jobs.topics.ts';
import { gatedKind } from './testing/test-kinds.ts';

const JOB_FIELDS = 'id kind description status progress progressText targetType targetId resultType resultId errorMessage errorCode requestedCancel attempts owner { id email }';

describe.each(ENGINES)('jobs API on %s', (engine) => {
  let t: TestServer;
  let dev: TestUser;
  let other: TestUser;
  let viewer: TestUser;
  const kind = gatedKind();
  const principalOf = (u: TestUser): Principal => ({ kind: 'session', user: { id: u.id, email: u.email, role: u.role as Role }, sessionId: 'test', expiresAt: new Date(Date.now() + 60_000) });
  const enqueue = (u: TestUser, key: string, extra: Record<string, unknown> = {}) =>
    t.server.services.jobs.enqueue({ kind, principal: principalOf(u), input: { key, ...extra }, target: { type: 'ModelVersion', id: '00000000-0000-4000-8000-00000000000a' } });
  const jobAs = async (u: TestUser, id: string) => t.graphqlAs<{ job: Record<string, unknown> }>(u.token, `query($id: ID!) { job(id: $id) { ${JOB_FIELDS} } }`, { id });
  const until = async (check: () => Promise<boolean>, what: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  beforeAll(async () => {
    t = await startTestServer(engine, { runTraining: false, registerJobKinds: (jobs) => jobs.register(kind) });
    dev = await t.createUser('DEVELOPER');
    other = await t.createUser('DEVELOPER');
    viewer = await t.createUser('VIEWER');
  });
  afterAll(async () => t?.stop());

  it('job shows progress to its owner and an admin, NOT_FOUND to others; jobs lists the caller’s own', async () => {
    const job = await enqueue(dev, 'show', { progress: 0.25 });
    await until(async () => (await jobAs(dev, job.id)).data?.job.progress === 0.25, 'progress');
    const seen = await jobAs(dev, job.id);
    expect(seen.data!.job).toMatchObject({
      kind: 'test.gated',
      description: 'Gated test job show',
      status: 'IN_PROGRESS',
      progressText: 'At 25%',
      targetType: 'ModelVersion',
      requestedCancel: false,
      attempts: 1,
      owner: { id: dev.id, email: dev.email },
    });
    expect((await jobAs(t.admin, job.id)).data!.job.id).toBe(job.id);
    const hidden = await jobAs(other, job.id);
    expect(hidden.errors![0]).toMatchObject({ message: `Job ${job.id} not found`, extensions: { code: 'NOT_FOUND' } });
    const mine = await t.graphqlAs<{ jobs: { totalCount: number; nodes: Array<{ id: string }> } }>(dev.token, 'query { jobs(first: 10) { totalCount nodes { id } } }');
    expect(mine.data!.jobs.nodes.map((j) => j.id)).toContain(job.id);
    const theirs = await t.graphqlAs<{ jobs: { totalCount: number } }>(other.token, 'query { jobs { totalCount } }');
    expect(theirs.data!.jobs.totalCount).toBe(0);
    const forbidden = await t.graphqlAs(other.token, 'query($o: ID!) { jobs(filter: { ownerId: $o }) { totalCount } }', { o: dev.id });
    expect(forbidden.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    const byAdmin = await t.graphqlAs<{ jobs: { nodes: Array<{ id: string }> } }>(t.admin.token, 'query($o: ID!) { jobs(filter: { ownerId: $o, statuses: [IN_PROGRESS] }) { nodes { id } } }', { o: dev.id });
    expect(byAdmin.data!.jobs.nodes.map((j) => j.id)).toContain(job.id);
    kind.open('show');
    await until(async () => (await jobAs(dev, job.id)).data?.job.status === 'COMPLETED', 'completion');
    expect((await jobAs(dev, job.id)).data!.job).toMatchObject({ progress: 1, resultType: 'TestResult', resultId: 'result-show' });
  });

  it('cancelJob: the owner cancels a running job; another developer gets NOT_FOUND; a finished one is a CONFLICT', async () => {
    const job = await enqueue(dev, 'cancel-me');
    await until(async () => (await jobAs(dev, job.id)).data?.job.status === 'IN_PROGRESS', 'the job to run');
    const denied = await t.graphqlAs(other.token, 'mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: job.id });
    expect(denied.errors![0]!.extensions!.code).toBe('NOT_FOUND');
    const cancelled = await t.graphqlAs<{ cancelJob: { requestedCancel: boolean } }>(dev.token, 'mutation($id: ID!) { cancelJob(id: $id) { requestedCancel } }', { id: job.id });
    expect(cancelled.data!.cancelJob.requestedCancel).toBe(true);
    await until(async () => (await jobAs(dev, job.id)).data?.job.status === 'CANCELLED', 'the cancel');
    expect(JobsService.isFinished({ status: (await jobAs(dev, job.id)).data!.job.status as never })).toBe(true);
    const again = await t.graphqlAs(dev.token, 'mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: job.id });
    expect(again.errors![0]).toMatchObject({ message: `Job ${job.id} has already ended (CANCELLED)`, extensions: { code: 'CONFLICT' } });
    const asViewer = await t.graphqlAs(viewer.token, 'mutation($id: ID!) { cancelJob(id: $id) { id } }', { id: job.id });
    expect(asViewer.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });

  it('jobUpdated and myJobUpdated deliver changes live; jobUpdated of someone else’s job is NOT_FOUND', async () => {
    const job = await enqueue(dev, 'live');
    await until(async () => (await jobAs(dev, job.id)).data?.job.status === 'IN_PROGRESS', 'the job to run');
    const auth = (u: TestUser) => ({ authorization: `Bearer ${u.token}` });
    const one = wsFirstResult(t.wsUrl, auth(dev), `subscription($id: ID!) { jobUpdated(id: $id) { id status progress } }`, { id: job.id }, 8000);
    const all = wsFirstResult(t.wsUrl, auth(dev), 'subscription { myJobUpdated { id status } }', undefined, 8000);
    await until(async () => t.server.pubSub.subscriberCount(JOB_UPDATED_TOPIC, job.id) === 1 && t.server.pubSub.subscriberCount(OWNER_JOBS_TOPIC, dev.id) === 1, 'both subscriptions');
    kind.open('live');
    expect(await one).toMatchObject({ kind: 'next', data: { jobUpdated: { id: job.id, status: 'COMPLETED', progress: 1 } } });
    expect(await all).toMatchObject({ kind: 'next', data: { myJobUpdated: { id: job.id, status: 'COMPLETED' } } });
    const snooping = await wsFirstResult(t.wsUrl, auth(other), `subscription($id: ID!) { jobUpdated(id: $id) { id } }`, { id: job.id });
    expect(snooping.kind === 'errors' || snooping.kind === 'next' ? JSON.stringify(snooping) : snooping.kind).toContain('NOT_FOUND');
  });
});
