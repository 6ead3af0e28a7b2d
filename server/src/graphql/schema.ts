// Builds the executable schema from every resolver. schema/schema.graphql is printed from here.
import 'reflect-metadata';
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { DatasetsResolver } from '../datasets/datasets.resolver.ts';
import { SystemResolver } from '../system/system.resolver.ts';

/** Every resolver class of the server; a new domain adds its resolvers here. */
export const RESOLVERS = [SystemResolver, DatasetsResolver] as const;

export function buildEgenSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({ resolvers: RESOLVERS, pubSub, validate: false });
}

/** The schema as checked in at schema/schema.graphql (sorted, so diffs stay readable). */
export function printEgenSchema(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
