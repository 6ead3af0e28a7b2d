import { gql } from '@urql/core';
import type { Role } from '../../auth/session.ts';

export const CREATE_API_KEY_MUTATION = gql<{ createApiKey: { secret: string; apiKey: { id: string; prefix: string; name: string } } }, { input: { name: string; role?: Role; expiresAt?: string } }>`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      secret
      apiKey {
        id
        prefix
        name
      }
    }
  }
`;
