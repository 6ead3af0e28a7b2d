import { gql } from '@urql/core';

export interface ModelPreset {
  name: string;
  layers: number;
  heads: number;
  embeddingWidth: number;
  contextLength: number;
  vocabSize: number;
  dropout: number;
  bias: boolean;
  parameterCount: number;
}

export const MODEL_PRESETS_QUERY = gql<{ modelPresets: ModelPreset[] }, Record<string, never>>`
  query ModelPresets {
    modelPresets {
      name
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
`;
