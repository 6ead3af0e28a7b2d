import { gql } from '@urql/core';

export interface ArchitectureInput {
  layers?: number;
  heads?: number;
  embeddingWidth?: number;
  contextLength?: number;
  vocabSize?: number;
  dropout?: number;
  bias?: boolean;
}

export interface CreateModelInput {
  name: string;
  description?: string;
  preset?: string;
  architecture?: ArchitectureInput;
  tokenizerId?: string;
  specialTokens?: string[];
  task?: ModelTask;
  labels?: string[];
}

/** ModelTask, as the API names the task option's values. */
export type ModelTask = 'CAUSAL_LM' | 'CLASSIFICATION';

export const CREATE_MODEL_MUTATION = gql<{ createModel: { id: string; name: string } }, { input: CreateModelInput }>`
  mutation CreateModel($input: CreateModelInput!) {
    createModel(input: $input) {
      id
      name
    }
  }
`;
