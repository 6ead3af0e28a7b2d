import { gql } from '@urql/core';
import type { ApiKeyRow } from './api-keys.query.ts';

export const MY_API_KEYS_QUERY = gql<{ myApiKeys: ApiKeyRow[] }, Record<string, never>>`
  query MyApiKeys {
    myApiKeys {
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
`;
