import { gql } from '@urql/core';

export interface ImportModelInput {
  uploadId: string;
  name: string;
  description?: string;
  specialTokens?: string[];
}

export interface ImportJob {
  id: string;
  status: 'QUEUED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  progress: number;
  progressText: string;
  errorMessage: string | null;
  resultId: string | null;
}

/** Starts the 'model.import' job; its result is the Model. */
export const IMPORT_MODEL_MUTATION = gql<{ importModel: ImportJob }, { input: ImportModelInput }>`
  mutation ImportModel($input: ImportModelInput!) {
    importModel(input: $input) {
      id
      status
      progress
      progressText
      errorMessage
      resultId
    }
  }
`;

/** The import job, polled until it ends. */
export const IMPORT_JOB_QUERY = gql<{ job: ImportJob }, { id: string }>`
  query ImportJob($id: ID!) {
    job(id: $id) {
      id
      status
      progress
      progressText
      errorMessage
      resultId
    }
  }
`;
