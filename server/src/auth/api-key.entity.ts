import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ISO_DATE } from '../db/columns.ts';
import { Role } from '../security/roles.ts';

/** A long-lived credential for scripts and the CLI; the secret is shown once and stored hashed. */
@ObjectType({ description: 'An API key; the secret is shown only when created' })
@Entity({ name: 'api_keys' })
export class ApiKey {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Column({ name: 'owner_id', type: 'varchar', length: 36 })
  ownerId!: string;

  @Field(() => String)
  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Field(() => String, { description: 'The visible start of the key, e.g. "egk_3fa9c2d1", to recognise it' })
  @Column({ type: 'varchar', length: 16, unique: true })
  prefix!: string;

  /** SHA-256 of the whole key (hex). The key has 256 random bits, so a fast hash is enough. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 64 })
  secretHash!: string;

  @Field(() => Role, { description: 'Never above the owner’s role; the lower of the two applies when the owner is demoted' })
  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Field(() => GraphQLISODateTime, { nullable: true })
  @Column({ name: 'expires_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  expiresAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  @Column({ name: 'revoked_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  revokedAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Updated at most once a minute' })
  @Column({ name: 'last_used_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  lastUsedAt!: Date | null;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;
}
