/**
 * The engine's own per-sync lock: two runs of one sync in ONE process, on ONE open state store, so nothing but the
 * lock table can stop the second (no second process, no DuckDB file lock in the way).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config/load-config.js';
import { silentLogger } from '../../core/logger.js';
import { runSync } from '../../core/sync-engine.js';
import { syncJobFromConfig } from '../../core/sync-jobs.js';
import { createPinterestDestination } from '../../connectors/pinterest/create-pinterest-destination.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { createWarehouse } from '../../connectors/warehouses/create-warehouse.js';
import { isListPatch, watchArrivals } from '../helpers/request-arrivals.js';
import { expectedHashes, makePeople, SyncFixture, TOKEN } from '../helpers/sync-fixture.js';

let fx: SyncFixture | undefined;

afterEach(async () => {
  fx?.emulator.faults.clear();
  await fx?.close();
  fx = undefined;
});

describe('two in-process runs of one sync on one state store', () => {
  it('the second fails with PINSYNC_LOCKED and sends nothing; the first completes; the lock is free afterwards', async () => {
    fx = await SyncFixture.create();
    const people = makePeople(1, 300);
    await fx.setPeople(people);
    // one request at a time: while the first PATCH is held, the first run sends nothing else
    await fx.writeConfig({ maxRecords: 50, maxInFlight: 1 });
    const config = await loadConfig(fx.configPath, { PINTEREST_ACCESS_TOKEN: TOKEN });
    const sync = config.syncs[0]!;
    const job = syncJobFromConfig(config, sync);
    const state = await DuckDbStateStore.open(fx.statePath);
    const warehouse = await createWarehouse(sync.warehouse, config.warehouses[sync.warehouse]!);
    const destinations = [0, 1].map(() => createPinterestDestination(config.destinations[sync.destination]!, { state, logger: silentLogger, name: sync.destination, configPath: fx!.configPath }));
    const options = { dryRun: false, fullResync: false, force: false, noPushdown: true };
    try {
      // the first run's first PATCH is held until the second run has ended
      const arrivals = watchArrivals(fx.emulator);
      fx.emulator.faults.latency(1_500, { count: 1, match: { method: 'PATCH' } });
      const first = runSync(job, { warehouse, state, destination: destinations[0] }, options);
      await arrivals.waitFor(isListPatch);
      const requestsBefore = arrivals.arrivals.length;

      const second = await runSync(job, { warehouse, state, destination: destinations[1] }, options);
      expect(second.status).toBe('failed');
      expect(second.exitCode).toBe(1);
      expect(second.error?.code).toBe('PINSYNC_LOCKED');
      expect(second.error?.message).toMatch(/sync people_sync is already running/);
      expect(second.sent).toEqual({ adds: 0, removes: 0, batches: 0 });
      expect(arrivals.arrivals.length).toBe(requestsBefore); // the second run never called Pinterest

      const done = await first;
      expect(done.status, done.error?.message).toBe('succeeded');
      expect(fx.membership()).toEqual(expectedHashes(people));
      expect(fx.emulator.lists()).toHaveLength(1);

      // released: a third run of the same sync on the same store takes the lock
      const third = await runSync(job, { warehouse, state, destination: destinations[1] }, options);
      expect(third.status, third.error?.message).toBe('succeeded');
      expect(third.diff.adds).toBe(0);
    } finally {
      for (const d of destinations) await d.close();
      await warehouse.close();
      await state.close();
    }
  });
});
