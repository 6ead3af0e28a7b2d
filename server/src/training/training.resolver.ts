// Training runs over GraphQL. Thin: role rules live in security/access-rules.ts, ownership and
// logic in TrainingService; relations go through per-request DataLoaders.
import { GraphQLJSON } from 'graphql-scalars';
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { User } from '../auth/auth.types.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { type Connection, PageArgs } from '../graphql/connection.ts';
import { Model, ModelVersion } from '../models/models.types.ts';
import { Checkpoint, MetricPoint, RunLogLine, TrainingRun } from './training.entity.ts';
import { MetricHistoryArgs, StartTrainingRunInput, TrainingRunFilter, TrainingRunOrder } from './training.inputs.ts';
import { type MetricBatchPayload, RUN_LOG_TOPIC, RUN_METRICS_TOPIC, RUN_UPDATED_TOPIC } from './training.topics.ts';
import { MetricBatch, RunLogConnection, TrainingRunConnection } from './training.types.ts';

@Resolver(() => TrainingRun)
export class TrainingRunResolver {
  @Query(() => TrainingRunConnection, { description: 'Training runs, newest first unless ordered otherwise' })
  trainingRuns(
    @Arg('filter', () => TrainingRunFilter, { nullable: true }) filter: TrainingRunFilter | null,
    @Arg('orderBy', () => TrainingRunOrder, { nullable: true }) orderBy: TrainingRunOrder | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<TrainingRun>> {
    return ctx.services.training.list(filter, orderBy, page);
  }

  @Query(() => TrainingRun)
  trainingRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrainingRun> {
    return ctx.services.training.get(id);
  }

  @Query(() => RunLogConnection, { description: 'The log of a run, oldest line first: queued, claimed, model and data loaded, started, step summaries, evaluations, checkpoints, pause, resume, cancel, failure or completion' })
  runLogs(@Arg('runId', () => ID) runId: string, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<RunLogLine>> {
    return ctx.services.training.logs(runId, page);
  }

  @Mutation(() => TrainingRun, { description: 'Validates the whole config and queues the run' })
  startTrainingRun(@Arg('input', () => StartTrainingRunInput) input: StartTrainingRunInput, @Ctx() ctx: GraphQLContext): Promise<TrainingRun> {
    return ctx.services.training.start(ctx.principal, input, ctx.origin);
  }

  @Mutation(() => TrainingRun, { description: 'Pauses at the next step boundary (status becomes PAUSED then)' })
  pauseRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrainingRun> {
    return ctx.services.training.pause(ctx.principal, id, ctx.origin);
  }

  @Mutation(() => TrainingRun, { description: 'Resumes a paused run' })
  resumeRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrainingRun> {
    return ctx.services.training.resume(ctx.principal, id, ctx.origin);
  }

  @Mutation(() => TrainingRun, { description: 'Cancels a queued run at once, a running one at the next step boundary' })
  cancelRun(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<TrainingRun> {
    return ctx.services.training.cancel(ctx.principal, id, ctx.origin);
  }

  @Subscription(() => TrainingRun, { topics: RUN_UPDATED_TOPIC, topicId: ({ args }) => (args as { id: string }).id, description: 'Status, stage and progress of a run as they change' })
  runUpdated(@Arg('id', () => ID) _id: string, @Root() run: TrainingRun): TrainingRun {
    return run;
  }

  @Subscription(() => MetricBatch, { topics: RUN_METRICS_TOPIC, topicId: ({ args }) => (args as { runId: string }).runId, description: 'New metric points of a run, batched, in step order' })
  runMetrics(@Arg('runId', () => ID) _runId: string, @Root() batch: MetricBatchPayload): MetricBatch {
    return batch;
  }

  @Subscription(() => RunLogLine, { topics: RUN_LOG_TOPIC, topicId: ({ args }) => (args as { runId: string }).runId, description: 'New lines of the log of a run, in sequence order' })
  runLogAdded(@Arg('runId', () => ID) _runId: string, @Root() line: RunLogLine): RunLogLine {
    return line;
  }

  @FieldResolver(() => GraphQLJSON, { description: 'The validated hyperparameters, defaults filled in' })
  config(@Root() run: TrainingRun): unknown {
    return run.config;
  }

  @FieldResolver(() => User, { nullable: true })
  owner(@Root() run: TrainingRun, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    return ctx.loaders.userById.load(run.ownerId);
  }

  @FieldResolver(() => Model, { nullable: true })
  model(@Root() run: TrainingRun, @Ctx() ctx: GraphQLContext): Promise<Model | null> {
    return ctx.loaders.modelById.load(run.modelId);
  }

  @FieldResolver(() => ModelVersion, { nullable: true })
  baseVersion(@Root() run: TrainingRun, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return run.baseVersionId ? ctx.loaders.modelVersionById.load(run.baseVersionId) : Promise.resolve(null);
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The model version this run registered' })
  resultVersion(@Root() run: TrainingRun, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return run.resultVersionId ? ctx.loaders.modelVersionById.load(run.resultVersionId) : Promise.resolve(null);
  }

  @FieldResolver(() => [Checkpoint])
  checkpoints(@Root() run: TrainingRun, @Ctx() ctx: GraphQLContext): Promise<Checkpoint[]> {
    return ctx.loaders.checkpointsByRunId.load(run.id);
  }

  @FieldResolver(() => [MetricPoint], { description: 'Metric history in step order; long series are downsampled to min/max buckets' })
  metrics(@Root() run: TrainingRun, @Args(() => MetricHistoryArgs) args: MetricHistoryArgs, @Ctx() ctx: GraphQLContext): Promise<MetricPoint[]> {
    return ctx.services.training.metricHistory(run.id, args);
  }
}
