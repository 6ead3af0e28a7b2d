// Errors of the job system. Their codes and HTTP statuses are rows of ERROR_CODE_HTTP_STATUS.
import { DomainError, type ErrorCode } from '../errors/domain-error.ts';

export type JobErrorCode = Extract<ErrorCode, 'JOB_INTERRUPTED'>;

/** Why a job stopped without failing on its own, stored on the job as errorCode and errorMessage. */
export class JobError extends DomainError {
  constructor(
    readonly code: JobErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The message of a job that was running when its server stopped (crash or shutdown). */
export const SERVER_STOPPED_MESSAGE = 'the server stopped during the job';
