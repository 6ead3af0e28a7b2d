// Models and model versions. Relations go through per-request DataLoaders (no N+1).
import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { User } from '../auth/auth.types.ts';
import type { GraphQLContext } from '../graphql/context.ts';
import { type Connection, PageArgs } from '../graphql/connection.ts';
import { PRESET_NAMES, PRESETS, parameterCount } from './model-architecture.ts';
import { Model, ModelArchitecture, ModelVersion } from './model.entity.ts';
import { CreateModelInput, CreateModelVersionInput, ModelFilter, ModelOrder, ModelVersionFilter, ModelVersionsArgs, UpdateModelInput } from './models.inputs.ts';
import { architectureOf } from './models.service.ts';
import { ModelConnection, ModelPreset, ModelVersionConnection } from './models.types.ts';
import { ModelVersionComparison, ModelVersionLineage, ModelVersionTag } from './versioning.types.ts';

@Resolver(() => Model)
export class ModelResolver {
  @Query(() => ModelConnection, { description: 'Models, newest first unless ordered otherwise' })
  models(
    @Arg('filter', () => ModelFilter, { nullable: true }) filter: ModelFilter | null,
    @Arg('orderBy', () => ModelOrder, { nullable: true }) orderBy: ModelOrder | null,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<Model>> {
    return ctx.services.models.list(filter, orderBy, page);
  }

  @Query(() => Model)
  model(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Model> {
    return ctx.services.models.get(id);
  }

  @Query(() => [ModelPreset], { description: 'The presets createModel accepts' })
  modelPresets(): ModelPreset[] {
    return PRESET_NAMES.map((name) => ({ name, ...PRESETS[name], parameterCount: parameterCount(PRESETS[name]) }));
  }

  @Mutation(() => Model, { description: 'Creates a model from a preset and/or a custom architecture' })
  createModel(@Arg('input', () => CreateModelInput) input: CreateModelInput, @Ctx() ctx: GraphQLContext): Promise<Model> {
    return ctx.services.models.create(ctx.principal, input, ctx.origin);
  }

  @Mutation(() => Model)
  updateModel(@Arg('id', () => ID) id: string, @Arg('input', () => UpdateModelInput) input: UpdateModelInput, @Ctx() ctx: GraphQLContext): Promise<Model> {
    return ctx.services.models.update(ctx.principal, id, input, ctx.origin);
  }

  @Mutation(() => Boolean, { description: 'Deletes a model and its versions' })
  deleteModel(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.models.delete(ctx.principal, id, ctx.origin);
  }

  @FieldResolver(() => ModelArchitecture)
  architecture(@Root() model: Model): ModelArchitecture {
    return architectureOf(model);
  }

  @FieldResolver(() => User, { nullable: true })
  owner(@Root() model: Model, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    return ctx.loaders.userById.load(model.ownerId);
  }

  @FieldResolver(() => ModelVersion, { nullable: true, description: 'The highest version' })
  latestVersion(@Root() model: Model, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return ctx.loaders.latestVersionByModelId.load(model.id);
  }

  @FieldResolver(() => ModelVersionConnection, { description: 'Versions, highest first' })
  versions(@Root() model: Model, @Args(() => ModelVersionsArgs) page: ModelVersionsArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<ModelVersion>> {
    return ctx.services.models.listVersions(model.id, page);
  }
}

@Resolver(() => ModelVersion)
export class ModelVersionResolver {
  @Query(() => ModelVersionConnection, { description: 'Versions across models, newest first, e.g. those a run or a dataset version produced' })
  modelVersions(@Arg('filter', () => ModelVersionFilter, { nullable: true }) filter: ModelVersionFilter | null, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<ModelVersion>> {
    return ctx.services.models.searchVersions(filter, page);
  }

  @Query(() => ModelVersion)
  modelVersion(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersion> {
    return ctx.services.models.getVersion(id);
  }

  @Mutation(() => ModelVersion, { description: 'Registers weights (a checkpoint) as the next version of a model' })
  createModelVersion(@Arg('input', () => CreateModelVersionInput) input: CreateModelVersionInput, @Ctx() ctx: GraphQLContext): Promise<ModelVersion> {
    return ctx.services.models.createVersion(ctx.principal, input, ctx.origin);
  }

  @Query(() => ModelVersion, { nullable: true, description: 'The version of the model carrying the tag (e.g. production); null when none does' })
  modelVersionByTag(@Arg('modelId', () => ID) modelId: string, @Arg('tag', () => String) tag: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return ctx.services.versioning.versionByTag(modelId, tag);
  }

  @Query(() => ModelVersionComparison, { description: "Two versions' architectures, training configs, the settings that differ and their latest evaluation metrics" })
  compareModelVersions(@Arg('a', () => ID) a: string, @Arg('b', () => ID) b: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersionComparison> {
    return ctx.services.versioning.compare(a, b);
  }

  @Mutation(() => ModelVersion, { description: 'Puts a tag (1 to 40 characters of a-z, 0-9, ".", "_", "-") on a version; another version of the model carrying it loses it' })
  tagModelVersion(@Arg('versionId', () => ID) versionId: string, @Arg('tag', () => String) tag: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersion> {
    return ctx.services.versioning.tag(ctx.principal, versionId, tag, ctx.origin);
  }

  @Mutation(() => ModelVersion, { description: 'Takes a tag off a version' })
  untagModelVersion(@Arg('versionId', () => ID) versionId: string, @Arg('tag', () => String) tag: string, @Ctx() ctx: GraphQLContext): Promise<ModelVersion> {
    return ctx.services.versioning.untag(ctx.principal, versionId, tag, ctx.origin);
  }

  @FieldResolver(() => [ModelVersionTag], { description: 'Tags on this version, by name' })
  tags(@Root() version: ModelVersion, @Ctx() ctx: GraphQLContext): Promise<ModelVersionTag[]> {
    return ctx.loaders.tagsByVersionId.load(version.id);
  }

  @FieldResolver(() => ModelVersionLineage, { description: 'Where it came from: parent version, training run and dataset version' })
  lineage(@Root() version: ModelVersion, @Ctx() ctx: GraphQLContext): Promise<ModelVersionLineage> {
    return ctx.services.versioning.lineage(version);
  }

  @FieldResolver(() => Model, { nullable: true })
  model(@Root() version: ModelVersion, @Ctx() ctx: GraphQLContext): Promise<Model | null> {
    return ctx.loaders.modelById.load(version.modelId);
  }

  @FieldResolver(() => ModelVersion, { nullable: true })
  parent(@Root() version: ModelVersion, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return version.parentVersionId ? ctx.loaders.modelVersionById.load(version.parentVersionId) : Promise.resolve(null);
  }

  @FieldResolver(() => User, { nullable: true })
  createdByUser(@Root() version: ModelVersion, @Ctx() ctx: GraphQLContext): Promise<User | null> {
    return ctx.loaders.userById.load(version.createdBy);
  }
}
