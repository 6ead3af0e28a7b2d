// Runs once per `vitest run`: starts the PostgreSQL server the database tests use (unless
// EGEN_TEST_DATABASE_URL points at one) and hands its URL to the tests via inject().
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const external = process.env.EGEN_TEST_DATABASE_URL;
  if (external) {
    project.provide('postgresAdminUrl', external);
    return () => undefined;
  }
  const server = await startPostgres();
  project.provide('postgresAdminUrl', server.adminUrl);
  return () => server.stop();
}
