// The role matrix: every operation of the schema, for anonymous and each role, against the real
// server over HTTP (queries, mutations) and WebSocket (subscriptions). Expected outcomes come
// from ACCESS_RULES, so a new operation without a declared rule fails here by name.
import { getNamedType, getNullableType, type GraphQLArgument, type GraphQLInputType, isEnumType, isInputObjectType, isListType, isNonNullType, isObjectType, isScalarType } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../../test/databases.ts';
import { startTestServer, type TestServer, type TestUser } from '../../test/test-server.ts';
import { buildEgenSchema } from '../graphql/schema.ts';
import { InProcessPubSub } from '../pubsub/pubsub.ts';
import { type AccessRule, fieldsWithoutRule, rootFields, rulesWithoutField } from './access-control.ts';
import { ACCESS_RULES } from './access-rules.ts';
import { hasRole, Role } from './roles.ts';

const schema = await buildEgenSchema(new InProcessPubSub());
const RULES: Readonly<Record<string, AccessRule>> = ACCESS_RULES;
type Actor = 'anonymous' | Role;
const ACTORS: readonly Actor[] = ['anonymous', Role.VIEWER, Role.DEVELOPER, Role.ADMIN];

function expectedAllowed(rule: AccessRule | undefined, actor: Actor): boolean {
  if (rule === undefined) return false;
  if (rule === 'public') return true;
  if (actor === 'anonymous') return false;
  if (rule === 'self') return true;
  return hasRole(actor, rule);
}

/** A value of the given input type that passes GraphQL validation (not necessarily the service's). */
function dummyValue(type: GraphQLInputType): unknown {
  const inner = getNullableType(type);
  if (isListType(inner)) return [dummyValue(inner.ofType)];
  if (isEnumType(inner)) return inner.getValues()[0]!.value;
  if (isInputObjectType(inner)) {
    const out: Record<string, unknown> = {};
    for (const field of Object.values(inner.getFields())) if (isNonNullType(field.type)) out[field.name] = dummyValue(field.type);
    return out;
  }
  if (isScalarType(inner)) {
    switch (inner.name) {
      case 'ID':
        return '00000000-0000-4000-8000-000000000000';
      case 'Int':
        return 1;
      case 'Float':
        return 0.5;
      case 'Boolean':
        return false;
      case 'DateTimeISO':
        return '2099-01-01T00:00:00.000Z';
      default:
        return 'x-dummy';
    }
  }
  throw new Error(`no dummy value for ${String(type)}`);
}

/** A minimal document calling one root field with its required arguments. */
function operationFor(typeName: string, field: { name: string; args: readonly GraphQLArgument[]; type: unknown }): { query: string; variables: Record<string, unknown> } {
  const required = field.args.filter((a) => isNonNullType(a.type));
  const variables = Object.fromEntries(required.map((a) => [a.name, dummyValue(a.type)]));
  const definitions = required.length ? `(${required.map((a) => `$${a.name}: ${String(a.type)}`).join(', ')})` : '';
  const call = required.length ? `(${required.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
  const selection = isObjectType(getNamedType(field.type as never)) ? ' { __typename }' : '';
  return { query: `${typeName.toLowerCase()}${definitions} { ${field.name}${call}${selection} }`, variables };
}

const OPERATIONS = rootFields(schema).map(({ typeName, coordinate, field }) => ({ typeName, coordinate, ...operationFor(typeName, field) }));

describe('ACCESS_RULES', () => {
  it('declares a rule for every query, mutation and subscription', () => {
    expect(fieldsWithoutRule(schema, RULES), 'declare these in server/src/security/access-rules.ts').toEqual([]);
  });

  it('names only fields that exist', () => {
    expect(rulesWithoutField(schema, RULES)).toEqual([]);
  });

  it('keeps Query.health public on purpose, and login/refreshSession public', () => {
    expect([RULES['Query.health'], RULES['Mutation.login'], RULES['Mutation.refreshSession']]).toEqual(['public', 'public', 'public']);
  });
});

describe.each(ENGINES)('role matrix on %s', (engine) => {
  let t: TestServer;
  const users = {} as Record<Role, TestUser>;
  beforeAll(async () => {
    t = await startTestServer(engine, { heartbeatIntervalMs: 50 });
    users[Role.ADMIN] = t.admin;
    users[Role.DEVELOPER] = await t.createUser('DEVELOPER');
    users[Role.VIEWER] = await t.createUser('VIEWER');
  });
  afterAll(async () => t?.stop());

  const httpOperations = OPERATIONS.filter((op) => op.typeName !== 'Subscription');
  it.each(httpOperations)('$coordinate over HTTP', async ({ coordinate, query, variables }) => {
    const outcomes: string[] = [];
    for (const actor of ACTORS) {
      let token: string | null = null;
      if (actor !== 'anonymous') {
        // logout ends the session it is called with, so it gets a session of its own.
        token = coordinate === 'Mutation.logout' ? (await t.login(users[actor].email, users[actor].password)).token : users[actor].token;
      }
      const result = token ? await t.graphqlAs(token, query, variables) : await t.graphql(query, variables);
      const denial = result.errors?.find((e) => e.extensions?.rule === coordinate);
      const allowed = expectedAllowed(RULES[coordinate], actor);
      outcomes.push(`${actor}:${denial ? 'denied' : 'allowed'}`);
      expect(result.errors?.map((e) => e.extensions?.code) ?? [], `${coordinate} as ${actor} must not crash`).not.toContain('INTERNAL');
      if (allowed) {
        expect(denial, `${coordinate} as ${actor} should be allowed: ${JSON.stringify(result.errors)}`).toBeUndefined();
      } else {
        expect(denial?.extensions?.code, `${coordinate} as ${actor} should be denied`).toBe(actor === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN');
        expect(result.data?.[coordinate.split('.')[1]!] ?? null).toBeNull();
      }
    }
    expect(outcomes).toEqual(ACTORS.map((actor) => `${actor}:${expectedAllowed(RULES[coordinate], actor) ? 'allowed' : 'denied'}`));
  });

  const subscriptions = OPERATIONS.filter((op) => op.typeName === 'Subscription');
  it.each(subscriptions)('$coordinate over WebSocket', async ({ coordinate, query, variables }) => {
    for (const actor of ACTORS) {
      const allowed = expectedAllowed(RULES[coordinate], actor);
      const token = actor === 'anonymous' ? null : users[actor].token;
      const outcome = await new Promise<{ kind: 'data' | 'denied' | 'closed' | 'quiet'; detail?: unknown }>((resolve) => {
        const client = createClient({
          url: t.wsUrl,
          webSocketImpl: WebSocket,
          retryAttempts: 0,
          lazy: true,
          ...(token ? { connectionParams: { authorization: `Bearer ${token}` } } : {}),
        });
        const done = (value: { kind: 'data' | 'denied' | 'closed' | 'quiet'; detail?: unknown }): void => {
          clearTimeout(timer);
          void client.dispose();
          resolve(value);
        };
        // A subscription that is allowed but has nothing to say yet is "quiet", not denied.
        const timer = setTimeout(() => done({ kind: 'quiet' }), 1500);
        client.subscribe(
          { query, variables },
          {
            next: (value) => done(value.errors?.some((e) => e.extensions?.rule === coordinate) ? { kind: 'denied', detail: value.errors } : { kind: 'data' }),
            error: (error) => {
              if (Array.isArray(error)) done(error.some((e: { extensions?: Record<string, unknown> }) => e.extensions?.rule === coordinate) ? { kind: 'denied', detail: error } : { kind: 'data', detail: error });
              else done({ kind: 'closed', detail: (error as { code?: number }).code });
            },
            complete: () => done({ kind: 'data' }),
          },
        );
      });
      if (actor === 'anonymous') {
        expect(outcome, `${coordinate} without a token`).toEqual(allowed ? expect.objectContaining({ kind: expect.stringMatching(/data|quiet/) }) : { kind: 'closed', detail: 4401 });
      } else if (allowed) {
        expect(outcome.kind, `${coordinate} as ${actor}: ${JSON.stringify(outcome.detail)}`).toMatch(/data|quiet/);
      } else {
        expect(outcome.kind, `${coordinate} as ${actor}`).toBe('denied');
      }
    }
  });
});
