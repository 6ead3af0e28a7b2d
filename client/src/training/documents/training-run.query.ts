import { gql } from '@urql/core';
import { RUN_SUMMARY_FIELDS, type MetricPoint, type RunSummary } from './run-fields.ts';

export interface CheckpointRow {
  id: string;
  step: number;
  path: string;
  best: boolean;
  final: boolean;
  createdAt: string;
}

export interface RunDetail extends RunSummary {
  config: Record<string, unknown>;
  attempts: number;
  baseVersionId: string | null;
  checkpoints: CheckpointRow[];
  resultVersion: { id: string; version: number } | null;
  metrics: MetricPoint[];
}

/** The run with its metric history, downsampled by the server to maxPoints per metric. */
export const TRAINING_RUN_QUERY = gql<{ trainingRun: RunDetail }, { id: string; maxPoints: number; names?: string[] }>(`
  query TrainingRun($id: ID!, $maxPoints: Int!, $names: [String!]) {
    trainingRun(id: $id) {
      ${RUN_SUMMARY_FIELDS}
      config
      attempts
      baseVersionId
      checkpoints {
        id
        step
        path
        best
        final
        createdAt
      }
      resultVersion {
        id
        version
      }
      metrics(maxPoints: $maxPoints, names: $names) {
        name
        step
        value
      }
    }
  }
`);
