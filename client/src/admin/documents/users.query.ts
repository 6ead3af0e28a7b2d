import { gql } from '@urql/core';
import type { Role } from '../../auth/session.ts';

export interface UserRow {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  lastLoginAt: string | null;
  disabledAt: string | null;
}

export const USERS_QUERY = gql<{ users: { totalCount: number; nodes: UserRow[] } }, { first: number }>`
  query Users($first: Int!) {
    users(first: $first) {
      totalCount
      nodes {
        id
        email
        role
        createdAt
        lastLoginAt
        disabledAt
      }
    }
  }
`;
