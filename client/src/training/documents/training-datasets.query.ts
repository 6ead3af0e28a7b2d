import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

/** A dataset whose versions a run can train on, or an evaluation can score on. */
export interface TrainingDataset {
  id: string;
  name: string;
  versions: Array<{ id: string; version: number; trainTokens: number; validationTokens: number }>;
}

export const TRAINING_DATASETS_QUERY = gql<{ datasets: ConnectionPage<TrainingDataset> }, PageVariables>`
  query TrainingDatasets($first: Int, $after: String) {
    datasets(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        name
        versions {
          id
          version
          trainTokens
          validationTokens
        }
      }
    }
  }
`;
