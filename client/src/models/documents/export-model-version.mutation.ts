import { gql } from '@urql/core';

/** ExportOptionsInput: enum values in GraphQL's upper case (FP16, ADAPTER). */
export type ExportOptionsInput = Record<string, string | number | boolean>;

export interface ExportJob {
  id: string;
  status: 'QUEUED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  progress: number;
  progressText: string;
  errorMessage: string | null;
  resultId: string | null;
}

export const EXPORT_MODEL_VERSION_MUTATION = gql<{ exportModelVersion: ExportJob }, { versionId: string; format: string; options: ExportOptionsInput }>`
  mutation ExportModelVersion($versionId: ID!, $format: ExportFormat!, $options: ExportOptionsInput) {
    exportModelVersion(versionId: $versionId, format: $format, options: $options) {
      id
      status
      progress
      progressText
      errorMessage
      resultId
    }
  }
`;
