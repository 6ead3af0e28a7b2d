import { gql } from '@urql/core';

export const DELETE_DATASET_MUTATION = gql<{ deleteDataset: boolean }, { id: string }>`
  mutation DeleteDataset($id: ID!) {
    deleteDataset(id: $id)
  }
`;
