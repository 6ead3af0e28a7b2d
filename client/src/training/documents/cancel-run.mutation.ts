import { gql } from '@urql/core';

export const CANCEL_RUN_MUTATION = gql<{ cancelRun: { id: string; status: string } }, { id: string }>`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      status
    }
  }
`;
