// Background jobs over GraphQL. Thin: role rules live in security/access-rules.ts, ownership
// and logic in JobsService (a job is visible to its owner and admins only).
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { User } from '../auth/auth.types.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { type Connection, PageArgs } from '../graphql/connection.ts';
import { Job } from './job.entity.ts';
import { JobFilter } from './jobs.inputs.ts';
import { JobConnection } from './jobs.types.ts';

@Resolver(() => Job)
export class JobsResolver {
  @Query(() => Job, { description: 'A job of the caller (an admin: anyone’s)' })
  job(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Job> {
    return ctx.services.jobs.get(ctx.principal, id);
  }

  @Query(() => JobConnection, { description: "The caller's jobs, newest first (an admin: everyone's, or one user's with filter.ownerId)" })
  jobs(@Arg('filter', () => JobFilter, { nullable: true }) filter: JobFilter | null, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<Job>> {
    return ctx.services.jobs.list(ctx.principal, filter, page);
  }

  @Mutation(() => Job, { description: 'Cancels a queued job at once; a running one stops at its next check (requestedCancel is true until then). CONFLICT once it has ended' })
  cancelJob(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Job> {
    return ctx.services.jobs.cancel(ctx.principal, id);
  }

  @Subscription(() => Job, {
    subscribe: ({ args, context }) => (context as GraphQLContext).services.jobs.watch((context as GraphQLContext).principal, (args as { id: string }).id),
    description: 'Status and progress of one job as they change',
  })
  jobUpdated(@Arg('id', () => ID) _id: string, @Root() job: Job): Job {
    return job;
  }

  @Subscription(() => Job, {
    subscribe: ({ context }) => (context as GraphQLContext).services.jobs.watchOwn((context as GraphQLContext).principal),
    description: "Every change of any of the caller's jobs (new ones included)",
  })
  myJobUpdated(@Root() job: Job): Job {
    return job;
  }

  @FieldResolver(() => User, { nullable: true })
  owner(@Root() job: Job, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    return ctx.loaders.userById.load(job.ownerId);
  }
}
