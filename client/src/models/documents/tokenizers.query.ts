import { gql } from '@urql/core';

/** Tokenizers come with dataset versions: one is chosen by the version's id. */
export interface TokenizerSource {
  id: string;
  name: string;
  versions: Array<{ id: string; version: number; vocabSize: number }>;
}

export const TOKENIZERS_QUERY = gql<{ datasets: { nodes: TokenizerSource[] } }, Record<string, never>>`
  query Tokenizers {
    datasets(first: 100) {
      nodes {
        id
        name
        versions {
          id
          version
          vocabSize
        }
      }
    }
  }
`;
