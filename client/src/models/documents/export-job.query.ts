import { gql } from '@urql/core';
import type { ExportJob } from './export-model-version.mutation.ts';

// The jobs domain's job(id) and cancelJob(id) (server/src/jobs/jobs.resolver.ts).
export const EXPORT_JOB_QUERY = gql<{ job: ExportJob }, { id: string }>`
  query ExportJob($id: ID!) {
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

export const CANCEL_EXPORT_JOB_MUTATION = gql<{ cancelJob: ExportJob }, { id: string }>`
  mutation CancelExportJob($id: ID!) {
    cancelJob(id: $id) {
      id
      status
      progress
      progressText
      errorMessage
      resultId
    }
  }
`;
