// `egen worker`: claims queued runs from the shared database and trains them, without serving
// HTTP. Several workers (and servers) share one queue; claims are atomic.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { ServerConfig } from '../config/config.ts';
import { UserAdminService } from '../admin/user-admin.service.ts';
import { AuditService } from '../audit/audit.service.ts';
import { AuthService } from '../auth/auth.service.ts';
import { DatasetsService } from '../datasets/datasets.service.ts';
import { openDatabase } from '../db/data-source.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { ModelsService } from '../models/models.service.ts';
import { InProcessPubSub } from '../pubsub/pubsub.ts';
import { TrainingRunner } from './training.runner.ts';

export interface RunningWorker {
  runner: TrainingRunner;
  logger: Logger;
  /** Active runs stop with a final checkpoint and return to the queue; then the database closes. */
  stop(): Promise<void>;
}

export async function startWorker(config: ServerConfig, options: { logger?: Logger; pollIntervalMs?: number } = {}): Promise<RunningWorker> {
  mkdirSync(config.dataDir, { recursive: true });
  const logger = options.logger ?? createLogger(config);
  const { dataSource } = await openDatabase(config.database);
  const audit = new AuditService(dataSource);
  const models = new ModelsService(dataSource, audit);
  // A worker signs no tokens: its AuthService only backs the owner lookup, so a throwaway key does.
  const users = new UserAdminService(dataSource, audit, new AuthService(dataSource, audit, randomBytes(32)));
  const datasets = new DatasetsService(dataSource, audit, { dataDir: config.dataDir, logger });
  // Live updates of a worker's runs reach subscribers of servers only through a shared pub/sub
  // (PostgreSQL LISTEN/NOTIFY, not built yet); the database always has them.
  const runner = new TrainingRunner(dataSource, { dataDir: config.dataDir, logger, pubSub: new InProcessPubSub(), models, users, datasets, ...config.training, ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}) });
  runner.start();
  logger.info({ worker: runner.workerId, database: config.database.engine }, 'EGen training worker started');
  let stopping: Promise<void> | null = null;
  return {
    runner,
    logger,
    stop() {
      stopping ??= (async () => {
        await runner.stop();
        await dataSource.destroy();
        logger.info('EGen training worker stopped');
      })();
      return stopping;
    },
  };
}
