import { Field, GraphQLISODateTime, ID, ObjectType } from 'type-graphql';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { ISO_DATE } from '../db/columns.ts';

/**
 * A name (production, staging or a free tag) pointing at one version of a model. The unique
 * (model, tag) index makes a tag point at one version per model: tagging another version moves it.
 */
@ObjectType({ description: 'A tag (production, staging or a free one) on a model version; one version per model carries each tag' })
@Entity({ name: 'model_version_tags' })
@Index('uq_model_version_tags_model_tag', ['modelId', 'tag'], { unique: true })
@Index('idx_model_version_tags_version', ['versionId'])
export class ModelVersionTag {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Field(() => ID)
  @Column({ name: 'version_id', type: 'varchar', length: 36 })
  versionId!: string;

  @Field(() => ID)
  @Column({ name: 'model_id', type: 'varchar', length: 36 })
  modelId!: string;

  @Field(() => String, { description: '1 to 40 characters of a-z, 0-9, ".", "_" and "-"' })
  @Column({ type: 'varchar', length: 40 })
  tag!: string;

  @Field(() => ID, { description: 'Who put the tag on this version' })
  @Column({ name: 'created_by', type: 'varchar', length: 36 })
  createdBy!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the tag was put on this version' })
  @Column({ name: 'created_at', type: 'varchar', length: 32, transformer: ISO_DATE })
  createdAt!: Date;
}
