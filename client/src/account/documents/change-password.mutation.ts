import { gql } from '@urql/core';

export const CHANGE_PASSWORD_MUTATION = gql<{ changePassword: boolean }, { currentPassword: string; newPassword: string }>`
  mutation ChangePassword($currentPassword: String!, $newPassword: String!) {
    changePassword(currentPassword: $currentPassword, newPassword: $newPassword)
  }
`;
