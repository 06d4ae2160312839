/**
 * `diff: warehouse` on a Postgres warehouse, end to end through the CLI and the emulator: the membership kept in
 * the planner schema is exactly what Pinterest holds after a first sync and a churn sync, a plan changes nothing,
 * and the run leaves no delta table behind.
 */
import { describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../../connectors/state/duckdb/duckdb-state-store.js';
import { expectedHashes, makePeople } from '../../helpers/sync-fixture.js';
import { outcomeOf, stateUrl } from '../../state/postgres-state-target.js';
import { pgAdmin } from '../postgres-target.js';
import { usePlannerFixture } from './planner-fixture.js';

const pf = usePlannerFixture();

describe('diff: warehouse on Postgres', { timeout: 60_000 }, () => {
  it('first sync and churn sync: the warehouse membership equals the expected hashes and the emulator list', async () => {
    const { fx, setPeople, writeConfig, membership, plannerTables } = pf();
    const people = makePeople(1, 300);
    await setPeople([...people, { email: 'not an email' }, { email: '   ' }]);
    await writeConfig({ maxRecords: 100 });

    const first = await fx.syncJson();
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.diff).toEqual(expect.objectContaining({ acknowledged: 0, adds: expectedHashes(people).size, removes: 0 }));
    expect(first.report.sourceRows).toBe(302);
    expect(first.report.rejected).toEqual({ invalid_email: 1 });
    expect(first.report.columns[0]).toEqual(expect.objectContaining({ column: 'email', hashed: 300, empty: 1 }));
    expect(await membership()).toEqual(expectedHashes(people));
    expect(fx.membership()).toEqual(expectedHashes(people));
    expect((await plannerTables()).filter((t) => t.startsWith('delta_'))).toEqual([]);

    // 1%-ish churn: 10 leave, 10 join
    const churned = [...people.slice(10), ...makePeople(1_000, 10)];
    await setPeople(churned);
    const plan = await fx.syncJson(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    const expected = expectedHashes(churned);
    const removed = [...expectedHashes(people)].filter((h) => !expected.has(h));
    const added = [...expected].filter((h) => !expectedHashes(people).has(h));
    expect(plan.report.diff).toEqual({ acknowledged: expectedHashes(people).size, current: expected.size, adds: added.length, removes: removed.length, unchanged: expected.size - added.length });
    expect(added).toEqual(expect.arrayContaining(plan.report.samples.adds));
    expect(removed).toEqual(expect.arrayContaining(plan.report.samples.removes));
    // the plan changed nothing
    expect(await membership()).toEqual(expectedHashes(people));
    expect((await plannerTables()).filter((t) => t.startsWith('delta_'))).toEqual([]);

    const churn = await fx.syncJson();
    expect(churn.code, churn.stderr).toBe(0);
    expect(churn.report.sent).toEqual(expect.objectContaining({ adds: added.length, removes: removed.length }));
    expect(await membership()).toEqual(expected);
    expect(fx.membership()).toEqual(expected);

    const again = await fx.syncJson();
    expect(again.report.diff).toEqual(expect.objectContaining({ acknowledged: expected.size, adds: 0, removes: 0 }));
  });
});

describe('diff: warehouse guardrails, --full-resync, shared state and Ctrl-C', { timeout: 90_000 }, () => {
  it('maxRemovePercent is measured against the warehouse membership; --force overrides; --full-resync re-sends and removes', async () => {
    const { fx, setPeople, writeConfig, membership, plannerTables } = pf();
    const people = makePeople(1, 200);
    await setPeople(people);
    await writeConfig();
    expect((await fx.syncJson()).code).toBe(0);

    const half = people.slice(0, 100);
    await setPeople(half);
    const stopped = await fx.syncJson();
    expect(stopped.code).toBe(3);
    expect(stopped.report.diff.acknowledged).toBe(expectedHashes(people).size);
    expect(stopped.report.sent).toEqual(expect.objectContaining({ adds: 0, removes: 0 }));
    expect(await membership()).toEqual(expectedHashes(people));
    expect((await plannerTables()).filter((t) => t.startsWith('delta_'))).toEqual([]);

    const forced = await fx.syncJson(['--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await membership()).toEqual(expectedHashes(half));

    const back = [...half.slice(10), ...makePeople(700, 5)];
    await setPeople(back);
    const resync = await fx.syncJson(['--full-resync']);
    expect(resync.code, resync.stderr).toBe(0);
    expect(resync.report.sent.adds).toBe(expectedHashes(back).size);
    expect(resync.report.sent.removes).toBe([...expectedHashes(half)].filter((h) => !expectedHashes(back).has(h)).length);
    expect(await membership()).toEqual(expectedHashes(back));
    expect(fx.membership()).toEqual(expectedHashes(back));
  });

  it('on shared Postgres state: ranges recorded under the lock, membership exact after first and churn syncs', async () => {
    const { fx, setPeople, writeConfig, membership } = pf();
    const schema = `state_${Math.random().toString(16).slice(2, 10)}`;
    const people = makePeople(1, 300);
    await setPeople(people);
    await writeConfig({ state: JSON.stringify(stateUrl(schema)), maxRecords: 50 });
    try {
      expect((await fx.syncJson()).code).toBe(0);
      const churned = [...people.slice(5), ...makePeople(2_000, 5)];
      await setPeople(churned);
      const churn = await fx.syncJson();
      expect(churn.code, churn.stderr).toBe(0);
      expect(await membership()).toEqual(expectedHashes(churned));
      expect(fx.membership()).toEqual(expectedHashes(churned));
      const runs = await fx.cli(['runs', '--json']);
      expect(runs.code, runs.stderr).toBe(0);
    } finally {
      const admin = await pgAdmin();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });

  it('Ctrl-C cancels the running staging statement on the server', async () => {
    const { fx, setPeople, writeConfig, table } = pf();
    await setPeople(makePeople(1, 5));
    await writeConfig({ query: `select email, gaid, idfa from ${table} where pg_sleep(60) is not null` });
    const child = fx.spawnCli(['sync']);
    const outcome = outcomeOf(child);
    const admin = await pgAdmin();
    try {
      const sleeping = async () => (await admin.query(`SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%planner_stage%pg_sleep%' AND pid <> pg_backend_pid()`)).rows[0].n !== '0';
      for (let waited = 0; !(await sleeping()); waited += 50) {
        if (waited > 30_000) throw new Error('the staging statement never started');
        await new Promise((r) => setTimeout(r, 50));
      }
      const started = Date.now();
      child.kill('SIGINT');
      const o = await outcome;
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(o.code, o.stderr).not.toBe(0);
      expect(await sleeping()).toBe(false);
      expect(fx.emulator.lists()).toHaveLength(0);
    } finally {
      await admin.end();
    }
  });
});

describe('switching an existing sync to diff: warehouse', { timeout: 60_000 }, () => {
  it('is refused while the state holds its membership, and works with --recreate', async () => {
    const { fx, setPeople, writeConfig, membership } = pf();
    const people = makePeople(1, 50);
    await setPeople(people);
    await writeConfig({ diff: 'state' });
    expect((await fx.syncJson()).code).toBe(0);

    await writeConfig();
    const refused = await fx.syncJson();
    expect(refused.code).toBe(2);
    expect(refused.report.error?.message).toContain('switching a sync to diff: warehouse is not supported yet');
    expect(await membership()).toEqual(new Set());

    const recreated = await fx.syncJson(['--recreate']);
    expect(recreated.code, recreated.stderr).toBe(0);
    expect(await membership()).toEqual(expectedHashes(people));
    expect(fx.emulator.lists()).toHaveLength(2);
    const again = await fx.syncJson();
    expect(again.report.diff).toEqual(expect.objectContaining({ adds: 0, removes: 0 }));
  });
});

describe('the normalization-version check in diff: warehouse', { timeout: 60_000 }, () => {
  it('refuses a membership hashed under other rules until --full-resync, counting the warehouse membership', async () => {
    const { fx, setPeople, writeConfig, membership } = pf();
    const people = makePeople(1, 40);
    await setPeople(people);
    await writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    const store = await DuckDbStateStore.open(fx.statePath);
    await store.saveSync('people_sync', { normalizationVersion: 0 });
    await store.close();

    const refused = await fx.syncJson();
    expect(refused.code).toBe(3);
    expect(refused.report.error?.message).toContain(`its ${expectedHashes(people).size} stored members were hashed with normalization rules v0`);
    const resync = await fx.syncJson(['--full-resync']);
    expect(resync.code, resync.stderr).toBe(0);
    expect(await membership()).toEqual(expectedHashes(people));
    expect((await fx.syncJson()).code).toBe(0);
  });
});
