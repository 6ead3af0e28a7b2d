// Typed domain errors and the one place that turns them into GraphQL errors with
// `extensions.code`. Services throw these; anything else reaching the client is masked as
// INTERNAL (see formatGraphQLError), so stack traces and messages of bugs never leak.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** Codes a client can act on. INTERNAL is never thrown on purpose; it is what unknown errors become. */
export type ErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT';

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, client-safe details merged into `extensions`. */
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

function assertNever(value: never): never {
  throw new Error(`unhandled error code ${String(value)}`);
}

/** HTTP status that fits a code, for REST endpoints and whole-request failures. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'BAD_USER_INPUT':
      return 400;
    case 'CONFLICT':
      return 409;
    default:
      return assertNever(code);
  }
}

/** The one mapping from a domain error to a GraphQL error. */
export function toGraphQLError(error: DomainError, path?: readonly (string | number)[]): GraphQLError {
  return new GraphQLError(error.message, { path, extensions: { ...error.details, code: error.code } });
}

/**
 * A GraphQL error made by a domain's own mapper, with a code of that domain (e.g. datasets'
 * INVALID_DATASET_FILE, see datasets.errors.ts): message and extensions reach the client as made.
 */
export class DomainGraphQLError extends GraphQLError {}

/** Codes that GraphQL itself and Apollo produce for bad requests; they pass through unchanged. */
const PASS_THROUGH_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT']);

/**
 * Formats any error for a client, for HTTP (Apollo's formatError) and WebSocket alike:
 * domain errors get their code and details (a DomainGraphQLError its own), known GraphQL request errors pass, and everything
 * else becomes INTERNAL without message or stack (`onInternal` gets the original to log).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, onInternal: (error: unknown) => void): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    const mapped = toGraphQLError(original);
    return { message: mapped.message, locations: formatted.locations, path: formatted.path, extensions: mapped.extensions };
  }
  if (original instanceof DomainGraphQLError) return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: { ...original.extensions } };
  const code = formatted.extensions?.code;
  // A GraphQLError a resolver threw on purpose (a domain's own mapper) keeps its code; a plain
  // Error thrown anywhere is a bug and is masked below.
  const deliberate = original instanceof GraphQLError && typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR';
  if (deliberate || (typeof code === 'string' && PASS_THROUGH_CODES.has(code))) {
    const { stacktrace: _stacktrace, exception: _exception, http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  onInternal(error);
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL' } };
}
