import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';
import { JOB_FIELDS, type JobStatus, type JobView } from './job-fields.ts';

export interface JobFilter {
  statuses?: JobStatus[];
  kind?: string;
  targetType?: string;
  targetId?: string;
}

export const JOBS_QUERY = gql<{ jobs: ConnectionPage<JobView> }, PageVariables & { filter?: JobFilter }>(`
  query Jobs($first: Int, $after: String, $filter: JobFilter) {
    jobs(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ${JOB_FIELDS}
      }
    }
  }
`);
