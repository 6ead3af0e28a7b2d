// Fields of a run shared by the list, the detail page and the live updates.
export interface RunSummary {
  id: string;
  status: 'QUEUED' | 'IN_PROGRESS' | 'PAUSED' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
  stage: string;
  progress: string;
  step: number;
  maxSteps: number;
  lastLoss: number | null;
  bestValLoss: number | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  failureReason: string | null;
  stopReason: string | null;
  ownerId: string;
  modelId: string;
  datasetVersionId: string;
  resultVersionId: string | null;
  owner: { email: string } | null;
  model: { name: string } | null;
}

export const RUN_SUMMARY_FIELDS = `
  id
  status
  stage
  progress
  step
  maxSteps
  lastLoss
  bestValLoss
  createdAt
  startedAt
  finishedAt
  updatedAt
  failureReason
  stopReason
  ownerId
  modelId
  datasetVersionId
  resultVersionId
  owner {
    email
  }
  model {
    name
  }
`;

export interface MetricPoint {
  name: string;
  step: number;
  value: number | null;
}
