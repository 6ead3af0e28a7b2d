import { gql } from '@urql/core';

export const UNTAG_MODEL_VERSION_MUTATION = gql<{ untagModelVersion: { id: string; tags: Array<{ tag: string; createdAt: string }> } }, { versionId: string; tag: string }>`
  mutation UntagModelVersion($versionId: ID!, $tag: String!) {
    untagModelVersion(versionId: $versionId, tag: $tag) {
      id
      tags {
        tag
        createdAt
      }
    }
  }
`;
