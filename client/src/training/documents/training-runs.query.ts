import { gql } from '@urql/core';
import { RUN_SUMMARY_FIELDS, type RunSummary } from './run-fields.ts';

export interface RunFilter {
  status?: RunSummary['status'];
  modelId?: string;
  ownerId?: string;
}

export const TRAINING_RUNS_QUERY = gql<{ trainingRuns: { totalCount: number; nodes: RunSummary[] } }, { first: number; filter?: RunFilter }>(`
  query TrainingRuns($first: Int!, $filter: TrainingRunFilter) {
    trainingRuns(first: $first, filter: $filter) {
      totalCount
      nodes {
        ${RUN_SUMMARY_FIELDS}
      }
    }
  }
`);
