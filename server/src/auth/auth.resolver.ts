// Sign-in, sessions and the caller's own API keys. Access rules: security/access-rules.ts.
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.ts';
import { requireUser } from '../security/ownership.ts';
import { ApiKey } from './api-key.entity.ts';
import { AuthPayload, CreateApiKeyInput, CreatedApiKey, SessionInfo } from './auth.types.ts';
import { User } from './user.entity.ts';

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Signs in with email and password' })
  login(@Arg('email', () => String) email: string, @Arg('password', () => String) password: string, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return ctx.services.auth.login(email, password, ctx.origin);
  }

  @Mutation(() => AuthPayload, { description: 'Exchanges a refresh token for a new access and refresh token; a reused refresh token ends the session' })
  refreshSession(@Arg('refreshToken', () => String) refreshToken: string, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return ctx.services.auth.refresh(refreshToken, ctx.origin);
  }

  @Mutation(() => Boolean, { description: 'Ends the current session' })
  logout(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.auth.logout(ctx.principal, ctx.origin);
  }

  @Mutation(() => Boolean, { description: 'Changes your password; your other sessions end' })
  changePassword(@Arg('currentPassword', () => String) currentPassword: string, @Arg('newPassword', () => String) newPassword: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.users.changeOwnPassword(ctx.principal, currentPassword, newPassword, ctx.origin);
  }

  @Query(() => User, { description: 'The signed-in user' })
  me(@Ctx() ctx: GraphQLContext): Promise<User> {
    return ctx.services.users.get(requireUser(ctx.principal).id);
  }

  @Query(() => [SessionInfo], { description: 'Your open sessions (sign-ins), newest first' })
  async mySessions(@Ctx() ctx: GraphQLContext): Promise<SessionInfo[]> {
    const user = requireUser(ctx.principal);
    const currentId = ctx.principal.kind === 'session' ? ctx.principal.sessionId : null;
    const sessions = await ctx.services.auth.listOpenSessions(user.id);
    return sessions.map((s) => ({ id: s.id, createdAt: s.createdAt, userAgent: s.userAgent, ip: s.ip, current: s.id === currentId }));
  }

  @Mutation(() => Boolean, { description: 'Ends one of your sessions (an admin: anyone’s); false when it had ended already' })
  revokeSession(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.auth.revokeSessionById(ctx.principal, id, ctx.origin);
  }

  @Query(() => [ApiKey], { description: 'Your API keys, newest first' })
  myApiKeys(@Ctx() ctx: GraphQLContext): Promise<ApiKey[]> {
    return ctx.services.auth.listApiKeys(requireUser(ctx.principal).id);
  }

  @Mutation(() => CreatedApiKey, { description: 'Creates an API key for yourself; its secret is returned only now' })
  createApiKey(@Arg('input', () => CreateApiKeyInput) input: CreateApiKeyInput, @Ctx() ctx: GraphQLContext): Promise<CreatedApiKey> {
    return ctx.services.auth.createApiKey(ctx.principal, input, ctx.origin);
  }

  @Mutation(() => ApiKey, { description: 'Revokes one of your API keys (an admin: anyone’s)' })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiKey> {
    return ctx.services.auth.revokeApiKey(ctx.principal, id, ctx.origin);
  }
}

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @FieldResolver(() => User, { nullable: true })
  owner(@Root() key: ApiKey, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    return ctx.loaders.userById.load(key.ownerId);
  }
}
