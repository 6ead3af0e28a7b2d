import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

export interface DatasetRow {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  owner: { email: string } | null;
  versions: Array<{ id: string }>;
  latestVersion: { id: string; version: number; format: string; recordCount: number; trainTokens: number; gatePassed: boolean; sourceFilename: string; sourceBytes: number } | null;
}

export const DATASETS_QUERY = gql<{ datasets: ConnectionPage<DatasetRow> }, PageVariables>`
  query Datasets($first: Int, $after: String) {
    datasets(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        id
        name
        description
        createdAt
        owner {
          email
        }
        versions {
          id
        }
        latestVersion {
          id
          version
          format
          recordCount
          trainTokens
          gatePassed
          sourceFilename
          sourceBytes
        }
      }
    }
  }
`;
