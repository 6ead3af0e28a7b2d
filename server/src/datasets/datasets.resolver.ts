import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../auth/auth.types.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { type Connection, PageArgs } from '../graphql/connection.ts';
import type { PreviewRecord } from './record-pages.ts';
import { CreateDatasetInput, DatasetConnection, DatasetFilter, DatasetOrder, DatasetRecordConnection, DatasetRecordSourceValue, DatasetType, DatasetVersionType, PipelinePluginsType, RunPipelineInput } from './datasets.types.ts';

@Resolver(() => DatasetType)
export class DatasetsResolver {
  @Query(() => DatasetConnection, { description: 'Datasets, oldest first unless orderBy says otherwise' })
  datasets(
    @Arg('filter', () => DatasetFilter, { nullable: true }) filter: DatasetFilter | null,
    @Arg('orderBy', () => DatasetOrder, { nullable: true }) orderBy: DatasetOrder | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<DatasetType>> {
    return ctx.services.datasets.listDatasets(filter, orderBy, page);
  }

  @Query(() => DatasetType, { nullable: true })
  dataset(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DatasetType | null> {
    return ctx.services.datasets.getDataset(id);
  }

  @Query(() => DatasetVersionType, { nullable: true })
  datasetVersion(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<DatasetVersionType | null> {
    return ctx.services.datasets.getVersion(id);
  }

  @Query(() => DatasetRecordConnection, { description: 'Records of a dataset version in file order, read from the stored data a page at a time (first: 1 to 100)' })
  datasetRecords(
    @Arg('versionId', () => ID) versionId: string,
    @Arg('source', () => DatasetRecordSourceValue, { nullable: true, description: 'Defaults to PROCESSED' }) source: DatasetRecordSourceValue | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<PreviewRecord>> {
    return ctx.services.datasets.listRecords(versionId, source ?? DatasetRecordSourceValue.PROCESSED, page);
  }

  @Query(() => PipelinePluginsType, { description: 'Pipeline steps found in <dataDir>/plugins' })
  async pipelinePlugins(@Ctx() ctx: GraphQLContext): Promise<PipelinePluginsType> {
    const { plugins, problems } = await ctx.services.datasets.listPlugins();
    return { plugins: plugins.map((p) => ({ name: p.name, description: p.description, file: p.file })), problems };
  }

  @Mutation(() => DatasetType, { description: "Turns your upload (POST /api/uploads; an admin may use anyone's) into a dataset you own, with a validated, tokenized version 1" })
  createDataset(@Arg('input', () => CreateDatasetInput) input: CreateDatasetInput, @Ctx() ctx: GraphQLContext): Promise<DatasetType> {
    return ctx.services.datasets.createDataset(ctx.principal, input, ctx.origin);
  }

  @Mutation(() => DatasetVersionType, { description: 'Runs a preprocessing pipeline on a version, creating a new version (owner of the dataset or admin)' })
  runDatasetPipeline(@Arg('input', () => RunPipelineInput) input: RunPipelineInput, @Ctx() ctx: GraphQLContext): Promise<DatasetVersionType> {
    return ctx.services.datasets.runPipeline(ctx.principal, input, ctx.origin);
  }

  @Mutation(() => Boolean, { description: 'Deletes a dataset, its versions and blobs no other version uses (owner or admin)' })
  deleteDataset(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.datasets.deleteDataset(ctx.principal, id, ctx.origin);
  }

  @FieldResolver(() => User, { nullable: true, description: 'The owner: they and admins may change it; null for datasets from before owners were recorded (admins only)' })
  owner(@Root() dataset: DatasetType, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    return dataset.ownerId ? ctx.loaders.userById.load(dataset.ownerId) : Promise.resolve(null);
  }
}
