import { gql } from '@urql/core';

export const RESUME_RUN_MUTATION = gql<{ resumeRun: { id: string; status: string } }, { id: string }>`
  mutation ResumeRun($id: ID!) {
    resumeRun(id: $id) {
      id
      status
    }
  }
`;
