import { gql } from '@urql/core';
import type { MetricPoint } from './run-fields.ts';

export interface CompareRun {
  id: string;
  status: string;
  config: Record<string, unknown>;
  model: { name: string } | null;
  createdAt: string;
  metrics: MetricPoint[];
}

/** One run of a comparison: the chosen metric, downsampled by the server. */
export const COMPARE_RUN_QUERY = gql<{ trainingRun: CompareRun }, { id: string; names: string[]; maxPoints: number }>`
  query CompareRun($id: ID!, $names: [String!], $maxPoints: Int!) {
    trainingRun(id: $id) {
      id
      status
      config
      createdAt
      model {
        name
      }
      metrics(names: $names, maxPoints: $maxPoints) {
        name
        step
        value
      }
    }
  }
`;
