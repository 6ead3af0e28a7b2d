import { gql } from '@urql/core';

/** Puts a tag on a version; the server moves it off any other version of the model. */
export const TAG_MODEL_VERSION_MUTATION = gql<{ tagModelVersion: { id: string; tags: Array<{ tag: string; createdAt: string }> } }, { versionId: string; tag: string }>`
  mutation TagModelVersion($versionId: ID!, $tag: String!) {
    tagModelVersion(versionId: $versionId, tag: $tag) {
      id
      tags {
        tag
        createdAt
      }
    }
  }
`;
