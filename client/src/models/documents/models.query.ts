import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

export interface ModelRow {
  id: string;
  name: string;
  preset: string | null;
  createdAt: string;
  owner: { email: string } | null;
  architecture: { layers: number; heads: number; embeddingWidth: number; contextLength: number; vocabSize: number; parameterCount: number };
  latestVersion: { version: number } | null;
}

export const MODELS_QUERY = gql<{ models: ConnectionPage<ModelRow> }, PageVariables>`
  query Models($first: Int, $after: String) {
    models(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        name
        preset
        createdAt
        owner {
          email
        }
        architecture {
          layers
          heads
          embeddingWidth
          contextLength
          vocabSize
          parameterCount
        }
        latestVersion {
          version
        }
      }
    }
  }
`;
