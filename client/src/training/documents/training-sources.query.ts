import { gql } from '@urql/core';

/** What a run can train (models and their versions) and on what (dataset versions). */
export interface TrainingSources {
  models: { nodes: Array<{ id: string; name: string; architecture: { contextLength: number; parameterCount: number } }> };
  modelVersions: { nodes: Array<{ id: string; version: number; modelId: string; model: { name: string } | null; datasetVersionId: string | null }> };
  datasets: { nodes: Array<{ id: string; name: string; versions: Array<{ id: string; version: number; trainTokens: number; validationTokens: number }> }> };
}

export const TRAINING_SOURCES_QUERY = gql<TrainingSources, Record<string, never>>`
  query TrainingSources {
    models(first: 100) {
      nodes {
        id
        name
        architecture {
          contextLength
          parameterCount
        }
      }
    }
    modelVersions(first: 100) {
      nodes {
        id
        version
        modelId
        model {
          name
        }
        datasetVersionId
      }
    }
    datasets(first: 100) {
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
