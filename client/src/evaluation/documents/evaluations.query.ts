import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

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

export const EVALUATIONS_QUERY = gql<{ evaluations: ConnectionPage<EvaluationRow> }, PageVariables & { filter?: { datasetVersionId?: string; modelVersionId?: string } }>(`
  query Evaluations($filter: EvaluationFilter, $first: Int, $after: String) {
    evaluations(first: $first, after: $after, filter: $filter) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        ${EVALUATION_FIELDS}
      }
    }
  }
`);
