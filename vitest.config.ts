import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/loopback-guard.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true', PINSYNC_LOG_LEVEL: 'silent' },
  },
});
