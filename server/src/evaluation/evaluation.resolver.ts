// Evaluations over GraphQL: thin; rules in security/access-rules.ts, logic in EvaluationService.
import { Arg, Args, Ctx, Field, FieldResolver, ID, InputType, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.ts';
import { type Connection, ConnectionType, PageArgs } from '../graphql/connection.ts';
import { ModelVersion } from '../models/models.types.ts';
import { Evaluation } from './evaluation.entity.ts';

const EvaluationConnection = ConnectionType('Evaluation', Evaluation);

@InputType()
export class EvaluationFilter {
  @Field(() => ID, { nullable: true })
  modelVersionId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Compare versions on one dataset version' })
  datasetVersionId?: string | null;
}

@InputType()
export class EvaluateOptionsInput {
  @Field(() => Int, { nullable: true, description: 'Validation examples to generate for. Defaults to 32.' })
  maxExamples?: number | null;

  @Field(() => Int, { nullable: true, description: 'Tokens generated per example. Defaults to 32.' })
  maxNewTokens?: number | null;

  @Field(() => Int, { nullable: true, description: 'Validation windows scored for perplexity and token accuracy. Defaults to 8.' })
  maxWindows?: number | null;
}

@ObjectType({ description: 'A metric an evaluation can select' })
export class EvaluationMetric {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;

  @Field(() => Boolean, { description: 'From a module in the plugins folder of the data directory' })
  plugin!: boolean;

  @Field(() => String, { nullable: true })
  file!: string | null;
}

@Resolver(() => Evaluation)
export class EvaluationResolver {
  @Query(() => [EvaluationMetric], { description: 'Built-in metrics and those of metric plugins' })
  evaluationMetrics(@Ctx() ctx: GraphQLContext): Promise<EvaluationMetric[]> {
    return ctx.services.evaluation.availableMetrics();
  }

  @Query(() => EvaluationConnection, { description: 'Evaluations, newest first' })
  evaluations(@Arg('filter', () => EvaluationFilter, { nullable: true }) filter: EvaluationFilter | null, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<Evaluation>> {
    return ctx.services.evaluation.list(filter, page);
  }

  @Query(() => Evaluation)
  evaluation(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Evaluation> {
    return ctx.services.evaluation.get(id);
  }

  @Mutation(() => Evaluation, { description: 'Computes the selected metrics of a model version on a dataset version and stores them' })
  evaluate(
    @Arg('modelVersionId', () => ID) modelVersionId: string,
    @Arg('datasetVersionId', () => ID) datasetVersionId: string,
    @Arg('metrics', () => [String]) metrics: string[],
    @Arg('options', () => EvaluateOptionsInput, { nullable: true }) options: EvaluateOptionsInput | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Evaluation> {
    return ctx.services.evaluation.evaluate(ctx.principal, modelVersionId, datasetVersionId, metrics, options ?? {}, ctx.origin);
  }

  @FieldResolver(() => ModelVersion, { nullable: true })
  modelVersion(@Root() evaluation: Evaluation, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return ctx.loaders.modelVersionById.load(evaluation.modelVersionId);
  }
}
