import { gql } from '@urql/core';

export interface ArtifactRow {
  id: string;
  format: 'HUGGING_FACE' | 'PYTORCH' | 'TORCHSCRIPT' | 'ONNX';
  status: 'READY' | 'MISSING';
  options: Record<string, string | number | boolean>;
  totalBytes: number;
  sha256: string;
  createdAt: string;
  createdBy: string;
  downloadPath: string;
  parity: { maxAbsDifference: number; tolerance: number; runtime: string };
  files: Array<{ name: string; bytes: number; sha256: string }>;
}

export const MODEL_ARTIFACTS_QUERY = gql<{ modelArtifacts: ArtifactRow[]; modelVersion: { model: { ownerId: string } | null } }, { versionId: string }>`
  query ModelArtifacts($versionId: ID!) {
    modelArtifacts(versionId: $versionId) {
      id
      format
      status
      options
      totalBytes
      sha256
      createdAt
      createdBy
      downloadPath
      parity {
        maxAbsDifference
        tolerance
        runtime
      }
      files {
        name
        bytes
        sha256
      }
    }
    modelVersion(id: $versionId) {
      model {
        ownerId
      }
    }
  }
`;
