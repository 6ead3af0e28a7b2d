import { gql } from '@urql/core';
import { JOB_FIELDS, type JobView } from './job-fields.ts';

export const CANCEL_JOB_MUTATION = gql<{ cancelJob: JobView }, { id: string }>(`
  mutation CancelJob($id: ID!) {
    cancelJob(id: $id) {
      ${JOB_FIELDS}
    }
  }
`);
