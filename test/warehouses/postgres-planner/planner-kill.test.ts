/**
 * kill -9 of `pinsync sync` with `diff: warehouse` (the real CLI in a child process): during the adds, during the
 * removes (each with one batch applied by Pinterest whose answer was lost and its retry in flight), and between the
 * push and the bulk application of the recorded ranges to the warehouse membership. The warehouse membership is
 * never ahead of Pinterest, the state records only accepted batches, and the rerun applies the killed run's ranges
 * before its diff, sends exactly what is missing and ends exact, with the killed run's delta table dropped.
 */
import { describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../../connectors/state/duckdb/duckdb-state-store.js';
import type { PlannerRange } from '../../../core/state-store.js';
import { isListPatch, watchArrivals } from '../../helpers/request-arrivals.js';
import { expectedHashes, makePeople, type Person } from '../../helpers/sync-fixture.js';
import { outcomeOf } from '../../state/postgres-state-target.js';
import { pgAdmin } from '../postgres-target.js';
import { usePlannerFixture } from './planner-fixture.js';

const pf = usePlannerFixture();

async function recordedRanges(): Promise<PlannerRange[]> {
  const store = await DuckDbStateStore.open(pf().fx.statePath);
  try {
    return await store.listPlannerRanges('people_sync');
  } finally {
    await store.close();
  }
}

/** Kills the sync once its `nth` PATCH was applied with the answer dropped and the retry has arrived (held). */
async function killWithRetryInFlight(nth: number): Promise<void> {
  const { emulator } = pf().fx;
  const arrivals = watchArrivals(emulator);
  arrivals.onArrival(isListPatch, nth, () => {
    emulator.faults.dropNext({ count: 1, afterApply: true, match: { method: 'PATCH' } });
    emulator.faults.latency(1, { count: 1, match: { method: 'PATCH' } });
    emulator.faults.latency(600_000, { match: { method: 'PATCH' } });
  });
  const child = pf().fx.spawnCli(['sync']);
  const outcome = outcomeOf(child);
  try {
    await arrivals.waitFor(isListPatch, nth + 1, 90_000);
  } catch (err) {
    child.kill('SIGKILL');
    const o = await outcome;
    throw new Error(`${(err as Error).message}; the sync exited ${o.code}: ${o.stderr}`);
  }
  child.kill('SIGKILL');
  expect((await outcome).signal).toBe('SIGKILL');
  emulator.faults.clear();
}

async function rerunExact(people: Person[], sent: { adds: number; removes: number }): Promise<void> {
  const { fx, membership, plannerTables } = pf();
  const expected = expectedHashes(people);
  const rerun = await fx.syncJson();
  expect(rerun.code, rerun.stderr).toBe(0);
  expect(rerun.report.sent).toEqual(expect.objectContaining(sent));
  expect(fx.membership()).toEqual(expected);
  expect(await membership()).toEqual(expected);
  expect(await recordedRanges()).toEqual([]);
  expect((await plannerTables()).filter((t) => t.startsWith('delta_'))).toEqual([]);
}

const recordedRecords = (ranges: PlannerRange[], op: 'ADD' | 'REMOVE') => ranges.filter((r) => r.op === op).reduce((n, r) => n + r.end - r.start, 0);

describe('kill -9 of a diff: warehouse sync', { timeout: 180_000 }, () => {
  it('during adds: the warehouse membership stays behind Pinterest, and the rerun ends exact', async () => {
    const { fx, setPeople, writeConfig, membership, plannerTables } = pf();
    const people = makePeople(1, 1_000);
    await setPeople(people);
    await writeConfig({ maxRecords: 100, maxInFlight: 1 });

    await killWithRetryInFlight(4);

    const pinterest = fx.membership();
    expect(pinterest.size).toBe(500);
    const ranges = await recordedRanges();
    const acknowledged = recordedRecords(ranges, 'ADD');
    expect(acknowledged).toBeLessThanOrEqual(400); // the 4th PATCH's answer was lost: never recorded
    expect(acknowledged % 100).toBe(0);
    // nothing reached the warehouse membership yet (ranges are applied in bulk), and it is never ahead of Pinterest
    const warehouse = await membership();
    expect([...warehouse].filter((h) => !pinterest.has(h))).toEqual([]);
    expect((await plannerTables()).filter((t) => t.startsWith('delta_'))).toHaveLength(1);

    await rerunExact(people, { adds: expectedHashes(people).size - acknowledged, removes: 0 });
  });

  it('during removes: no removal is applied early, and the rerun ends exact', async () => {
    const { fx, setPeople, writeConfig, membership } = pf();
    const people = makePeople(1, 1_000);
    await setPeople(people);
    await writeConfig({ maxRecords: 100, maxInFlight: 1, syncExtra: ['guardrails: { maxRemovePercent: 100 }'] });
    const first = await fx.syncJson();
    expect(first.code, first.stderr).toBe(0);
    const all = expectedHashes(people);

    const remaining = people.slice(0, 200);
    await setPeople(remaining);
    await killWithRetryInFlight(4);

    const pinterest = fx.membership();
    expect(pinterest.size).toBe(all.size - 400);
    const removed = recordedRecords(await recordedRanges(), 'REMOVE');
    expect(removed).toBeLessThanOrEqual(300);
    // the warehouse membership still holds every member Pinterest holds
    const warehouse = await membership();
    expect([...pinterest].filter((h) => !warehouse.has(h))).toEqual([]);

    await rerunExact(remaining, { adds: 0, removes: all.size - expectedHashes(remaining).size - removed });
  });

  it('between the push and the bulk apply: the rerun applies the recorded ranges first and sends nothing', async () => {
    const { fx, setPeople, writeConfig, membership, planner } = pf();
    const people = makePeople(1, 500);
    await setPeople(people);
    await writeConfig({ maxRecords: 100 });
    const first = await fx.syncJson();
    expect(first.code, first.stderr).toBe(0);

    const churned = [...people.slice(50), ...makePeople(5_000, 50)];
    await setPeople(churned);
    // Holding the membership table makes the run's bulk apply wait after the push: the moment to kill it.
    const blocker = await pgAdmin();
    await blocker.query('BEGIN');
    await blocker.query(`LOCK TABLE ${planner}.membership IN EXCLUSIVE MODE`);
    const child = fx.spawnCli(['sync']);
    const outcome = outcomeOf(child);
    const watcher = await pgAdmin();
    try {
      for (let waited = 0; ; waited += 50) {
        const { rows } = await watcher.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO%membership%' AND pid <> pg_backend_pid()`,
        );
        if (rows.length > 0) {
          child.kill('SIGKILL');
          // The server would finish the statement once the lock is free (it notices a dead client only when it
          // answers): end it as a killed machine's connection would end, so nothing of it commits.
          await watcher.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
          break;
        }
        if (waited > 60_000) throw new Error(`the bulk apply never started: ${(await Promise.race([outcome, Promise.resolve(undefined)]))?.stderr ?? 'still running'}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await outcome).signal).toBe('SIGKILL');
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
      await watcher.end();
    }

    const expected = expectedHashes(churned);
    expect(fx.membership()).toEqual(expected); // Pinterest has it all
    expect(await membership()).toEqual(expectedHashes(people)); // the warehouse membership is behind, never ahead
    const ranges = await recordedRanges();
    expect(recordedRecords(ranges, 'ADD') + recordedRecords(ranges, 'REMOVE')).toBeGreaterThan(0);

    await rerunExact(churned, { adds: 0, removes: 0 });
  });
});

describe('a killed run whose delta table was dropped by hand', { timeout: 120_000 }, () => {
  it('with acknowledged removals: refuses until --full-resync, which ends exact', async () => {
    const { fx, setPeople, writeConfig, membership, plannerTables, planner } = pf();
    const people = makePeople(1, 600);
    await setPeople(people);
    await writeConfig({ maxRecords: 100, maxInFlight: 1, syncExtra: ['guardrails: { maxRemovePercent: 100 }'] });
    expect((await fx.syncJson()).code).toBe(0);
    const remaining = people.slice(0, 100);
    await setPeople(remaining);
    await killWithRetryInFlight(3);
    expect(recordedRecords(await recordedRanges(), 'REMOVE')).toBeGreaterThan(0);
    const [delta] = (await plannerTables()).filter((t) => t.startsWith('delta_'));
    const admin = await pgAdmin();
    await admin.query(`DROP TABLE ${planner}."${delta}"`);
    await admin.end();

    const refused = await fx.syncJson();
    expect(refused.code).toBe(1);
    expect(refused.report.error?.code).toBe('PINSYNC_PLANNER_DELTA_MISSING');
    expect(refused.report.error?.message).toContain('--full-resync');

    const resync = await fx.syncJson(['--full-resync']);
    expect(resync.code, resync.stderr).toBe(0);
    expect(fx.membership()).toEqual(expectedHashes(remaining));
    expect(await membership()).toEqual(expectedHashes(remaining));
    expect(await recordedRanges()).toEqual([]);
  });
});
