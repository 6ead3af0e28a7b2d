import { Field, ID, InputType } from 'type-graphql';

@InputType({ description: 'A Hugging Face GPT-2 folder (config.json, model.safetensors, tokenizer.json or vocab.json + merges.txt) to import as a base model' })
export class ImportModelInput {
  @Field(() => ID, { nullable: true, description: 'An upload (POST /api/uploads) of the folder as a tar, tar.gz or zip archive' })
  uploadId?: string | null;

  @Field(() => String, { nullable: true, description: 'ADMIN only: an absolute path on the server to the folder or to an archive of it' })
  serverPath?: string | null;

  @Field(() => String, { description: '1 to 100 characters; unique among the owner’s models' })
  name!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => [String], { nullable: true, description: 'Special tokens to add to the tokenizer besides <|endoftext|>, <context> and <response> (always added when missing)' })
  specialTokens?: string[] | null;
}
