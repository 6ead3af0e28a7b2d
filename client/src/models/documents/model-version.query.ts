import { gql } from '@urql/core';
import type { RunSummary } from '../../training/documents/run-fields.ts';

export interface VersionLineage {
  parent: { id: string; modelId: string; modelName: string; version: number } | null;
  run: { id: string; name: string; status: RunSummary['status']; finishedAt: string | null } | null;
  datasetVersion: { id: string; datasetId: string; datasetName: string; version: number } | null;
  imported: { source: string; from: string; sha256: string; addedTokens: string[]; activation: string; note: string | null } | null;
}

export interface ModelVersionDetail {
  id: string;
  version: number;
  createdAt: string;
  notes: string | null;
  checkpointPath: string | null;
  createdByUser: { email: string } | null;
  tags: Array<{ tag: string; createdAt: string }>;
  lineage: VersionLineage;
}

/** A version of a model by its number, with the model it belongs to. */
export const MODEL_VERSION_QUERY = gql<{ model: { id: string; name: string; ownerId: string }; modelVersions: { nodes: ModelVersionDetail[] } }, { modelId: string; version: number }>`
  query ModelVersionPage($modelId: ID!, $version: Int!) {
    model(id: $modelId) {
      id
      name
      ownerId
    }
    modelVersions(filter: { modelId: $modelId, version: $version }, first: 1) {
      nodes {
        id
        version
        createdAt
        notes
        checkpointPath
        createdByUser {
          email
        }
        tags {
          tag
          createdAt
        }
        lineage {
          parent {
            id
            modelId
            modelName
            version
          }
          run {
            id
            name
            status
            finishedAt
          }
          datasetVersion {
            id
            datasetId
            datasetName
            version
          }
          imported {
            source
            from
            sha256
            addedTokens
            activation
            note
          }
        }
      }
    }
  }
`;
