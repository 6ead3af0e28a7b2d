import { gql } from '@urql/core';
import type { ConnectionPage, PageVariables } from '../../common/use-graphql.ts';

/** Tokenizers come with dataset versions: one is chosen by the version's id. */
export interface TokenizerSource {
  id: string;
  name: string;
  versions: Array<{ id: string; version: number; vocabSize: number }>;
}

export const TOKENIZERS_QUERY = gql<{ datasets: ConnectionPage<TokenizerSource> }, PageVariables>`
  query Tokenizers($first: Int, $after: String) {
    datasets(first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
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
