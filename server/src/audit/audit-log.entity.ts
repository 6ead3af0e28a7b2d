import { GraphQLJSON } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ISO_DATE, JSON_TEXT } from '../db/columns.ts';

export type AuditOutcome = 'SUCCESS' | 'FAILURE';
export type ActorKind = 'anonymous' | 'session' | 'apiKey' | 'system';

/** One authentication event or change: who, what, when, before and after. Append-only. */
@ObjectType({ description: 'An authentication event or a change, as recorded in the audit log' })
@Entity({ name: 'audit_log' })
@Index('idx_audit_log_at', ['at', 'id'])
export class AuditLogEntry {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => GraphQLISODateTime)
  @Column({ type: 'varchar', length: 32, transformer: ISO_DATE })
  at!: Date;

  @Field(() => String, { description: 'e.g. auth.login, auth.login_failed, user.role_changed, model.created' })
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Field(() => String, { description: 'SUCCESS or FAILURE' })
  @Column({ type: 'varchar', length: 16 })
  outcome!: AuditOutcome;

  @Field(() => String, { description: 'anonymous, session, apiKey or system' })
  @Column({ name: 'actor_kind', type: 'varchar', length: 16 })
  actorKind!: ActorKind;

  @Field(() => ID, { nullable: true })
  @Column({ name: 'actor_id', type: 'varchar', length: 36, nullable: true })
  actorId!: string | null;

  @Field(() => String, { nullable: true, description: 'The actor’s email when the entry was written (or the email tried, for a failed login)' })
  @Column({ name: 'actor_email', type: 'varchar', length: 320, nullable: true })
  actorEmail!: string | null;

  @Field(() => ID, { nullable: true })
  @Column({ name: 'api_key_id', type: 'varchar', length: 36, nullable: true })
  apiKeyId!: string | null;

  @Field(() => String, { nullable: true, description: 'e.g. User, ApiKey, Model' })
  @Column({ name: 'target_type', type: 'varchar', length: 32, nullable: true })
  targetType!: string | null;

  @Field(() => ID, { nullable: true })
  @Column({ name: 'target_id', type: 'varchar', length: 36, nullable: true })
  targetId!: string | null;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column({ type: 'text', nullable: true, transformer: JSON_TEXT })
  before!: unknown;

  @Field(() => GraphQLJSON, { nullable: true })
  @Column({ type: 'text', nullable: true, transformer: JSON_TEXT })
  after!: unknown;

  @Field(() => String, { nullable: true })
  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'request_id', type: 'varchar', length: 128, nullable: true })
  requestId!: string | null;
}
