import { gql } from '@urql/core';
import type { Role } from '../../auth/session.ts';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  owner: { email: string } | null;
}

export const API_KEYS_QUERY = gql<{ apiKeys: ConnectionPage<ApiKeyRow> }, PageVariables>`
  query ApiKeys($first: Int, $after: String) {
    apiKeys(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        name
        prefix
        role
        createdAt
        expiresAt
        lastUsedAt
        revokedAt
        owner {
          email
        }
      }
    }
  }
`;
