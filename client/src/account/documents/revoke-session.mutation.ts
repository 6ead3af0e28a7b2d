import { gql } from '@urql/core';

export const REVOKE_SESSION_MUTATION = gql<{ revokeSession: boolean }, { id: string }>`
  mutation RevokeSession($id: ID!) {
    revokeSession(id: $id)
  }
`;
