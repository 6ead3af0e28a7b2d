import { gql } from '@urql/core';
import { JOB_FIELDS, type JobView } from './job-fields.ts';

export const JOB_QUERY = gql<{ job: JobView }, { id: string }>(`
  query Job($id: ID!) {
    job(id: $id) {
      ${JOB_FIELDS}
    }
  }
`);
