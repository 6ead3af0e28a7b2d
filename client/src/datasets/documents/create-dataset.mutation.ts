import { gql } from '@urql/core';

export interface CreateDatasetInput {
  uploadId: string;
  name: string;
  description?: string;
  format?: 'CSV' | 'JSONL' | 'TEXT' | 'TFRECORD';
  textFields?: string[];
  promptField?: string;
  responseField?: string;
  labelField?: string;
  separator?: string;
  csvDelimiter?: string;
  csvHeader?: boolean;
  textDocuments?: 'FILE' | 'PARAGRAPHS';
  badRows?: 'FAIL' | 'SKIP';
  vocabSize?: number;
  tokenizerFromVersionId?: string;
}

export const CREATE_DATASET_MUTATION = gql<{ createDataset: { id: string; name: string } }, { input: CreateDatasetInput }>`
  mutation CreateDataset($input: CreateDatasetInput!) {
    createDataset(input: $input) {
      id
      name
    }
  }
`;
