// The error model every domain throws: typed errors with a code a client can act on. It knows
// nothing of GraphQL or HTTP; errors/error-responses.ts maps them to both.

/**
 * Every code a client can see, with the HTTP status it answers with. Declared once: the code
 * types, the REST status and the GraphQL `extensions.code` all derive from this table.
 */
export const ERROR_CODE_HTTP_STATUS = {
  // any domain
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  BAD_USER_INPUT: 400,
  CONFLICT: 409,
  // datasets (datasets.errors.ts)
  UPLOAD_NOT_FOUND: 404,
  UPLOAD_TOO_LARGE: 413,
  DATASET_NOT_FOUND: 404,
  DATASET_VERSION_NOT_FOUND: 404,
  DATASET_NAME_TAKEN: 409,
  INVALID_DATASET_INPUT: 400,
  INVALID_DATASET_FILE: 400,
  PIPELINE_ERROR: 400,
  PLUGIN_ERROR: 400,
  // jobs (jobs.errors.ts)
  JOB_INTERRUPTED: 503,
} as const satisfies Record<string, number>;

/** Codes a client can act on. INTERNAL is never thrown on purpose; it is what unknown errors become. */
export type ErrorCode = keyof typeof ERROR_CODE_HTTP_STATUS;

/** The codes any domain may throw through the generic errors below. */
export type GenericErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT';

/** HTTP status that fits a code, for REST endpoints and whole-request failures. */
export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODE_HTTP_STATUS[code];
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, client-safe details merged into `extensions` (GraphQL) and `error` (REST). */
  readonly details: Record<string, unknown>;

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class UnauthenticatedError extends DomainError {
  readonly code = 'UNAUTHENTICATED' as const;
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN' as const;
}

export class NotFoundError extends DomainError {
  readonly code = 'NOT_FOUND' as const;
  constructor(entity: string, id: string) {
    super(`${entity} ${id} not found`, { entity, id });
  }
}

export class ConflictError extends DomainError {
  readonly code = 'CONFLICT' as const;
}

export interface FieldError {
  /** Path of the offending input field, e.g. "input.embeddingWidth". */
  field: string;
  message: string;
}

/** Invalid input: names every offending field; `field` is the first one. */
export class ValidationError extends DomainError {
  readonly code = 'BAD_USER_INPUT' as const;
  constructor(readonly fieldErrors: FieldError[]) {
    super(fieldErrors.map((e) => `${e.field}: ${e.message}`).join('; '), { field: fieldErrors[0]?.field, fieldErrors });
  }

  static single(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}
