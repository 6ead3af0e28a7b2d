// Starts and stops a whole EGen server from a validated config. main.ts (the process) and the
// tests both use this, so what the tests exercise is what runs.
import { rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { GraphQLSchema } from 'graphql';
import type { DataSource } from 'typeorm';
import type { ServerConfig } from './config/config.ts';
import { openDatabase } from './db/data-source.ts';
import { buildEgenSchema } from './graphql/schema.ts';
import type { Services } from './graphql/context.ts';
import { DatasetsService } from './datasets/datasets.service.ts';
import { seedSampleDatasets } from './datasets/samples.ts';
import { createApp, GRAPHQL_PATH } from './http/app.ts';
import { uploadRoute } from './datasets/uploads.http.ts';
import { createLogger, type Logger } from './logging/logger.ts';
import { InProcessPubSub } from './pubsub/pubsub.ts';
import { HEARTBEAT_TOPIC } from './system/system.resolver.ts';
import { EGEN_VERSION, nativeStatus, SystemService } from './system/system.service.ts';
import { UserAdminService } from './admin/user-admin.service.ts';
import { AuditService } from './audit/audit.service.ts';
import { ensureInitialAdmin, firstAdminId } from './admin/admin-bootstrap.ts';
import { loadOrCreateJwtSecret } from './auth/auth-secret.ts';
import { AuthService } from './auth/auth.service.ts';
import { ModelsService } from './models/models.service.ts';
import { ModelImportService } from './models/import/model-import.service.ts';
import { VersioningService } from './models/versioning.service.ts';
import { TrainingRunner } from './training/training.runner.ts';
import { RemoteRunRelay } from './training/remote-run-relay.ts';
import { TrainingService } from './training/training.service.ts';
import { EvaluationService } from './evaluation/evaluation.service.ts';
import { JobsService } from './jobs/jobs.service.ts';
import { ArtifactsService } from './models/artifacts/artifacts.service.ts';
import { artifactDownloadRoute } from './models/artifacts/artifacts.http.ts';

export class PortInUseError extends Error {
  constructor(readonly port: number) {
    super(`port ${port} is already in use; stop what uses it, choose another with --port N (or EGEN_PORT), or start with --force to take the next free port`);
    this.name = 'PortInUseError';
  }
}

/** What the launcher reads to find a running server. */
export interface PidFileContents {
  pid: number;
  port: number;
  host: string;
  version: string;
  startedAt: string;
}

export function pidFilePath(dataDir: string): string {
  return join(dataDir, 'egen.pid');
}

export interface RunningServer {
  config: ServerConfig;
  logger: Logger;
  dataSource: DataSource;
  port: number;
  urls: { ui: string; graphql: string; ws: string };
  /** The services and executable schema (benchmarks compare a bare GraphQL server with the same ones). */
  services: Services;
  schema: GraphQLSchema;
  /** The in-process pub/sub (subscriber counts for tests and monitoring). */
  pubSub: InProcessPubSub;
  /** The training runner of this process, if it trains. */
  runner: TrainingRunner | null;
  /** Publishes live updates of runs other processes train. */
  relay: RemoteRunRelay;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Write <dataDir>/egen.pid for the launcher. Defaults to false. */
  writePidFile?: boolean;
  logger?: Logger;
  /** Period of the heartbeat subscription. Defaults to 5000 ms. */
  heartbeatIntervalMs?: number;
  /** Register the sample datasets (datasets/), owned by the first admin, when the datasets table is empty. Defaults to false. */
  seedSampleDatasets?: boolean;
  /** Where the generated first-admin password is shown. Defaults to stdout. */
  printInitialPassword?: (text: string) => void;
  /** Claim and train queued runs in this process. Defaults to true. */
  runTraining?: boolean;
  /** How often live updates of runs trained by other processes are read. Defaults to 250 ms. */
  relayIntervalMs?: number;
  /** Claim and run queued background jobs in this process. Defaults to true. */
  runJobs?: boolean;
  /** Called with the job service before it starts, to register job kinds (tests register their own). */
  registerJobKinds?: (jobs: JobsService) => void;
}

export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true });
  const logger = options.logger ?? createLogger(config);
  const { dataSource, applied } = await openDatabase(config.database);
  if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');

  try {
    const system = new SystemService(dataSource, config.database.engine);
    await system.ensureInstanceId();
    const audit = new AuditService(dataSource);
    const auth = new AuthService(dataSource, audit, loadOrCreateJwtSecret(config.dataDir, config.jwtSecret), config.auth);
    const users = new UserAdminService(dataSource, audit, auth);
    const models = new ModelsService(dataSource, audit);
    await ensureInitialAdmin(dataSource, users, config.dataDir, config.initialAdmin ?? {}, logger, options.printInitialPassword);
    const datasets = new DatasetsService(dataSource, audit, { dataDir: config.dataDir, logger, modelTokenizers: models, ...(config.maxUploadBytes ? { maxUploadBytes: config.maxUploadBytes } : {}) });
    const staleUploads = await datasets.removeStaleUploads();
    if (staleUploads) logger.info({ removed: staleUploads }, 'removed unfinished uploads');
    if (options.seedSampleDatasets) await seedSampleDatasets(datasets, logger, await firstAdminId(dataSource));
    const training = new TrainingService(dataSource, audit, models, datasets);
    const evaluation = new EvaluationService(dataSource, audit, models, datasets, config.dataDir, config.training?.threads ?? null);
    const versioning = new VersioningService(dataSource, audit, models, training, datasets, evaluation);
    const pubSub = new InProcessPubSub();
    const jobs = new JobsService(dataSource, { dataDir: config.dataDir, logger, pubSub, ...config.jobs });
    const artifacts = new ArtifactsService(dataSource, audit, models, datasets, jobs, { dataDir: config.dataDir, threads: config.training?.threads ?? null });
    options.registerJobKinds?.(jobs);
    const modelImport = new ModelImportService(models, datasets, users, jobs, { dataDir: config.dataDir });
    const services: Services = { dataSource, system, audit, auth, users, models, modelImport, datasets, training, evaluation, jobs, versioning, artifacts };
    const runner = options.runTraining === false ? null : new TrainingRunner(dataSource, { dataDir: config.dataDir, logger, pubSub, models, users, datasets, ...config.training });
    const schema = await buildEgenSchema(pubSub);

    const devClient = config.devMode ? (await import('./http/dev-client.ts')).createDevClient() : null;
    const app = await createApp({
      schema,
      services,
      logger,
      restRoutes: [uploadRoute, artifactDownloadRoute],
      ...(devClient ? { clientHandler: devClient.handle, onOtherUpgrade: devClient.isOwnUpgrade } : {}),
    });
    devClient?.attach(app.httpServer);

    await new Promise<void>((resolve, reject) => {
      app.httpServer.once('error', (error: NodeJS.ErrnoException) => reject(error.code === 'EADDRINUSE' ? new PortInUseError(config.port) : error));
      app.httpServer.listen(config.port, config.host, () => resolve());
    });
    const address = app.httpServer.address();
    const port = typeof address === 'object' && address ? address.port : config.port;

    let sequence = 0;
    // Token housekeeping at start and then daily.
    const prune = (): void => void auth.pruneExpired().catch((error: Error) => logger.warn({ err: error }, 'pruning expired tokens failed'));
    prune();
    const pruning = setInterval(prune, 24 * 3600 * 1000);
    pruning.unref();

    const heartbeat = setInterval(() => pubSub.publish(HEARTBEAT_TOPIC, { serverTime: new Date().toISOString(), sequence: ++sequence }), options.heartbeatIntervalMs ?? 5000);
    heartbeat.unref();
    if (runner) {
      training.attachRunner(runner);
      runner.start();
    }
    // Recovers jobs a crash interrupted (FAILED, or requeued where safe), then runs queued ones.
    if (options.runJobs !== false) await jobs.start();
    // Runs trained by other processes (egen worker) still reach this server's subscribers.
    const relay = new RemoteRunRelay({ dataSource, pubSub, logger, isLocal: (id) => runner?.hasTrained(id) ?? false, ...(options.relayIntervalMs ? { intervalMs: options.relayIntervalMs } : {}) });
    relay.start();

    const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    const urls = { ui: `http://${shownHost}:${port}/`, graphql: `http://${shownHost}:${port}${GRAPHQL_PATH}`, ws: `ws://${shownHost}:${port}${GRAPHQL_PATH}` };
    const pidFile = pidFilePath(config.dataDir);
    if (options.writePidFile) {
      const contents: PidFileContents = { pid: process.pid, port, host: config.host, version: EGEN_VERSION, startedAt: new Date().toISOString() };
      writeFileSync(pidFile, JSON.stringify(contents) + '\n');
    }
    const native = nativeStatus();
    logger.info({ urls, database: config.database.engine, libtorch: native.libtorchVersion, nativeError: native.error }, 'EGen server listening');

    let stopping: Promise<void> | null = null;
    return {
      config,
      logger,
      dataSource,
      port,
      urls,
      runner,
      relay,
      pubSub,
      services,
      schema,
      stop() {
        stopping ??= (async () => {
          clearInterval(heartbeat);
          clearInterval(pruning);
          relay.stop();
          // Active runs stop with a final checkpoint and return to the queue.
          await runner?.stop();
          // Running jobs are aborted and end as interrupted (no partial output left).
          await jobs.stop();
          await app.close();
          await devClient?.close();
          await dataSource.destroy();
          if (options.writePidFile) rmSync(pidFile, { force: true });
          logger.info('EGen server stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
}
