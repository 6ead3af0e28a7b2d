import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

/** A model a run can train, with what the estimate needs. */
export interface TrainingModel {
  id: string;
  name: string;
  task: 'CAUSAL_LM' | 'CLASSIFICATION';
  architecture: { vocabSize: number; contextLength: number; layers: number; heads: number; embeddingWidth: number; bias: boolean; parameterCount: number };
}

export const TRAINING_MODELS_QUERY = gql<{ models: ConnectionPage<TrainingModel> }, PageVariables>`
  query TrainingModels($first: Int, $after: String) {
    models(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        name
        task
        architecture {
          vocabSize
          contextLength
          layers
          heads
          embeddingWidth
          bias
          parameterCount
        }
      }
    }
  }
`;
