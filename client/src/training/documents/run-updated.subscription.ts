import { gql } from '@urql/core';
import { RUN_SUMMARY_FIELDS, type RunSummary } from './run-fields.ts';

export const RUN_UPDATED_SUBSCRIPTION = gql<{ runUpdated: RunSummary & { checkpoints: Array<{ id: string; step: number; path: string; best: boolean; final: boolean; createdAt: string }> } }, { id: string }>(`
  subscription RunUpdated($id: ID!) {
    runUpdated(id: $id) {
      ${RUN_SUMMARY_FIELDS}
      checkpoints {
        id
        step
        path
        best
        final
        createdAt
      }
    }
  }
`);
