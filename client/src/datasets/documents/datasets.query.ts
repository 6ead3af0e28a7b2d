import { gql } from '@urql/core';

export interface DatasetRow {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  owner: { email: string } | null;
  versions: Array<{ id: string }>;
  latestVersion: { id: string; version: number; format: string; recordCount: number; trainTokens: number; gatePassed: boolean; sourceFilename: string; sourceBytes: number } | null;
}

export const DATASETS_QUERY = gql<{ datasets: { totalCount: number; nodes: DatasetRow[] } }, Record<string, never>>`
  query Datasets {
    datasets(first: 100) {
      totalCount
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
