import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// graphql ships CJS (main) and ESM (module) builds; Node loads the CJS one for type-graphql and
// Apollo, so the tests must too, or schema objects fail graphql's instanceof checks.
const graphqlCjs = createRequire(import.meta.url).resolve('graphql');

// One suite for the whole project. Tests that start servers or build things are slow on the
// 2-core CI machine, so timeouts are generous and files run in a small pool.
export default defineConfig({
  resolve: {
    alias: [{ find: /^graphql$/, replacement: graphqlCjs }],
  },
  test: {
    include: ['server/**/*.test.ts', 'native/test/**/*.test.ts', 'scripts/**/*.test.ts', 'client/src/**/*.test.{ts,tsx}'],
    globalSetup: ['server/test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
