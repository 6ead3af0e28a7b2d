import { gql } from '@urql/core';

export const DELETE_MODEL_MUTATION = gql<{ deleteModel: boolean }, { id: string }>`
  mutation DeleteModel($id: ID!) {
    deleteModel(id: $id)
  }
`;
