import { gql } from '@urql/core';

export type RunLogLevel = 'INFO' | 'WARN' | 'ERROR';

export interface RunLogLineData {
  sequence: number;
  time: string;
  level: RunLogLevel;
  message: string;
}

/** A page of a run's log, oldest line first. */
export const RUN_LOGS_QUERY = gql<{ runLogs: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: RunLogLineData[] } }, { runId: string; first: number; after: string | null }>(`
  query RunLogs($runId: ID!, $first: Int, $after: String) {
    runLogs(runId: $runId, first: $first, after: $after) {
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        sequence
        time
        level
        message
      }
    }
  }
`);
