// The server process: read config, start, write the pid file, stop gracefully on SIGINT/SIGTERM.
// Startup failures print one clear line and exit non-zero.
import { ConfigError, loadConfig } from './config/config.ts';
import { DatabaseUnavailableError } from './db/data-source.ts';
import { PortInUseError, startServer } from './server.ts';

async function main(): Promise<void> {
  const config = loadConfig(process.argv.slice(2));
  const server = await startServer(config, { writePidFile: true, seedSampleDatasets: true });
  let signalled = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (signalled) return;
    signalled = true;
    server.logger.info({ signal }, 'shutting down');
    // A stuck shutdown must not keep the process alive forever.
    setTimeout(() => process.exit(1), 10_000).unref();
    server.stop().then(
      () => process.exit(0),
      (error: Error) => {
        server.logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((error: Error) => {
  const known = error instanceof ConfigError || error instanceof DatabaseUnavailableError || error instanceof PortInUseError;
  process.stderr.write(`egen: ${known ? error.message : `failed to start: ${error.stack ?? error.message}`}\n`);
  process.exit(known ? 2 : 1);
});
