import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ISO_DATE } from '../db/columns.ts';
import { Role } from '../security/roles.ts';

@ObjectType({ description: 'A person who signs in to EGen' })
@Entity({ name: 'users' })
export class User {
  @Field(() => ID)
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => String, { description: 'Lower-cased; unique' })
  @Column({ type: 'varchar', length: 320, unique: true })
  email!: string;

  /** argon2id PHC string; never exposed. */
  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Field(() => Role)
  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When an admin disabled the account; disabled users cannot sign in' })
  @Column({ name: 'disabled_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  disabledAt!: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  @Column({ name: 'last_login_at', type: 'varchar', length: 32, nullable: true, transformer: ISO_DATE })
  lastLoginAt!: Date | null;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;

  @Field(() => GraphQLISODateTime)
  @Column({ name: 'updated_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  updatedAt!: Date;
}
