import { gql } from '@urql/core';

export interface ComparedSide {
  version: { id: string; version: number };
  modelName: string;
  architecture: Record<string, number | boolean>;
  trainingConfig: Record<string, unknown> | null;
  run: { id: string; name: string; status: string } | null;
}

export interface ComparedMetricValue {
  value: number | null;
  error: string | null;
  datasetVersionId: string;
  evaluatedAt: string;
}

export interface ModelVersionComparison {
  a: ComparedSide;
  b: ComparedSide;
  metrics: Array<{ name: string; a: ComparedMetricValue | null; b: ComparedMetricValue | null }>;
}

/** Two versions' configs and latest metrics; the page marks the differing settings itself (config-diff.ts). */
export const COMPARE_MODEL_VERSIONS_QUERY = gql<{ compareModelVersions: ModelVersionComparison }, { a: string; b: string }>`
  query CompareModelVersions($a: ID!, $b: ID!) {
    compareModelVersions(a: $a, b: $b) {
      a {
        ...ComparedSideFields
      }
      b {
        ...ComparedSideFields
      }
      metrics {
        name
        a {
          value
          error
          datasetVersionId
          evaluatedAt
        }
        b {
          value
          error
          datasetVersionId
          evaluatedAt
        }
      }
    }
  }

  fragment ComparedSideFields on ComparedVersion {
    version {
      id
      version
    }
    modelName
    architecture {
      vocabSize
      contextLength
      layers
      heads
      embeddingWidth
      dropout
      bias
      parameterCount
    }
    trainingConfig
    run {
      id
      name
      status
    }
  }
`;
