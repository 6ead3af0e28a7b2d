// The pub/sub topics of training and what each carries; the runner and the relay publish, the
// resolver subscribes. Each topic is keyed by the run id.
import type { MetricPoint } from './training.entity.ts';

/** A TrainingRun row as just written. */
export const RUN_UPDATED_TOPIC = 'training.runUpdated';
/** A MetricBatchPayload. */
export const RUN_METRICS_TOPIC = 'training.runMetrics';
/** A RunLogLine. */
export const RUN_LOG_TOPIC = 'training.runLog';

/** What runMetrics subscribers receive: the new points of a run, in step order. */
export interface MetricBatchPayload {
  runId: string;
  points: MetricPoint[];
  /** Messages this subscriber's full buffer dropped so far (set per subscriber by the pub/sub). */
  dropped: number;
}
