import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

export interface ModelVersionRow {
  id: string;
  version: number;
  createdAt: string;
  createdByUser: { email: string } | null;
  parent: { id: string; version: number; modelId: string; model: { name: string } | null } | null;
  datasetVersionId: string | null;
  runId: string | null;
  checkpointPath: string | null;
  notes: string | null;
  tags: Array<{ tag: string }>;
}

/** A model's versions, highest first: the connection inside model(id), paged. */
export const MODEL_VERSIONS_QUERY = gql<{ model: { id: string; versions: ConnectionPage<ModelVersionRow> } }, PageVariables & { id: string }>`
  query ModelVersions($id: ID!, $first: Int, $after: String) {
    model(id: $id) {
      id
      versions(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        nodes {
          id
          version
          createdAt
          createdByUser {
            email
          }
          parent {
            id
            version
            modelId
            model {
              name
            }
          }
          datasetVersionId
          runId
          checkpointPath
          notes
          tags {
            tag
          }
        }
      }
    }
  }
`;
