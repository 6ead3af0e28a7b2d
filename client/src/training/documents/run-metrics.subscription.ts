import { gql } from '@urql/core';
import type { MetricPoint } from './run-fields.ts';

export const RUN_METRICS_SUBSCRIPTION = gql<{ runMetrics: { dropped: number; points: MetricPoint[] } }, { runId: string }>`
  subscription RunMetrics($runId: ID!) {
    runMetrics(runId: $runId) {
      dropped
      points {
        name
        step
        value
      }
    }
  }
`;
