import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../graphql/connection.ts';
import { MetricPoint, RunLogLine, RunStatus, TrainingRun } from './training.entity.ts';

// Other domains name these GraphQL types through this module, not the entity file.
export { RunStatus, TrainingRun };

export const TrainingRunConnection = ConnectionType('TrainingRun', TrainingRun);
export const RunLogConnection = ConnectionType('RunLogLine', RunLogLine);

@ObjectType({ description: 'New metric points of a run, in step order' })
export class MetricBatch {
  @Field(() => ID)
  runId!: string;

  @Field(() => [MetricPoint])
  points!: MetricPoint[];

  @Field(() => Int, { description: 'Batches dropped so far because this subscriber fell behind (its buffer keeps the latest)' })
  dropped!: number;
}
