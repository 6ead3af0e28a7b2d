import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';
import { RUN_SUMMARY_FIELDS, type RunSummary } from './run-fields.ts';

export interface RunFilter {
  status?: RunSummary['status'];
  modelId?: string;
  ownerId?: string;
}

export const TRAINING_RUNS_QUERY = gql<{ trainingRuns: ConnectionPage<RunSummary> }, PageVariables & { filter?: RunFilter }>(`
  query TrainingRuns($first: Int, $after: String, $filter: TrainingRunFilter) {
    trainingRuns(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ${RUN_SUMMARY_FIELDS}
      }
    }
  }
`);
