import { gql } from '@urql/core';

export const DELETE_MODEL_ARTIFACT_MUTATION = gql<{ deleteModelArtifact: boolean }, { id: string }>`
  mutation DeleteModelArtifact($id: ID!) {
    deleteModelArtifact(id: $id)
  }
`;
