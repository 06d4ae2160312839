/**
 * Live warehouse tests (test/warehouses/*-live.test.ts) against real BigQuery and Snowflake accounts. They need the
 * network, so they run only through this config, which leaves out the loopback guard; each is skipped unless its
 * credentials are in the environment. Run: `npx vitest run -c vitest.live.config.ts`.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/warehouses/*-live.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: { PINSYNC_LIVE: '1', PINSYNC_LOG_LEVEL: 'silent' },
  },
});
