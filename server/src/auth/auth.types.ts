import { Field, GraphQLISODateTime, ID, InputType, ObjectType } from 'type-graphql';
import { Role } from '../security/roles.ts';
import { ApiKey } from './api-key.entity.ts';
import { User } from './user.entity.ts';

// The GraphQL types of a user and an API key are their entity classes; other domains name them from here.
export { ApiKey, User };

@ObjectType({ description: 'Tokens of a session: a short-lived access token and a one-use refresh token' })
export class AuthPayload {
  @Field(() => String, { description: 'Send as "Authorization: Bearer <accessToken>" (or in connection_init)' })
  accessToken!: string;

  @Field(() => GraphQLISODateTime)
  accessTokenExpiresAt!: Date;

  @Field(() => String, { description: 'Exchange with refreshSession for a new pair; each one works once' })
  refreshToken!: string;

  @Field(() => User)
  user!: User;
}

@InputType()
export class CreateApiKeyInput {
  @Field(() => String)
  name!: string;

  @Field(() => Role, { nullable: true, description: 'At most your own role. Defaults to your role.' })
  role?: Role | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Never expires when absent' })
  expiresAt?: Date | null;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKey)
  apiKey!: ApiKey;

  @Field(() => String, { description: 'The whole key, shown only now; send as "Authorization: Bearer <secret>"' })
  secret!: string;
}

@ObjectType({ description: 'A signed-in session (one login and the refresh tokens descending from it)' })
export class SessionInfo {
  @Field(() => ID)
  id!: string;

  @Field(() => GraphQLISODateTime)
  createdAt!: Date;

  @Field(() => String, { nullable: true })
  userAgent!: string | null;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  @Field(() => Boolean, { description: 'The session this request is made with' })
  current!: boolean;
}
