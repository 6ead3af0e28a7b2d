// The fields of a Job every jobs document reads, and their type.

export type JobStatus = 'QUEUED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'CANCELLED';

export interface JobView {
  id: string;
  kind: string;
  description: string;
  status: JobStatus;
  /** 0 to 1. */
  progress: number;
  progressText: string;
  targetType: string | null;
  targetId: string | null;
  resultType: string | null;
  resultId: string | null;
  errorMessage: string | null;
  errorCode: string | null;
  requestedCancel: boolean;
  ownerId: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
}

export const JOB_FIELDS = `
  id
  kind
  description
  status
  progress
  progressText
  targetType
  targetId
  resultType
  resultId
  errorMessage
  errorCode
  requestedCancel
  ownerId
  createdAt
  startedAt
  finishedAt
  updatedAt
`;

export const FINISHED_JOB_STATUSES: readonly JobStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
