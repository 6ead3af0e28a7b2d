import { gql } from '@urql/core';

export interface CreateModelVersionInput {
  modelId: string;
  parentVersionId?: string;
  datasetVersionId?: string;
  checkpointPath?: string;
  notes?: string;
}

export const CREATE_MODEL_VERSION_MUTATION = gql<{ createModelVersion: { id: string; version: number } }, { input: CreateModelVersionInput }>`
  mutation CreateModelVersion($input: CreateModelVersionInput!) {
    createModelVersion(input: $input) {
      id
      version
    }
  }
`;
