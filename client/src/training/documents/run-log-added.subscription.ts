import { gql } from '@urql/core';
import type { RunLogLineData } from './run-logs.query.ts';

export const RUN_LOG_ADDED_SUBSCRIPTION = gql<{ runLogAdded: RunLogLineData }, { runId: string }>(`
  subscription RunLogAdded($runId: ID!) {
    runLogAdded(runId: $runId) {
      sequence
      time
      level
      message
    }
  }
`);
