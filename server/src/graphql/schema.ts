// Builds the executable schema from every resolver. schema/schema.graphql is printed from here.
import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { AdminResolver } from '../admin/admin.resolver.ts';
import { ApiKeyResolver, AuthResolver } from '../auth/auth.resolver.ts';
import { DatasetsResolver } from '../datasets/datasets.resolver.ts';
import { ModelResolver, ModelVersionResolver } from '../models/models.resolver.ts';
import { ModelImportResolver } from '../models/import/model-import.resolver.ts';
import { applyAccessRules } from '../security/access-control.ts';
import { ACCESS_RULES } from '../security/access-rules.ts';
import { SystemResolver } from '../system/system.resolver.ts';
import { TrainingRunResolver } from '../training/training.resolver.ts';
import { EvaluationResolver } from '../evaluation/evaluation.resolver.ts';
import { JobsResolver } from '../jobs/jobs.resolver.ts';
import { ModelArtifactResolver, ModelVersionArtifactsResolver } from '../models/artifacts/artifacts.resolver.ts';

/**
 * Every resolver class of the server; a new domain adds its resolvers here and declares the
 * access rule of each new operation in security/access-rules.ts.
 */
export const RESOLVERS = [
  SystemResolver,
  AuthResolver,
  ApiKeyResolver,
  AdminResolver,
  ModelResolver,
  ModelVersionResolver,
  ModelImportResolver,
  DatasetsResolver,
  TrainingRunResolver,
  EvaluationResolver,
  JobsResolver,
  ModelArtifactResolver,
  ModelVersionArtifactsResolver,
] as const;

/** The schema with ACCESS_RULES enforced on every operation and sensitive field. */
export async function buildEgenSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  const schema = await buildSchema({ resolvers: RESOLVERS, pubSub, validate: false });
  return applyAccessRules(schema, ACCESS_RULES);
}

/** The schema as checked in at schema/schema.graphql (sorted, so diffs stay readable). */
export function printEgenSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
