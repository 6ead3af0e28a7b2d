import { gql } from '@urql/core';
import type { Role } from '../../auth/session.ts';

export const CREATE_USER_MUTATION = gql<{ createUser: { id: string; email: string } }, { input: { email: string; password: string; role: Role } }>`
  mutation CreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      id
      email
    }
  }
`;
