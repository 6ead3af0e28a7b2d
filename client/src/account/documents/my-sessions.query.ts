import { gql } from '@urql/core';

export interface SessionRow {
  id: string;
  createdAt: string;
  current: boolean;
  ip: string | null;
  userAgent: string | null;
}

export const MY_SESSIONS_QUERY = gql<{ mySessions: SessionRow[] }, Record<string, never>>`
  query MySessions {
    mySessions {
      id
      createdAt
      current
      ip
      userAgent
    }
  }
`;
