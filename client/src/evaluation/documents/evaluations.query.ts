import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

/** A classifier's evaluation: label order of perLabel and of the matrix's rows and columns. */
export interface ClassificationRow {
  labels: string[];
  accuracy: number;
  macroF1: number;
  examples: number;
  perLabel: Array<{ label: string; precision: number; recall: number; f1: number; support: number; predicted: number }>;
  confusion: number[][];
}

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
  classification: ClassificationRow | null;
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
  classification {
    labels
    accuracy
    macroF1
    examples
    perLabel {
      label
      precision
      recall
      f1
      support
      predicted
    }
    confusion
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
