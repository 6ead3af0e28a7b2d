import { gql } from '@urql/core';
import type { Role } from '../../auth/session.ts';

export const SET_USER_ROLE_MUTATION = gql<{ setUserRole: { id: string; role: Role } }, { id: string; role: Role }>`
  mutation SetUserRole($id: ID!, $role: Role!) {
    setUserRole(id: $id, role: $role) {
      id
      role
    }
  }
`;
