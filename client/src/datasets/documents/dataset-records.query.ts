import { gql } from '@urql/core';

export type RecordSource = 'PROCESSED' | 'UPLOADED';

export interface DatasetRecordRow {
  index: number;
  text: string | null;
  split: string | null;
  fields: Record<string, unknown>;
  file: string;
  location: string;
  line: number | null;
  truncated: boolean;
}

/** One page of a version's records, in file order. */
export const DATASET_RECORDS_QUERY = gql<
  { datasetRecords: { totalCount: number; pageInfo: { hasNextPage: boolean; endCursor: string | null }; nodes: DatasetRecordRow[] } },
  { versionId: string; source: RecordSource; first: number; after: string | null }
>(`
  query DatasetRecords($versionId: ID!, $source: DatasetRecordSource, $first: Int, $after: String) {
    datasetRecords(versionId: $versionId, source: $source, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      nodes {
        index
        text
        split
        fields
        file
        location
        line
        truncated
      }
    }
  }
`);
