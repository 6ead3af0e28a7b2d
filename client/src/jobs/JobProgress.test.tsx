// @vitest-environment jsdom
// JobProgress against a fake GraphQL client: the first read, live updates through jobUpdated
// (older rows never overwrite newer ones), the accessible progressbar, cancel, failure and the
// one onFinished call.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobView } from './documents/job-fields.ts';

const fake = vi.hoisted(() => ({
  listeners: [] as Array<(result: { data?: unknown }) => void>,
  queried: null as unknown,
  mutations: [] as Array<{ name: string; variables: unknown }>,
  mutationAnswer: null as unknown,
  unsubscribed: 0,
}));

vi.mock('../api/client.ts', () => ({
  graphqlClient: {
    query: () => ({ toPromise: async () => ({ data: fake.queried }) }),
    mutation: (document: { definitions: Array<{ name?: { value: string } }> }, variables: unknown) => ({
      toPromise: async () => {
        fake.mutations.push({ name: document.definitions[0]?.name?.value ?? '', variables });
        return { data: fake.mutationAnswer };
      },
    }),
    subscription: () => ({
      subscribe: (listener: (result: { data?: unknown }) => void) => {
        fake.listeners.push(listener);
        return { unsubscribe: () => fake.unsubscribed++ };
      },
    }),
  },
}));

const { JobProgress } = await import('./JobProgress.tsx');

const job = (overrides: Partial<JobView>): JobView => ({
  id: 'j1',
  kind: 'model.export',
  description: 'Export v3 of tiny as ONNX',
  status: 'IN_PROGRESS',
  progress: 0.1,
  progressText: 'Tracing the graph',
  targetType: 'ModelVersion',
  targetId: 'v3',
  resultType: null,
  resultId: null,
  errorMessage: null,
  errorCode: null,
  requestedCancel: false,
  ownerId: 'u1',
  createdAt: '2026-11-29T10:00:00.000Z',
  startedAt: '2026-11-29T10:00:01.000Z',
  finishedAt: null,
  updatedAt: '2026-11-29T10:00:02.000Z',
  ...overrides,
});
const push = (row: JobView): void => act(() => fake.listeners.forEach((l) => l({ data: { jobUpdated: row } })));

describe('JobProgress', () => {
  beforeEach(() => {
    fake.listeners = [];
    fake.mutations = [];
    fake.unsubscribed = 0;
    fake.queried = { job: job({}) };
  });
  afterEach(cleanup);

  it('shows the job with an accessible progressbar and follows live updates, ignoring older rows', async () => {
    const onFinished = vi.fn();
    const { unmount } = render(<JobProgress jobId="j1" onFinished={onFinished} />);
    const bar = await screen.findByRole('progressbar', { name: 'Progress of Export v3 of tiny as ONNX' });
    expect(bar).toHaveProperty('ariaValueNow', '10');
    expect(bar.getAttribute('aria-valuemin')).toBe('0');
    expect(bar.getAttribute('aria-valuemax')).toBe('100');
    expect(bar.getAttribute('aria-valuetext')).toBe('10%: Tracing the graph');
    expect(screen.getByText('Running')).toBeTruthy();

    push(job({ progress: 0.6, progressText: 'Checking parity', updatedAt: '2026-11-29T10:00:05.000Z' }));
    expect(bar.getAttribute('aria-valuenow')).toBe('60');
    expect(screen.getByText('Checking parity')).toBeTruthy();
    // A row older than the one shown (a late answer) changes nothing.
    push(job({ progress: 0.3, progressText: 'Stale', updatedAt: '2026-11-29T10:00:03.000Z' }));
    expect(bar.getAttribute('aria-valuenow')).toBe('60');

    const done = job({ status: 'COMPLETED', progress: 1, progressText: 'Done', resultType: 'ModelArtifact', resultId: 'a1', finishedAt: '2026-11-29T10:00:09.000Z', updatedAt: '2026-11-29T10:00:09.000Z' });
    push(done);
    expect(screen.getByText('Completed')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel job' })).toBeNull();
    push({ ...done, updatedAt: '2026-11-29T10:00:10.000Z' });
    expect(onFinished).toHaveBeenCalledTimes(1);
    expect(onFinished).toHaveBeenCalledWith(expect.objectContaining({ status: 'COMPLETED', resultId: 'a1' }));
    unmount();
    expect(fake.unsubscribed).toBe(1);
  });

  it('cancels through cancelJob and says it is cancelling until the job ends', async () => {
    fake.mutationAnswer = { cancelJob: job({ requestedCancel: true, updatedAt: '2026-11-29T10:00:04.000Z' }) };
    render(<JobProgress jobId="j1" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel job' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancelling…' })).toHaveProperty('disabled', true));
    expect(fake.mutations).toEqual([{ name: 'CancelJob', variables: { id: 'j1' } }]);
    push(job({ status: 'CANCELLED', progressText: 'Cancelled', requestedCancel: true, updatedAt: '2026-11-29T10:00:06.000Z' }));
    expect(screen.getByText('Cancelled', { selector: '.badge' })).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('says why a job failed, with its code', async () => {
    fake.queried = { job: job({ status: 'FAILED', errorMessage: 'the server stopped during the job', errorCode: 'JOB_INTERRUPTED' }) };
    render(<JobProgress jobId="j1" canCancel={false} />);
    expect((await screen.findByRole('alert')).textContent).toBe('the server stopped during the job (JOB_INTERRUPTED)');
  });
});
