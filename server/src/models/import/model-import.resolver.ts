// importModel: a Hugging Face GPT-2 folder in, a Model with version 1 out (ModelImportService).
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.ts';
import { ImportedModelResult, ImportModelInput } from './model-import.inputs.ts';

@Resolver()
export class ModelImportResolver {
  @Mutation(() => ImportedModelResult, { description: 'Imports a Hugging Face GPT-2 checkpoint (uploaded archive, or a server path for ADMINs) as a new model with version 1' })
  importModel(@Arg('input', () => ImportModelInput) input: ImportModelInput, @Ctx() ctx: GraphQLContext): Promise<ImportedModelResult> {
    return ctx.services.modelImport.importModel(ctx.principal, input, ctx.origin);
  }
}
