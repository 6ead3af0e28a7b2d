import { gql } from '@urql/core';
import { JOB_FIELDS, type JobView } from './job-fields.ts';

export const JOB_UPDATED_SUBSCRIPTION = gql<{ jobUpdated: JobView }, { id: string }>(`
  subscription JobUpdated($id: ID!) {
    jobUpdated(id: $id) {
      ${JOB_FIELDS}
    }
  }
`);
