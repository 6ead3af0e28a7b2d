import { gql } from '@urql/core';

export interface EvaluationRow {
  id: string;
  createdAt: string;
  datasetVersionId: string;
  modelVersionId: string;
  durationMs: number;
  examples: number;
  scoredTokens: number;
  modelVersion: { version: number; model: { name: string } | null } | null;
  results: Array<{ name: string; value: number | null; error: string | null }>;
}

export const EVALUATION_FIELDS = `
  id
  createdAt
  datasetVersionId
  modelVersionId
  durationMs
  examples
  scoredTokens
  modelVersion {
    version
    model {
      name
    }
  }
  results {
    name
    value
    error
  }
`;

export const EVALUATIONS_QUERY = gql<{ evaluations: { totalCount: number; nodes: EvaluationRow[] } }, { filter?: { datasetVersionId?: string; modelVersionId?: string } }>(`
  query Evaluations($filter: EvaluationFilter) {
    evaluations(first: 100, filter: $filter) {
      totalCount
      nodes {
        ${EVALUATION_FIELDS}
      }
    }
  }
`);
