import type { TestProject } from 'vitest/node';
import { startPostgresServer, type PostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's throwaway PostgreSQL (trusted superuser); empty when it could not start. */
    pinsyncPgUrl: string;
    /** Why the PostgreSQL server could not start (missing binaries, …); empty when it runs. */
    pinsyncPgError: string;
  }
}

/** Runs once before the suite: makes sure child processes spawned by tests inherit the safety settings. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
  process.env.PINSYNC_LOG_LEVEL ??= 'silent';

  // One PostgreSQL per run, shared by every test file (each uses its own schema). A URL already in the
  // environment (a developer's own server) is used as is. A failure to start is handed to the Postgres tests,
  // which fail with it, instead of stopping every other test.
  let server: PostgresServer | undefined;
  let pgUrl = process.env.PINSYNC_TEST_PG_URL ?? '';
  let pgError = '';
  if (pgUrl === '') {
    try {
      server = await startPostgresServer();
      pgUrl = server.url;
      process.env.PINSYNC_TEST_PG_URL = pgUrl;
    } catch (err) {
      pgError = err instanceof Error ? err.message : String(err);
      process.stderr.write(`pinsync tests: PostgreSQL is unavailable, the Postgres tests will fail: ${pgError}\n`);
    }
  }
  project.provide('pinsyncPgUrl', pgUrl);
  project.provide('pinsyncPgError', pgError);

  return async () => {
    await server?.stop();
  };
}
