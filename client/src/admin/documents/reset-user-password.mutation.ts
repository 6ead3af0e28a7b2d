import { gql } from '@urql/core';

export const RESET_USER_PASSWORD_MUTATION = gql<{ resetUserPassword: { temporaryPassword: string | null; user: { id: string; email: string } } }, { id: string }>`
  mutation ResetUserPassword($id: ID!) {
    resetUserPassword(id: $id) {
      temporaryPassword
      user {
        id
        email
      }
    }
  }
`;
