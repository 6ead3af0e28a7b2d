import { gql } from '@urql/core';
import type { Role } from '../../auth/session.ts';

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

export const API_KEYS_QUERY = gql<{ apiKeys: { totalCount: number; nodes: ApiKeyRow[] } }, Record<string, never>>`
  query ApiKeys {
    apiKeys(first: 100) {
      totalCount
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
