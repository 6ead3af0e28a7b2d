import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

/** A model version a run can fine-tune, or an evaluation can score. */
export interface TrainingModelVersion {
  id: string;
  version: number;
  modelId: string;
  model: { name: string; task: 'CAUSAL_LM' | 'CLASSIFICATION' } | null;
  datasetVersionId: string | null;
}

export const TRAINING_MODEL_VERSIONS_QUERY = gql<{ modelVersions: ConnectionPage<TrainingModelVersion> }, PageVariables>`
  query TrainingModelVersions($first: Int, $after: String) {
    modelVersions(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        version
        modelId
        model {
          name
          task
        }
        datasetVersionId
      }
    }
  }
`;
