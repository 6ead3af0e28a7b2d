import { gql } from '@urql/core';

export const RUN_PIPELINE_MUTATION = gql<{ runDatasetPipeline: { id: string; version: number } }, { input: { versionId: string; pipeline: unknown; vocabSize?: number } }>`
  mutation RunDatasetPipeline($input: RunPipelineInput!) {
    runDatasetPipeline(input: $input) {
      id
      version
    }
  }
`;
