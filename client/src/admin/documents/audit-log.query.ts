import { gql } from '@urql/core';

export interface AuditRow {
  id: string;
  at: string;
  action: string;
  outcome: string;
  actorEmail: string | null;
  actorKind: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
}

export interface AuditFilter {
  actionPrefix?: string;
  outcome?: string;
  targetType?: string;
  since?: string;
  until?: string;
}

export const AUDIT_LOG_QUERY = gql<{ auditLog: { totalCount: number; nodes: AuditRow[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }, { filter: AuditFilter; first: number; after?: string | null }>`
  query AuditLog($filter: AuditLogFilter, $first: Int!, $after: String) {
    auditLog(filter: $filter, first: $first, after: $after) {
      totalCount
      nodes {
        id
        at
        action
        outcome
        actorEmail
        actorKind
        targetType
        targetId
        ip
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`;
