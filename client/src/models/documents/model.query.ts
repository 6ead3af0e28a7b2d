import { gql } from '@urql/core';

export interface ModelVersionRow {
  id: string;
  version: number;
  createdAt: string;
  createdByUser: { email: string } | null;
  parent: { id: string; version: number; modelId: string; model: { name: string } | null } | null;
  datasetVersionId: string | null;
  runId: string | null;
  checkpointPath: string | null;
  notes: string | null;
}

export interface ModelData {
  id: string;
  ownerId: string;
  name: string;
  description: string | null;
  preset: string | null;
  tokenizerId: string | null;
  specialTokens: string[];
  createdAt: string;
  owner: { email: string } | null;
  architecture: { layers: number; heads: number; embeddingWidth: number; contextLength: number; vocabSize: number; dropout: number; bias: boolean; parameterCount: number };
  versions: { totalCount: number; nodes: ModelVersionRow[] };
}

export const MODEL_QUERY = gql<{ model: ModelData }, { id: string }>`
  query Model($id: ID!) {
    model(id: $id) {
      id
      ownerId
      name
      description
      preset
      tokenizerId
      specialTokens
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
        dropout
        bias
        parameterCount
      }
      versions(first: 100) {
        totalCount
        nodes {
          id
          version
          createdAt
          createdByUser {
            email
          }
          parent {
            id
            version
            modelId
            model {
              name
            }
          }
          datasetVersionId
          runId
          checkpointPath
          notes
        }
      }
    }
  }
`;
