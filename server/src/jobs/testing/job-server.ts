// A server process for the job durability test: what main.ts starts, plus a test-only job kind
// (a real process, so that SIGKILL kills it mid-job).
import { loadConfig } from '../../config/config.ts';
import { startServer } from '../../server.ts';
import { fileStepsKind } from './test-kinds.ts';

const server = await startServer(loadConfig(process.argv.slice(2)), { runTraining: false, printInitialPassword: () => undefined, registerJobKinds: (jobs) => jobs.register(fileStepsKind()) });
const shutdown = (): void => {
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
