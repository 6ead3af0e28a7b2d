import { gql } from '@urql/core';

export interface ModelRow {
  id: string;
  name: string;
  preset: string | null;
  createdAt: string;
  owner: { email: string } | null;
  architecture: { layers: number; heads: number; embeddingWidth: number; contextLength: number; vocabSize: number; parameterCount: number };
  latestVersion: { version: number } | null;
}

export const MODELS_QUERY = gql<{ models: { totalCount: number; nodes: ModelRow[] } }, { first: number }>`
  query Models($first: Int!) {
    models(first: $first) {
      totalCount
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
