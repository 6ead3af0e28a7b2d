import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../datasets/datasets.errors.ts';
import { ConflictError, ERROR_CODE_HTTP_STATUS, ForbiddenError, httpStatusOf, NotFoundError, UnauthenticatedError, ValidationError } from './domain-error.ts';
import { formatGraphQLError, toHttpErrorResponse } from './error-responses.ts';

const format = (error: unknown): { formatted: ReturnType<typeof formatGraphQLError>; internal: unknown[] } => {
  const internal: unknown[] = [];
  const wrapped = error instanceof GraphQLError ? error : new GraphQLError(error instanceof Error ? error.message : String(error), { path: ['x'], originalError: error as Error });
  const formatted = formatGraphQLError(wrapped.toJSON(), wrapped, (e) => internal.push(e));
  return { formatted, internal };
};

describe('error mapping', () => {
  it('domain errors carry their code and details', () => {
    expect(format(new NotFoundError('Model', 'm1')).formatted).toMatchObject({ message: 'Model m1 not found', path: ['x'], extensions: { code: 'NOT_FOUND', entity: 'Model', id: 'm1' } });
    expect(format(new UnauthenticatedError('no')).formatted.extensions).toEqual({ code: 'UNAUTHENTICATED' });
    expect(format(new ForbiddenError('no')).formatted.extensions).toEqual({ code: 'FORBIDDEN' });
    expect(format(new ConflictError('dup', { field: 'input.name' })).formatted.extensions).toEqual({ code: 'CONFLICT', field: 'input.name' });
    const validation = format(
      new ValidationError([
        { field: 'input.a', message: 'bad' },
        { field: 'input.b', message: 'worse' },
      ]),
    ).formatted;
    expect(validation.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'input.a',
      fieldErrors: [
        { field: 'input.a', message: 'bad' },
        { field: 'input.b', message: 'worse' },
      ],
    });
  });

  it('anything else is INTERNAL, without message or stack, and is handed to the logger', () => {
    const bug = new TypeError('cannot read properties of undefined (secret detail)');
    const { formatted, internal } = format(bug);
    expect(formatted).toEqual({ message: 'Internal server error', path: ['x'], extensions: { code: 'INTERNAL' } });
    expect(JSON.stringify(formatted)).not.toContain('secret');
    expect(internal).toHaveLength(1);
  });

  it("a domain's own codes (DatasetError) pass with their details; a plain GraphQLError with an unknown code does not", () => {
    const datasetError = new DatasetError('INVALID_DATASET_FILE', 'line 2: not valid JSON', 'line 2');
    expect(format(datasetError).formatted).toEqual({ message: 'line 2: not valid JSON', path: ['x'], extensions: { code: 'INVALID_DATASET_FILE', location: 'line 2' } });
    expect(format(new DatasetError('DATASET_NOT_FOUND', 'no dataset with id d1')).formatted).toEqual({ message: 'no dataset with id d1', path: ['x'], extensions: { code: 'DATASET_NOT_FOUND' } });
    const stray = new Error('detail');
    const { formatted } = format(new GraphQLError('secret detail', { path: ['x'], originalError: Object.assign(stray, { extensions: { code: 'MADE_UP' } }) }));
    expect(formatted.extensions).toEqual({ code: 'INTERNAL' });
  });

  it('request errors of GraphQL itself pass through without stack traces', () => {
    const error = new GraphQLError('Cannot query field "nope"', { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['at x'] } });
    expect(format(error).formatted.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });
  });

  it('a GraphQLError a resolver throws on purpose keeps its code; a plain Error does not', () => {
    const deliberate = new GraphQLError('Dataset d1 not found', { path: ['dataset'], originalError: new GraphQLError('Dataset d1 not found', { extensions: { code: 'DATASET_NOT_FOUND' } }), extensions: { code: 'DATASET_NOT_FOUND' } });
    expect(format(deliberate).formatted.extensions).toEqual({ code: 'DATASET_NOT_FOUND' });
    const accidental = new GraphQLError('boom', { originalError: new Error('boom'), extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(format(accidental).formatted.extensions).toEqual({ code: 'INTERNAL' });
  });

  it('maps every code to an HTTP status', () => {
    expect(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT'].map((c) => httpStatusOf(c as never))).toEqual([401, 403, 404, 400, 409]);
    const datasetCodes = ['UPLOAD_NOT_FOUND', 'UPLOAD_TOO_LARGE', 'DATASET_NOT_FOUND', 'DATASET_VERSION_NOT_FOUND', 'DATASET_NAME_TAKEN', 'INVALID_DATASET_INPUT', 'INVALID_DATASET_FILE', 'PIPELINE_ERROR', 'PLUGIN_ERROR'] as const;
    expect(datasetCodes.map((c) => httpStatusOf(c))).toEqual([404, 413, 404, 404, 409, 400, 400, 400, 400]);
    const jobCodes = ['JOB_INTERRUPTED'] as const;
    expect(jobCodes.map((c) => httpStatusOf(c))).toEqual([503]);
    expect(Object.keys(ERROR_CODE_HTTP_STATUS)).toHaveLength(5 + datasetCodes.length + jobCodes.length);
  });

  it('a domain error as a REST response: status of its code, details in the body, a challenge for 401', () => {
    expect(toHttpErrorResponse(new UnauthenticatedError('Sign in first'), 'r1')).toEqual({ status: 401, headers: { 'www-authenticate': 'Bearer' }, body: { error: { code: 'UNAUTHENTICATED', message: 'Sign in first' }, requestId: 'r1' } });
    expect(toHttpErrorResponse(new DatasetError('UPLOAD_TOO_LARGE', 'upload exceeds the limit of 10 bytes'), 'r2')).toEqual({
      status: 413,
      headers: {},
      body: { error: { code: 'UPLOAD_TOO_LARGE', message: 'upload exceeds the limit of 10 bytes' }, requestId: 'r2' },
    });
  });
});

describe('internal errors over HTTP', () => {
  it('a failure inside a resolver reaches the client as INTERNAL without message or stack', async () => {
    const { startTestServer } = await import('../../test/test-server.ts');
    // The server logs the internal error with its stack; keep the test output quiet.
    const t = await startTestServer('sqlite', { config: { logLevel: 'fatal' } });
    try {
      // Pull the database out from under the server: login's query now fails unexpectedly.
      await t.server.dataSource.destroy();
      const response = await fetch(t.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { login(email: "a@b.c", password: "whatever-1") { accessToken } }' }),
      });
      const body = (await response.json()) as { errors: Array<{ message: string; extensions: Record<string, unknown> }> };
      expect(body.errors[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL' } });
      expect(JSON.stringify(body)).not.toMatch(/stack|\.ts:|TypeORM|Error:/);
    } finally {
      await t.stop().catch(() => undefined);
    }
  });
});
