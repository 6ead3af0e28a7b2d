import { Field, GraphQLISODateTime, ID, InputType, ObjectType } from 'type-graphql';
import { AuditLogEntry } from '../audit/audit.types.ts';
import { ApiKey, User } from '../auth/auth.types.ts';
import { ConnectionType } from '../graphql/connection.ts';
import { Role } from '../security/roles.ts';

export const UserConnection = ConnectionType('User', User);
export const AuditLogConnection = ConnectionType('AuditLogEntry', AuditLogEntry);
export const ApiKeyConnection = ConnectionType('ApiKey', ApiKey);

@InputType()
export class ApiKeyFilter {
  @Field(() => ID, { nullable: true, description: 'Keys of this user only' })
  ownerId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Include revoked keys. Defaults to true.' })
  includeRevoked?: boolean | null;
}

@InputType()
export class CreateUserInput {
  @Field(() => String)
  email!: string;

  @Field(() => String, { description: 'At least 8 characters' })
  password!: string;

  @Field(() => Role)
  role!: Role;
}

@InputType()
export class UserFilterInput {
  @Field(() => Role, { nullable: true })
  role?: Role | null;

  @Field(() => String, { nullable: true })
  emailContains?: string | null;

  @Field(() => Boolean, { nullable: true })
  disabled?: boolean | null;
}

@ObjectType()
export class PasswordResetPayload {
  @Field(() => User)
  user!: User;

  @Field(() => String, { nullable: true, description: 'The generated password when none was given; shown only now' })
  temporaryPassword!: string | null;
}

@InputType()
export class AuditLogFilter {
  @Field(() => ID, { nullable: true })
  actorId?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact action, e.g. auth.login' })
  action?: string | null;

  @Field(() => String, { nullable: true, description: 'Action prefix, e.g. "auth." or "model."' })
  actionPrefix?: string | null;

  @Field(() => String, { nullable: true })
  targetType?: string | null;

  @Field(() => ID, { nullable: true })
  targetId?: string | null;

  @Field(() => String, { nullable: true, description: 'SUCCESS or FAILURE' })
  outcome?: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  since?: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  until?: Date | null;
}
