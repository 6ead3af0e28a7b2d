// Admin operations on accounts, API keys and the audit log. All need ADMIN (access-rules.ts).
import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { type ApiKey, User } from '../auth/auth.types.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { type Connection, PageArgs } from '../graphql/connection.ts';
import { ValidationError } from '../errors/domain-error.ts';
import type { AuditLogEntry } from '../audit/audit.types.ts';
import { Role } from '../security/roles.ts';
import { ApiKeyConnection, ApiKeyFilter, AuditLogConnection, AuditLogFilter, CreateUserInput, PasswordResetPayload, UserConnection, UserFilterInput } from './admin.types.ts';

@Resolver()
export class AdminResolver {
  @Query(() => UserConnection, { description: 'All users, by email' })
  users(@Arg('filter', () => UserFilterInput, { nullable: true }) filter: UserFilterInput | null, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<User>> {
    return ctx.services.users.list(filter ?? {}, page);
  }

  @Query(() => User)
  user(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<User> {
    return ctx.services.users.get(id);
  }

  @Mutation(() => User)
  createUser(@Arg('input', () => CreateUserInput) input: CreateUserInput, @Ctx() ctx: GraphQLContext): Promise<User> {
    return ctx.services.users.create(ctx.principal, input, ctx.origin);
  }

  @Mutation(() => User, { description: 'Changes a user’s role; their sessions and keys follow at once' })
  setUserRole(@Arg('id', () => ID) id: string, @Arg('role', () => Role) role: Role, @Ctx() ctx: GraphQLContext): Promise<User> {
    return ctx.services.users.setRole(ctx.principal, id, role, ctx.origin);
  }

  @Mutation(() => User, { description: 'Disables an account: no sign-in, sessions end, API keys stop working' })
  disableUser(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<User> {
    return ctx.services.users.setDisabled(ctx.principal, id, true, ctx.origin);
  }

  @Mutation(() => User)
  enableUser(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<User> {
    return ctx.services.users.setDisabled(ctx.principal, id, false, ctx.origin);
  }

  @Mutation(() => PasswordResetPayload, { description: 'Sets a new password (generated when omitted) and ends the user’s sessions' })
  resetUserPassword(@Arg('id', () => ID) id: string, @Arg('newPassword', () => String, { nullable: true }) newPassword: string | null, @Ctx() ctx: GraphQLContext): Promise<PasswordResetPayload> {
    return ctx.services.users.resetPassword(ctx.principal, id, newPassword ?? null, ctx.origin);
  }

  @Query(() => ApiKeyConnection, { description: 'API keys of one user, or of everyone, newest first' })
  apiKeys(@Arg('filter', () => ApiKeyFilter, { nullable: true }) filter: ApiKeyFilter | null, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<ApiKey>> {
    return ctx.services.auth.pageApiKeys(filter, page);
  }

  @Query(() => AuditLogConnection, { description: 'Authentication events and changes, newest first' })
  auditLog(@Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | null, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<AuditLogEntry>> {
    const outcome = filter?.outcome;
    if (outcome && outcome !== 'SUCCESS' && outcome !== 'FAILURE') throw ValidationError.single('filter.outcome', 'must be SUCCESS or FAILURE');
    return ctx.services.audit.list({ ...filter, outcome: outcome as 'SUCCESS' | 'FAILURE' | null | undefined }, page);
  }
}
