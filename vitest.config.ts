import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const require = createRequire(import.meta.url);

// Every test file of the project.
const ALL_TESTS = ['server/**/*.test.ts', 'native/test/**/*.test.ts', 'scripts/**/*.test.ts', 'client/src/**/*.test.{ts,tsx}'];

// Suites that take minutes or a real outside program; `npx vitest run --project unit` leaves them out.
const SLOW_TESTS = [
  // a real Chromium
  'server/test/client-*.test.ts',
  // kill -9 the server mid-run, then restart it
  'server/src/training/durability.test.ts',
  'server/src/jobs/durability.test.ts',
  // a benchmark as a test: a 1 GB upload under a memory ceiling
  'server/src/datasets/uploads.memory.test.ts',
  // native training, alone or behind the API and its workers
  'native/test/{train,lora,generate,classification}.test.ts',
  'server/src/training/{training.api,claims,classification.e2e}.test.ts',
  // numbers checked against PyTorch or Python references
  'native/test/reference.test.ts',
  'server/src/{datasets/python-reference,evaluation/text-metrics}.test.ts',
  // exports loaded by the real other side (transformers)
  'server/src/models/export/*.test.ts',
  // exports run as jobs: native training fixtures, parity, archives, a server killed mid-export
  'server/src/models/artifacts/*.test.ts',
  // imports written by transformers, logits compared with transformers'
  'server/src/models/import/model-import.test.ts',
  // ./start.sh as a user runs it
  'server/test/launcher.test.ts',
];

// Whole-repository checks: type check, ESLint and Prettier, dependency rules.
const CHECK_TESTS = ['scripts/{typecheck,lint,dependency-rules}.test.ts'];

// Files that import server/test/databases.ts run their tests once per engine in ENGINES: on SQLite
// in unit, on PostgreSQL in the postgres project, on both in slow (EGEN_TEST_ENGINES narrows them).
// Their few engine-independent tests run in unit and in postgres.
const DATABASE_TESTS = (readdirSync(join(import.meta.dirname, 'server/src'), { recursive: true, encoding: 'utf8' }) as string[])
  .map((file) => join('server/src', file))
  .filter((file) => file.endsWith('.test.ts') && readFileSync(join(import.meta.dirname, file), 'utf8').includes('test/databases.ts'));

// What every project shares. The global setup (PostgreSQL for the database tests) is the root's and
// runs once per `vitest run`, whichever projects run.
const shared = {
  resolve: {
    // graphql ships CommonJS (main) and ESM (module) builds. Node, and so the server under tsx,
    // loads the CommonJS one, as type-graphql does; Vite would pick the ESM one for our sources,
    // and two graphql instances cannot share a schema. Pin the one Node uses.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
} satisfies TestProjectInlineConfiguration;

function project(name: string, test: NonNullable<TestProjectInlineConfiguration['test']>): TestProjectInlineConfiguration {
  return { ...shared, test: { ...shared.test, name, ...test } };
}

// Tests that start servers or build things are slow on the 2-core CI machine, so timeouts are
// generous and files run in a small pool. `npx vitest run` (and ./start.sh test) runs every project.
export default defineConfig({
  test: {
    globalSetup: ['server/test/global-setup.ts'],
    maxWorkers: 2,
    reporters: ['default'],
    projects: [
      project('unit', { include: ALL_TESTS, exclude: [...configDefaults.exclude, ...SLOW_TESTS, ...CHECK_TESTS], env: { EGEN_TEST_ENGINES: 'sqlite' } }),
      project('postgres', { include: DATABASE_TESTS, exclude: [...configDefaults.exclude, ...SLOW_TESTS], env: { EGEN_TEST_ENGINES: 'postgres' } }),
      project('slow', { include: SLOW_TESTS }),
      project('checks', { include: CHECK_TESTS }),
    ],
  },
});
