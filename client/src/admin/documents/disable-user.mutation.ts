import { gql } from '@urql/core';

export const DISABLE_USER_MUTATION = gql<{ disableUser: { id: string; disabledAt: string | null } }, { id: string }>`
  mutation DisableUser($id: ID!) {
    disableUser(id: $id) {
      id
      disabledAt
    }
  }
`;
