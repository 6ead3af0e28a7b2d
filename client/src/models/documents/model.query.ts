import { gql } from '@urql/core';

export interface ModelData {
  id: string;
  ownerId: string;
  name: string;
  description: string | null;
  preset: string | null;
  tokenizerId: string | null;
  specialTokens: string[];
  task: 'CAUSAL_LM' | 'CLASSIFICATION';
  labels: string[] | null;
  createdAt: string;
  owner: { email: string } | null;
  architecture: { layers: number; heads: number; embeddingWidth: number; contextLength: number; vocabSize: number; dropout: number; bias: boolean; parameterCount: number };
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
      task
      labels
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
    }
  }
`;
