import { gql } from '@urql/core';
import { JOB_FIELDS, type JobView } from './job-fields.ts';

export const MY_JOB_UPDATED_SUBSCRIPTION = gql<{ myJobUpdated: JobView }, Record<string, never>>(`
  subscription MyJobUpdated {
    myJobUpdated {
      ${JOB_FIELDS}
    }
  }
`);
