import { Field, Float, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../graphql/connection.ts';
import { Model, ModelVersion } from './model.entity.ts';

// Other domains name these GraphQL types (and read them from ModelsService) through this module, not the entity file.
export { Model, ModelVersion };

export const ModelConnection = ConnectionType('Model', Model);
export const ModelVersionConnection = ConnectionType('ModelVersion', ModelVersion);

@ObjectType({ description: 'A named starting architecture' })
export class ModelPreset {
  @Field(() => String)
  name!: string;

  @Field(() => Int)
  vocabSize!: number;

  @Field(() => Int)
  contextLength!: number;

  @Field(() => Int)
  layers!: number;

  @Field(() => Int)
  heads!: number;

  @Field(() => Int)
  embeddingWidth!: number;

  @Field(() => Float)
  dropout!: number;

  @Field(() => Boolean)
  bias!: boolean;

  @Field(() => Float)
  parameterCount!: number;
}
