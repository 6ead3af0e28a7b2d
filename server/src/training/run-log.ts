// The log of a training run: numbered lines (1, 2, 3, … per run) in the run_log table, written by
// whoever moves the run along (the runner holding it, the service for a queued run) and
// published to runLogAdded subscribers by the process that trains it. Lines of runs trained
// elsewhere reach subscribers through the RemoteRunRelay, which reads them by sequence.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PubSub } from 'type-graphql';
import { isUniqueViolation } from '../db/unique-violation.ts';
import { RunLogLevel, RunLogLine } from './training.entity.ts';
import { RUN_LOG_TOPIC } from './training.topics.ts';

/** Longest message kept; a longer one (a native error with a long path list) is cut. */
export const MAX_LOG_MESSAGE_CHARS = 4000;

/** Tries at a sequence number when another writer takes the same one first. */
const SEQUENCE_ATTEMPTS = 10;

export class RunLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pubSub: PubSub | null = null,
  ) {}

  /** Appends a line with the next sequence number of the run; publishes it when `publish`. */
  async append(runId: string, level: RunLogLevel, message: string, publish: boolean): Promise<RunLogLine> {
    const repo = this.dataSource.getRepository(RunLogLine);
    const text = message.length > MAX_LOG_MESSAGE_CHARS ? `${message.slice(0, MAX_LOG_MESSAGE_CHARS - 1)}…` : message;
    for (let attempt = 1; ; attempt++) {
      const last = await repo.createQueryBuilder('l').select('MAX(l.sequence)', 'last').where('l.run_id = :runId', { runId }).getRawOne<{ last: number | string | null }>();
      const line: RunLogLine = { id: randomUUID(), runId, sequence: Number(last?.last ?? 0) + 1, time: new Date(), level, message: text };
      try {
        await repo.insert(line);
        if (publish) this.pubSub?.publish(RUN_LOG_TOPIC, runId, line);
        return line;
      } catch (error) {
        // The unique (run, sequence) index refused a number another writer took meanwhile.
        if (attempt >= SEQUENCE_ATTEMPTS || !isUniqueViolation(error)) throw error;
      }
    }
  }
}

/** A number for a log line: 3 significant digits, or exponent notation for tiny and huge values. */
export function num(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) < 1e-4 || Math.abs(value) >= 1e6)) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

/** Whole numbers with thousands separators: 1,234,567. */
export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
