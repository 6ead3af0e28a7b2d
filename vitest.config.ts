import { defineConfig } from 'vitest/config';

// One suite for the whole project. Tests that start servers or build things are slow on the
// 2-core CI machine, so timeouts are generous and files run in a small pool.
export default defineConfig({
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
