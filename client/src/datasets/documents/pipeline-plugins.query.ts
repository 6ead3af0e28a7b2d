import { gql } from '@urql/core';

export interface PipelinePluginsData {
  pipelinePlugins: { plugins: Array<{ name: string; description: string; file: string }>; problems: Array<{ file: string; error: string }> };
}

export const PIPELINE_PLUGINS_QUERY = gql<PipelinePluginsData, Record<string, never>>`
  query PipelinePlugins {
    pipelinePlugins {
      plugins {
        name
        description
        file
      }
      problems {
        file
        error
      }
    }
  }
`;
