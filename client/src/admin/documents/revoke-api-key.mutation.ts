import { gql } from '@urql/core';

export const REVOKE_API_KEY_MUTATION = gql<{ revokeApiKey: { id: string; revokedAt: string | null } }, { id: string }>`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      revokedAt
    }
  }
`;
