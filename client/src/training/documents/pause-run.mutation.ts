import { gql } from '@urql/core';

type Result = { id: string; status: string; stage: string; progress: string };

export const PAUSE_RUN_MUTATION = gql<{ pauseRun: Result }, { id: string }>`
  mutation PauseRun($id: ID!) {
    pauseRun(id: $id) {
      id
      status
      stage
      progress
    }
  }
`;
