import { gql } from '@urql/core';

/** Recent finished runs with their measured tokens per second, for the estimate before launch. */
export const THROUGHPUT_QUERY = gql<{ trainingRuns: { nodes: Array<{ id: string; modelId: string; metrics: Array<{ step: number; value: number | null }> }> } }, Record<string, never>>`
  query Throughput {
    trainingRuns(first: 20, filter: { status: COMPLETED }) {
      nodes {
        id
        modelId
        metrics(names: ["tokens_per_second"], maxPoints: 50) {
          step
          value
        }
      }
    }
  }
`;
