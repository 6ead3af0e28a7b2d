import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A device libtorch can run on' })
export class DeviceInfo {
  @Field(() => String, { description: '"cpu" or "cuda"' })
  type!: string;

  @Field(() => Int)
  index!: number;

  @Field(() => String)
  name!: string;

  @Field(() => Number, { description: 'Total device memory in bytes; 0 for the CPU' })
  totalMemoryBytes!: number;
}

@ObjectType({ description: 'The native libtorch addon as loaded by this server' })
export class NativeStatus {
  @Field(() => Boolean)
  loaded!: boolean;

  @Field(() => String, { nullable: true })
  libtorchVersion!: string | null;

  @Field(() => Boolean)
  cudaAvailable!: boolean;

  @Field(() => [DeviceInfo])
  devices!: DeviceInfo[];

  @Field(() => String, { nullable: true, description: 'Why the addon did not load, when it did not' })
  error!: string | null;
}

@ObjectType({ description: 'Health and versions of this EGen server' })
export class ServerHealth {
  @Field(() => String, { description: '"ok" when the database and native addon are ready, else "degraded"' })
  status!: string;

  @Field(() => String)
  version!: string;

  @Field(() => String)
  nodeVersion!: string;

  @Field(() => String, { description: '"sqlite" or "postgres"' })
  databaseEngine!: string;

  @Field(() => Boolean)
  databaseReachable!: boolean;

  @Field(() => NativeStatus)
  native!: NativeStatus;

  @Field(() => String, { description: 'Stable id of this installation, created on first start' })
  instanceId!: string;

  @Field(() => Number, { description: 'Seconds since the server started' })
  uptimeSeconds!: number;
}

@ObjectType({ description: 'A periodic tick proving the live (WebSocket) link works' })
export class Heartbeat {
  @Field(() => String)
  serverTime!: string;

  @Field(() => Int)
  sequence!: number;
}
