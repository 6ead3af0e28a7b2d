import { gql } from '@urql/core';

export interface EvaluationMetricInfo {
  name: string;
  description: string;
  plugin: boolean;
  file: string | null;
}

export const EVALUATION_METRICS_QUERY = gql<{ evaluationMetrics: EvaluationMetricInfo[] }, Record<string, never>>`
  query EvaluationMetrics {
    evaluationMetrics {
      name
      description
      plugin
      file
    }
  }
`;
