// The one mapper from domain errors to what clients see: a GraphQL error with `extensions.code`
// (HTTP and WebSocket alike) or a REST response `{ error: { code, message, …details }, requestId }`
// with the status of the code's row in ERROR_CODE_HTTP_STATUS. Anything that is not a domain
// error reaching a client is masked as INTERNAL (see formatGraphQLError), so stack traces and
// messages of bugs never leak.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { DomainError, httpStatusOf } from './domain-error.ts';

/** The extensions of a domain error: its client-safe details and its code. */
function extensionsOf(error: DomainError): Record<string, unknown> {
  return { ...error.details, code: error.code };
}

/** A domain error as a GraphQL error; `withHttpStatus` makes Apollo answer a whole-request failure with the code's status. */
export function toGraphQLError(error: DomainError, options: { path?: readonly (string | number)[]; withHttpStatus?: boolean } = {}): GraphQLError {
  const extensions = extensionsOf(error);
  return new GraphQLError(error.message, { path: options.path, extensions: options.withHttpStatus ? { ...extensions, http: { status: httpStatusOf(error.code) } } : extensions });
}

export interface HttpErrorResponse {
  status: number;
  headers: Record<string, string>;
  body: { error: Record<string, unknown> & { code: string; message: string }; requestId: string };
}

/** A domain error as a REST response, with the same code GraphQL would give. */
export function toHttpErrorResponse(error: DomainError, requestId: string): HttpErrorResponse {
  return {
    status: httpStatusOf(error.code),
    headers: error.code === 'UNAUTHENTICATED' ? { 'www-authenticate': 'Bearer' } : {},
    body: { error: { code: error.code, message: error.message, ...error.details }, requestId },
  };
}

/** Codes that GraphQL itself and Apollo produce for bad requests; they pass through unchanged. */
const PASS_THROUGH_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
]);

/**
 * Formats any error for a client, for HTTP (Apollo's formatError) and WebSocket alike:
 * domain errors get their code and details, known GraphQL request errors pass, and everything
 * else becomes INTERNAL without message or stack (`onInternal` gets the original to log).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, onInternal: (error: unknown) => void): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof DomainError) {
    return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: extensionsOf(original) };
  }
  const code = formatted.extensions?.code;
  // A GraphQLError a resolver threw on purpose keeps its code; a plain Error thrown anywhere is
  // a bug and is masked below.
  const deliberate = original instanceof GraphQLError && typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR';
  if (deliberate || (typeof code === 'string' && PASS_THROUGH_CODES.has(code))) {
    const { stacktrace: _stacktrace, exception: _exception, http: _http, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  onInternal(error);
  return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL' } };
}
