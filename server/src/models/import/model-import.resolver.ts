// importModel: a Hugging Face GPT-2 folder in, a Model with version 1 out (ModelImportService).
import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context.ts';
import { Job } from '../../jobs/jobs.service.ts';
import { ImportModelInput } from './model-import.inputs.ts';

@Resolver()
export class ModelImportResolver {
  @Mutation(() => Job, { description: "Imports a Hugging Face GPT-2 checkpoint (an uploaded archive, or a server path for ADMINs) as a new model with version 1, as a 'model.import' job; its result is the Model" })
  importModel(@Arg('input', () => ImportModelInput) input: ImportModelInput, @Ctx() ctx: GraphQLContext): Promise<Job> {
    return ctx.services.modelImport.startImport(ctx.principal, input, ctx.origin);
  }
}
