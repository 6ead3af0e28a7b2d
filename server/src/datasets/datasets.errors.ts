// Domain errors of datasets and the one mapper from them to GraphQL errors.
import { DomainGraphQLError } from '../graphql/errors.ts';

export type DatasetErrorCode =
  | 'UPLOAD_NOT_FOUND'
  | 'UPLOAD_TOO_LARGE'
  | 'DATASET_NOT_FOUND'
  | 'DATASET_VERSION_NOT_FOUND'
  | 'DATASET_NAME_TAKEN'
  | 'INVALID_DATASET_INPUT'
  | 'INVALID_DATASET_FILE'
  | 'PIPELINE_ERROR'
  | 'PLUGIN_ERROR';

export class DatasetError extends Error {
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
    /** Where in the file or pipeline it went wrong, e.g. "line 12" or "record 5 (byte 1234)". */
    readonly location?: string,
  ) {
    super(location && !message.includes(location) ? `${message} (at ${location})` : message);
    this.name = 'DatasetError';
  }
}

/** A file that cannot be read as the declared format; always carries its location. */
export class DatasetFormatError extends DatasetError {
  constructor(message: string, location: string) {
    super('INVALID_DATASET_FILE', `${location}: ${message}`, location);
    this.name = 'DatasetFormatError';
  }
}

function httpStatusOf(code: DatasetErrorCode): number {
  switch (code) {
    case 'UPLOAD_NOT_FOUND':
    case 'DATASET_NOT_FOUND':
    case 'DATASET_VERSION_NOT_FOUND':
      return 404;
    case 'UPLOAD_TOO_LARGE':
      return 413;
    case 'DATASET_NAME_TAKEN':
      return 409;
    case 'INVALID_DATASET_INPUT':
    case 'INVALID_DATASET_FILE':
    case 'PIPELINE_ERROR':
    case 'PLUGIN_ERROR':
      return 400;
    default: {
      const unreachable: never = code;
      return unreachable;
    }
  }
}

export { httpStatusOf as datasetErrorHttpStatus };

/** Domain errors become GraphQL errors with extensions.code (and .location); others pass through. */
export function toGraphQLError(error: unknown): unknown {
  if (error instanceof DatasetError) {
    return new DomainGraphQLError(error.message, { extensions: { code: error.code, ...(error.location ? { location: error.location } : {}) } });
  }
  return error;
}
