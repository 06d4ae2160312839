import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/loopback-guard.ts'],
    globalSetup: ['test/setup/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: one on a 2-core runner. Most of the suite waits on child
    // processes, the emulator and Postgres rather than computing, so two test files at once halve the wall time
    // (555 s -> 352 s here) without starving either; every timing-sensitive test waits on events, not the clock.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    env: { SNOWFLAKE_DISABLE_PLATFORM_DETECTION: 'true', PINSYNC_LOG_LEVEL: 'silent' },
  },
});
