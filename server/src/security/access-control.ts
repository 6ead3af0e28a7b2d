// Enforces ACCESS_RULES on a built schema: every root field (query, mutation, subscription)
// and every listed sensitive field gets its resolver (and subscribe) wrapped by a check that
// runs before the resolver. A root field without a rule is denied to everyone.
import { defaultFieldResolver, type GraphQLField, type GraphQLFieldResolver, type GraphQLSchema, isObjectType, Kind, parse } from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors/domain-error.ts';
import type { Principal } from './principal.ts';
import { hasRole, Role } from './roles.ts';

/** The part of a resolver context the rules read (graphql/context.ts's GraphQLContext has it). */
export interface AccessContext {
  principal: Principal;
}

/**
 * - `public`: anyone, signed in or not.
 * - a Role: signed in with at least that role. Ownership (DEVELOPER changes only what they
 *   own) is checked by the service, which knows the owner.
 * - `self`: the signed-in user when the parent object is themselves (a User), or an ADMIN.
 */
export type AccessRule = 'public' | 'self' | Role;

export const ROOT_TYPES = ['Query', 'Mutation', 'Subscription'] as const;

/** Whether a principal passes a rule (ignoring `self`, which needs the parent object). */
export function ruleAllows(rule: AccessRule, principal: Principal, parent?: unknown): boolean {
  if (rule === 'public') return true;
  if (principal.kind === 'anonymous') return false;
  if (rule === 'self') return principal.user.role === Role.ADMIN || (typeof parent === 'object' && parent !== null && (parent as { id?: unknown }).id === principal.user.id);
  return hasRole(principal.user.role, rule);
}

function check(coordinate: string, rule: AccessRule | undefined, context: AccessContext, parent: unknown): void {
  const principal = context.principal;
  if (rule === undefined) throw new ForbiddenError(`${coordinate} has no access rule; it is denied until one is declared`, { rule: coordinate });
  if (ruleAllows(rule, principal, parent)) return;
  if (principal.kind === 'anonymous') throw new UnauthenticatedError(`Sign in to use ${coordinate}`, { rule: coordinate });
  throw new ForbiddenError(rule === 'self' ? `Only the user themselves or an admin may read ${coordinate}` : `${coordinate} needs the ${rule} role; you have ${principal.user.role}`, { rule: coordinate, requiredRole: rule });
}

function guard<TSource>(coordinate: string, rule: AccessRule | undefined, inner: GraphQLFieldResolver<TSource, AccessContext>): GraphQLFieldResolver<TSource, AccessContext> {
  return (source, args, context, info) => {
    check(coordinate, rule, context, source);
    return inner(source, args, context, info);
  };
}

/** Coordinates ("Type.field") of root fields that have no rule. */
export function fieldsWithoutRule(schema: GraphQLSchema, rules: Readonly<Record<string, AccessRule>>): string[] {
  return rootFields(schema)
    .map(({ coordinate }) => coordinate)
    .filter((c) => !(c in rules));
}

/** Rules naming a field the schema does not have (stale rules). */
export function rulesWithoutField(schema: GraphQLSchema, rules: Readonly<Record<string, AccessRule>>): string[] {
  return Object.keys(rules).filter((coordinate) => {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    return !isObjectType(type) || !type.getFields()[fieldName];
  });
}

export function rootFields(schema: GraphQLSchema): Array<{ typeName: (typeof ROOT_TYPES)[number]; coordinate: string; field: GraphQLField<unknown, unknown> }> {
  const out = [];
  for (const typeName of ROOT_TYPES) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) continue;
    for (const field of Object.values(type.getFields())) out.push({ typeName, coordinate: `${typeName}.${field.name}`, field });
  }
  return out;
}

/** Wraps resolvers in place and returns the same schema. */
export function applyAccessRules(schema: GraphQLSchema, rules: Readonly<Record<string, AccessRule>>): GraphQLSchema {
  const guarded = new Set<string>();
  for (const { coordinate, field } of rootFields(schema)) {
    const rule = rules[coordinate];
    field.resolve = guard(coordinate, rule, (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, AccessContext>) as GraphQLFieldResolver<unknown, unknown>;
    if (field.subscribe) field.subscribe = guard(coordinate, rule, field.subscribe as GraphQLFieldResolver<unknown, AccessContext>) as GraphQLFieldResolver<unknown, unknown>;
    guarded.add(coordinate);
  }
  for (const [coordinate, rule] of Object.entries(rules)) {
    if (guarded.has(coordinate)) continue;
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    if (!field) continue;
    field.resolve = guard(coordinate, rule, (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, AccessContext>) as GraphQLFieldResolver<unknown, unknown>;
  }
  return schema;
}

/**
 * Whether an operation document asks only for public root fields (used to let anonymous
 * WebSocket connections run public operations such as the heartbeat). A document that does not
 * parse, or selects through fragments at the root, counts as not public.
 */
export function isPublicOperation(query: string, operationName: string | null | undefined, rules: Readonly<Record<string, AccessRule>>): boolean {
  let document;
  try {
    document = parse(query);
  } catch {
    return false;
  }
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return false;
  const typeName = operation.operation === 'query' ? 'Query' : operation.operation === 'mutation' ? 'Mutation' : 'Subscription';
  return operation.selectionSet.selections.every((selection) => {
    if (selection.kind !== Kind.FIELD) return false;
    return selection.name.value === '__typename' || rules[`${typeName}.${selection.name.value}`] === 'public';
  });
}
