import { Field, ID, InputType } from 'type-graphql';
import { JobStatus } from './job.types.ts';

@InputType({ description: 'Which jobs to list; every field narrows the list' })
export class JobFilter {
  @Field(() => [JobStatus], { nullable: true, description: 'Any of these statuses' })
  statuses?: JobStatus[] | null;

  @Field(() => String, { nullable: true, description: "e.g. 'model.export'" })
  kind?: string | null;

  @Field(() => String, { nullable: true, description: "With targetId: the jobs on one entity, e.g. 'ModelVersion'" })
  targetType?: string | null;

  @Field(() => ID, { nullable: true })
  targetId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Admins only: the jobs of one user (others always see their own)' })
  ownerId?: string | null;
}
