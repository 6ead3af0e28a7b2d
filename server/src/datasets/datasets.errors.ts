// Errors of datasets: uploads, dataset files, pipelines and plugins. Their codes and HTTP
// statuses are rows of ERROR_CODE_HTTP_STATUS; the one mapper in errors/error-responses.ts
// turns them into GraphQL and REST errors like every other domain error.
import { DomainError, type ErrorCode } from '../errors/domain-error.ts';

export type DatasetErrorCode = Extract<
  ErrorCode,
  'UPLOAD_NOT_FOUND' | 'UPLOAD_TOO_LARGE' | 'DATASET_NOT_FOUND' | 'DATASET_VERSION_NOT_FOUND' | 'DATASET_NAME_TAKEN' | 'INVALID_DATASET_INPUT' | 'INVALID_DATASET_FILE' | 'PIPELINE_ERROR' | 'PLUGIN_ERROR'
>;

export class DatasetError extends DomainError {
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
    /** Where in the file or pipeline it went wrong, e.g. "line 12" or "record 5 (byte 1234)"; reaches clients as `location`. */
    readonly location?: string,
  ) {
    super(location && !message.includes(location) ? `${message} (at ${location})` : message, location ? { location } : {});
  }
}

/** A file that cannot be read as the declared format; always carries its location. */
export class DatasetFormatError extends DatasetError {
  constructor(message: string, location: string) {
    super('INVALID_DATASET_FILE', `${location}: ${message}`, location);
  }
}
