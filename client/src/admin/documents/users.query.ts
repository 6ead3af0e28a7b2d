import { gql } from '@urql/core';
import type { Role } from '../../auth/session.ts';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

export interface UserRow {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  lastLoginAt: string | null;
  disabledAt: string | null;
}

export const USERS_QUERY = gql<{ users: ConnectionPage<UserRow> }, PageVariables>`
  query Users($first: Int, $after: String) {
    users(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
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
