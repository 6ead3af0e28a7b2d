import { gql } from '@urql/core';

export const ENABLE_USER_MUTATION = gql<{ enableUser: { id: string; disabledAt: string | null } }, { id: string }>`
  mutation EnableUser($id: ID!) {
    enableUser(id: $id) {
      id
      disabledAt
    }
  }
`;
