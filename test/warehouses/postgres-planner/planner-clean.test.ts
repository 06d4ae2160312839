/**
 * `pinsync planner clean`: a killed run's delta table whose acknowledged batches are not applied yet is kept (and
 * the command says why), one without any is dropped; the next sync ends exact either way.
 */
import { describe, expect, it } from 'vitest';
import { isListPatch, watchArrivals } from '../../helpers/request-arrivals.js';
import { expectedHashes, makePeople } from '../../helpers/sync-fixture.js';
import { outcomeOf } from '../../state/postgres-state-target.js';
import { pgAdmin } from '../postgres-target.js';
import { usePlannerFixture } from './planner-fixture.js';

const pf = usePlannerFixture();

/** Starts a sync, waits for its `nth` PATCH to arrive (PATCHes from `holdFrom` on are held), and kills it. */
async function killAtPatch(nth: number, holdFrom: number): Promise<void> {
  const { emulator } = pf().fx;
  const arrivals = watchArrivals(emulator);
  arrivals.onArrival(isListPatch, holdFrom, () => emulator.faults.latency(600_000, { match: { method: 'PATCH' } }));
  const child = pf().fx.spawnCli(['sync']);
  const outcome = outcomeOf(child);
  await arrivals.waitFor(isListPatch, nth, 60_000);
  child.kill('SIGKILL');
  expect((await outcome).signal).toBe('SIGKILL');
  emulator.faults.clear();
}

describe('pinsync planner clean', { timeout: 120_000 }, () => {
  it('keeps a delta with unapplied batches, drops one without, and the next sync ends exact', async () => {
    const { fx, setPeople, writeConfig, membership, plannerTables } = pf();
    const people = makePeople(1, 600);
    await setPeople(people);
    await writeConfig({ maxRecords: 100, maxInFlight: 1 });
    const deltas = async () => (await plannerTables()).filter((t) => t.startsWith('delta_'));

    // killed with the create and two PATCHes acknowledged, the third held
    await killAtPatch(3, 3);
    const [kept] = await deltas();
    expect(kept).toBeDefined();
    const clean = await fx.cli(['planner', 'clean']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toContain(`kept ${kept}`);
    expect(clean.stdout).toContain('not applied to the membership yet');
    expect(await deltas()).toEqual([kept]);

    const rerun = await fx.syncJson();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(await deltas()).toEqual([]);

    // churn, killed while its first PATCH is held: a delta with nothing acknowledged
    const churned = [...people.slice(100), ...makePeople(9_000, 100)];
    await setPeople(churned);
    await killAtPatch(1, 1);
    const [leftover] = await deltas();
    expect(leftover).toBeDefined();
    const dropped = await fx.cli(['planner', 'clean', '--sync', 'people_sync', '--json']);
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(JSON.parse(dropped.stdout)).toEqual({ dropped: [{ syncName: 'people_sync', table: leftover }], kept: [] });
    expect(await deltas()).toEqual([]);
    expect(await membership()).toEqual(expectedHashes(people));

    const last = await fx.syncJson();
    expect(last.code, last.stderr).toBe(0);
    expect(fx.membership()).toEqual(expectedHashes(churned));
    expect(await membership()).toEqual(expectedHashes(churned));
  });

  it('never drops a table whose name pinsync does not make, whatever the deltas table lists', async () => {
    const { fx, setPeople, writeConfig, planner, plannerTables } = pf();
    await setPeople(makePeople(1, 20));
    await writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    const admin = await pgAdmin();
    try {
      // A hand-edited (or hostile) row naming the membership table itself.
      await admin.query(`INSERT INTO ${planner}.deltas (delta_table, sync_name, run_id) VALUES ('membership', 'people_sync', 999999)`);
    } finally {
      await admin.end();
    }
    const clean = await fx.cli(['planner', 'clean', '--json']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(JSON.parse(clean.stdout)).toMatchObject({ dropped: [], kept: [{ syncName: 'people_sync', table: 'membership' }] });
    expect(await plannerTables()).toContain('membership');
  });
});
