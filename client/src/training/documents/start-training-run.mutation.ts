import { gql } from '@urql/core';

export interface StartTrainingRunInput {
  modelId?: string;
  baseVersionId?: string;
  datasetVersionId: string;
  config?: Record<string, unknown>;
}

export const START_TRAINING_RUN_MUTATION = gql<{ startTrainingRun: { id: string } }, { input: StartTrainingRunInput }>`
  mutation StartTrainingRun($input: StartTrainingRunInput!) {
    startTrainingRun(input: $input) {
      id
    }
  }
`;
