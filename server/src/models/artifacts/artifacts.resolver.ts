// Artifacts over GraphQL: thin; rules in security/access-rules.ts, logic in ArtifactsService.
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.ts';
import { Job } from '../../jobs/jobs.types.ts';
import { ExportFormat } from '../export/export-format.ts';
import { ModelVersion } from '../models.types.ts';
import { ArtifactParity, ArtifactStatus, ModelArtifact } from './artifact.entity.ts';
import { ExportOptionsInput } from './artifacts.inputs.ts';
import { artifactDownloadPath } from './artifacts.http.ts';

@Resolver(() => ModelArtifact)
export class ModelArtifactResolver {
  @Query(() => [ModelArtifact], { description: 'Artifacts of a model version, newest first' })
  modelArtifacts(@Arg('versionId', () => ID) versionId: string, @Ctx() ctx: GraphQLContext): Promise<ModelArtifact[]> {
    return ctx.services.artifacts.list(versionId);
  }

  @Query(() => ModelArtifact)
  modelArtifact(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<ModelArtifact> {
    return ctx.services.artifacts.get(id);
  }

  @Mutation(() => Job, { description: 'Starts exporting a model version (a model.export job); follow it with the jobs subscription. Its result is the ModelArtifact.' })
  exportModelVersion(
    @Arg('versionId', () => ID) versionId: string,
    @Arg('format', () => ExportFormat) format: ExportFormat,
    @Arg('options', () => ExportOptionsInput, { nullable: true }) options: ExportOptionsInput | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Job> {
    return ctx.services.artifacts.startExport(ctx.principal, versionId, format, options);
  }

  @Mutation(() => Boolean, { description: 'Deletes an artifact and its files (the model’s owner, the artifact’s creator or an admin)' })
  deleteModelArtifact(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return ctx.services.artifacts.delete(ctx.principal, id, ctx.origin);
  }

  @FieldResolver(() => ArtifactStatus)
  status(@Root() artifact: ModelArtifact, @Ctx() ctx: GraphQLContext): ArtifactStatus {
    return ctx.services.artifacts.status(artifact);
  }

  @FieldResolver(() => ArtifactParity)
  parity(@Root() artifact: ModelArtifact): ArtifactParity {
    return artifact.manifest.parity;
  }

  @FieldResolver(() => String, { description: 'EGen version that wrote it' })
  egenVersion(@Root() artifact: ModelArtifact): string {
    return artifact.manifest.egenVersion;
  }

  @FieldResolver(() => String, { description: 'Where to GET it as an archive: add ?archive=zip or ?archive=tar.gz (same credentials as the API)' })
  downloadPath(@Root() artifact: ModelArtifact): string {
    return artifactDownloadPath(artifact.id);
  }

  @FieldResolver(() => ModelVersion, { nullable: true })
  version(@Root() artifact: ModelArtifact, @Ctx() ctx: GraphQLContext): Promise<ModelVersion | null> {
    return ctx.loaders.modelVersionById.load(artifact.versionId);
  }
}

@Resolver(() => ModelVersion)
export class ModelVersionArtifactsResolver {
  @FieldResolver(() => [ModelArtifact], { description: 'Exports of this version, newest first' })
  artifacts(@Root() version: ModelVersion, @Ctx() ctx: GraphQLContext): Promise<ModelArtifact[]> {
    return ctx.services.artifacts.list(version.id);
  }
}
