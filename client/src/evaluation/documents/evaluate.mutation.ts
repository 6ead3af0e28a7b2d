import { gql } from '@urql/core';
import { EVALUATION_FIELDS, type EvaluationRow } from './evaluations.query.ts';

export interface EvaluateVariables {
  modelVersionId: string;
  datasetVersionId: string;
  metrics: string[];
  options?: { maxExamples?: number; maxNewTokens?: number; maxWindows?: number };
}

export const EVALUATE_MUTATION = gql<{ evaluate: EvaluationRow }, EvaluateVariables>(`
  mutation Evaluate($modelVersionId: ID!, $datasetVersionId: ID!, $metrics: [String!]!, $options: EvaluateOptionsInput) {
    evaluate(modelVersionId: $modelVersionId, datasetVersionId: $datasetVersionId, metrics: $metrics, options: $options) {
      ${EVALUATION_FIELDS}
    }
  }
`);
