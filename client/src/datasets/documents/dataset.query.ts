import { gql } from '@urql/core';

export interface LengthStats {
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
}

export interface ValidationReportData {
  rows: number;
  usableRows: number;
  badRowCount: number;
  badRows: Array<{ location: string; reason: string }>;
  duplicateRows: number;
  encodingErrors: number;
  mappedFields: string[];
  fields: Array<{ name: string; missing: number; empty: number }>;
  charLength: LengthStats;
  tokenLength: LengthStats;
  totalChars: number;
  totalTokens: number;
  tokenizationErrorRate: number;
  trainRecords: number;
  validationRecords: number;
  gate: { passed: boolean; criteria: Array<{ name: string; passed: boolean; value: number; threshold: string; detail: string }> };
  /** The label set of a labelled version; null without a label field. */
  labels: Array<{ name: string; count: number; train: number; validation: number }> | null;
}

export interface DatasetVersionData {
  id: string;
  version: number;
  parentVersionId: string | null;
  createdAt: string;
  format: string;
  sourceFilename: string;
  sourceBytes: number;
  sourceSha256: string | null;
  sourceOptions: unknown;
  pipeline: unknown;
  recordCount: number;
  recordsSha256: string;
  trainTokens: number;
  validationTokens: number;
  vocabSize: number;
  gatePassed: boolean;
  report: ValidationReportData;
}

export interface DatasetData {
  id: string;
  ownerId: string | null;
  owner: { email: string } | null;
  name: string;
  description: string;
  createdAt: string;
  versions: DatasetVersionData[];
}

export const VERSION_FIELDS = `
  id
  version
  parentVersionId
  createdAt
  format
  sourceFilename
  sourceBytes
  sourceSha256
  sourceOptions
  pipeline
  recordCount
  recordsSha256
  trainTokens
  validationTokens
  vocabSize
  gatePassed
  report {
    rows
    usableRows
    badRowCount
    badRows { location reason }
    duplicateRows
    encodingErrors
    mappedFields
    fields { name missing empty }
    charLength { min max mean p50 p95 }
    tokenLength { min max mean p50 p95 }
    totalChars
    totalTokens
    tokenizationErrorRate
    trainRecords
    validationRecords
    gate { passed criteria { name passed value threshold detail } }
    labels { name count train validation }
  }
`;

export const DATASET_QUERY = gql<{ dataset: DatasetData | null }, { id: string }>(`
  query Dataset($id: ID!) {
    dataset(id: $id) {
      id
      ownerId
      owner {
        email
      }
      name
      description
      createdAt
      versions {
        ${VERSION_FIELDS}
      }
    }
  }
`);
