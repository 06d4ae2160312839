/**
 * The test set `npm run mutation` (Stryker) runs against each mutant. By default the fast set: the engine's own
 * logic over the in-memory fakes (test/fakes/in-memory-*.ts) and the unit tests of what it mutates, so a run over
 * the engine's decision code completes in minutes on 2 cores. `PINSYNC_MUTATION_SET=full` (`npm run mutation:full`)
 * uses the tests of everything under core/, the state stores and the Pinterest client instead. Left out of both: the
 * warehouse, emulator and demo tests (they exercise no mutated code), the kill -9 / signal tests whose work happens
 * in child processes, which never see Stryker's active mutant and only make each mutant slower, and the tests that
 * set process.umask() (Stryker's vitest runner uses worker threads, where it cannot be set). `npm test` still runs
 * everything.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

// PINSYNC_MUTATION_TESTS=glob,glob narrows the set further for a quick run on a few files.
const only = process.env.PINSYNC_MUTATION_TESTS?.split(',').filter((g) => g.trim() !== '');

const FAST = [
  'test/sync/run-sync-in-memory.test.ts',
  'test/sync/guardrails.test.ts',
  'test/sync/batching.test.ts',
  'test/sync/batch-size-probe-in-flight.test.ts',
  'test/sync/batch-size-out-of-order.test.ts',
  'test/state/in-memory-*.test.ts',
];

const FULL = [
  'test/sync/**/*.test.ts',
  'test/state/**/*.test.ts',
  'test/pinterest-client/**/*.test.ts',
  'test/pacing/**/*.test.ts',
  'test/oauth/**/*.test.ts',
  'test/normalize/**/*.test.ts',
  'test/config/**/*.test.ts',
  'test/cli/exit-codes.test.ts',
  'test/cli/usage-errors.test.ts',
  'test/cli-output/**/*.test.ts',
  'test/contract/client-contract.test.ts',
];

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: only ?? (process.env.PINSYNC_MUTATION_SET === 'full' ? FULL : FAST),
    exclude: [
      'test/sync/crash-recovery.test.ts',
      'test/sync/signals.test.ts',
      'test/sync/stale-lock-in-containers.test.ts',
      'test/sync/killed-run-history.test.ts',
      'test/sync/cross-warehouse.test.ts',
      'test/state/state-file-permissions.test.ts',
    ],
  },
});
