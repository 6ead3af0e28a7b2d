// One job, live: read once, then kept current by the jobUpdated subscription (which starts first,
// so no change between the read and the subscription is missed: the newer row wins by updatedAt).
import { useEffect, useState } from 'react';
import { graphqlClient } from '../api/client.ts';
import { cleanMessage } from '../common/errors.ts';
import { useMutation } from '../common/use-graphql.ts';
import { CANCEL_JOB_MUTATION } from './documents/cancel-job.mutation.ts';
import { FINISHED_JOB_STATUSES, type JobView } from './documents/job-fields.ts';
import { JOB_QUERY } from './documents/job.query.ts';
import { JOB_UPDATED_SUBSCRIPTION } from './documents/job-updated.subscription.ts';

export interface LiveJob {
  job: JobView | null;
  error: string | null;
  cancel: () => Promise<void>;
  cancelling: boolean;
  cancelError: string | null;
}

/** The newer of two rows of one job (null-safe). */
export function newerJob(a: JobView | null, b: JobView): JobView {
  return a && Date.parse(a.updatedAt) > Date.parse(b.updatedAt) ? a : b;
}

export function useJob(jobId: string): LiveJob {
  const [state, setState] = useState<{ job: JobView | null; error: string | null }>({ job: null, error: null });
  const cancelMutation = useMutation(CANCEL_JOB_MUTATION);
  useEffect(() => {
    let alive = true;
    const take = (job: JobView): void => {
      if (alive) setState((s) => ({ job: newerJob(s.job, job), error: null }));
    };
    const subscription = graphqlClient.subscription(JOB_UPDATED_SUBSCRIPTION, { id: jobId }).subscribe((result) => {
      if (result.data) take(result.data.jobUpdated);
    });
    void graphqlClient
      .query(JOB_QUERY, { id: jobId })
      .toPromise()
      .then((result) => {
        if (result.data) take(result.data.job);
        else if (alive && result.error) setState((s) => ({ ...s, error: cleanMessage(result.error!.message) }));
      });
    return () => {
      alive = false;
      subscription.unsubscribe();
    };
  }, [jobId]);
  const { run } = cancelMutation;
  const cancel = async (): Promise<void> => {
    const data = await run({ id: jobId });
    if (data) setState((s) => ({ ...s, job: newerJob(s.job, data.cancelJob) }));
  };
  return { job: state.job, error: state.error, cancel, cancelling: cancelMutation.busy, cancelError: cancelMutation.error };
}

export function isJobFinished(job: Pick<JobView, 'status'>): boolean {
  return FINISHED_JOB_STATUSES.includes(job.status);
}
