import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.ts';
import { toGraphQLError } from './datasets.errors.ts';
import { CreateDatasetInput, DatasetType, DatasetVersionType, PipelinePluginsType, RunPipelineInput } from './datasets.types.ts';

async function mapped<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toGraphQLError(error);
  }
}

@Resolver()
export class DatasetsResolver {
  @Query(() => [DatasetType], { description: 'Every dataset, oldest first' })
  datasets(@Ctx() ctx: GraphQLContext): Promise<DatasetType[]> {
    return ctx.services.datasets.listDatasets();
  }

  @Query(() => DatasetType, { nullable: true })
  dataset(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DatasetType | null> {
    return ctx.services.datasets.getDataset(id);
  }

  @Query(() => DatasetVersionType, { nullable: true })
  datasetVersion(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DatasetVersionType | null> {
    return ctx.services.datasets.getVersion(id);
  }

  @Query(() => PipelinePluginsType, { description: 'Pipeline steps found in <dataDir>/plugins' })
  async pipelinePlugins(@Ctx() ctx: GraphQLContext): Promise<PipelinePluginsType> {
    const { plugins, problems } = await ctx.services.datasets.listPlugins();
    return { plugins: plugins.map((p) => ({ name: p.name, description: p.description, file: p.file })), problems };
  }

  @Mutation(() => DatasetType, { description: 'Turns an upload (POST /api/uploads) into a dataset with a validated, tokenized version 1' })
  createDataset(@Arg('input', () => CreateDatasetInput) input: CreateDatasetInput, @Ctx() ctx: GraphQLContext): Promise<DatasetType> {
    return mapped(() => ctx.services.datasets.createDataset(input));
  }

  @Mutation(() => DatasetVersionType, { description: 'Runs a preprocessing pipeline on a version, creating a new version' })
  runDatasetPipeline(@Arg('input', () => RunPipelineInput) input: RunPipelineInput, @Ctx() ctx: GraphQLContext): Promise<DatasetVersionType> {
    return mapped(() => ctx.services.datasets.runPipeline(input));
  }

  @Mutation(() => Boolean, { description: 'Deletes a dataset, its versions and blobs no other version uses' })
  deleteDataset(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return mapped(() => ctx.services.datasets.deleteDataset(id));
  }
}
