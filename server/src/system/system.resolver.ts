import { Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context.ts';
import { Heartbeat, ServerHealth } from './system.types.ts';

export const HEARTBEAT_TOPIC = 'system.heartbeat';

@Resolver()
export class SystemResolver {
  @Query(() => ServerHealth, { description: 'Health and versions of the server, database and native addon' })
  health(@Ctx() ctx: GraphQLContext): Promise<ServerHealth> {
    return ctx.services.system.health();
  }

  @Subscription(() => Heartbeat, { topics: HEARTBEAT_TOPIC, description: 'A tick every few seconds while connected' })
  heartbeat(@Root() tick: Heartbeat): Heartbeat {
    return tick;
  }
}
