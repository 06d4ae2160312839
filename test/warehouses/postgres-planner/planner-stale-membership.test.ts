/**
 * The warehouse membership belongs to the list the state knows. When the state holds no list for a sync (a new or
 * lost state file, or a --recreate that failed after forgetting the list), the rows in the planner schema describe a
 * list pinsync no longer writes to: trusting them would leave the new list short, the membership ahead of Pinterest.
 * And the user's SQL reaches the warehouse as written (a `;` in a comment is no statement boundary).
 */
import { describe, expect, it } from 'vitest';
import { expectedHashes, makePeople } from '../../helpers/sync-fixture.js';
import { pgTestUrl } from '../postgres-target.js';
import { usePlannerFixture } from './planner-fixture.js';

const pf = usePlannerFixture();

describe('diff: warehouse never trusts a membership the state has no list for', () => {
  it('a fresh state against an existing planner schema: the plan and the new list count everyone', async () => {
    const { fx, setPeople, writeConfig } = pf();
    const people = makePeople(1, 50);
    await setPeople(people);
    await writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    // A lost state file: the old list stays on Pinterest under its name, so the new state starts a list of its own.
    await writeConfig({ state: 'duckdb:fresh.duckdb', audienceName: 'Planner people again' });
    const plan = await fx.syncJson(['plan']);
    expect(plan.report.diff).toMatchObject({ acknowledged: 0, removes: 0 });
    expect(plan.report.diff.adds).toBe(expectedHashes(people).size);
    const second = await fx.syncJson();
    expect(second.code, JSON.stringify(second.report.error)).toBe(0);
    expect(second.report.diff.adds).toBe(expectedHashes(people).size);
    const churned = [...people.slice(5), ...makePeople(900, 5)];
    await setPeople(churned);
    expect((await fx.syncJson()).code).toBe(0);
    const lists = fx.emulator.lists();
    expect(lists).toHaveLength(2);
    expect(new Set(fx.emulator.membership(lists[1]!.id))).toEqual(expectedHashes(churned));
  });

  it('a --recreate that fails after the state forgot the list: the next sync fills the new list', async () => {
    const { fx, setPeople, writeConfig } = pf();
    const people = makePeople(1, 50);
    await setPeople(people);
    await writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    const unreachable = new URL(pgTestUrl());
    unreachable.port = '1';
    await writeConfig({ url: unreachable.toString() });
    expect((await fx.syncJson(['--recreate'])).code).not.toBe(0);
    // --recreate is for a list deleted on Pinterest; the emulator keeps it, so the new list takes another name.
    await writeConfig({ audienceName: 'Planner people two' });
    const next = await fx.syncJson();
    expect(next.code, JSON.stringify(next.report.error)).toBe(0);
    expect(next.report.diff.adds).toBe(expectedHashes(people).size);
    const churned = [...people.slice(5), ...makePeople(900, 5)];
    await setPeople(churned);
    const third = await fx.syncJson();
    expect(third.code).toBe(0);
    expect(new Set(fx.emulator.membership(third.report.pinterest.customerListId!))).toEqual(expectedHashes(churned));
  });
});

describe("diff: warehouse runs the user's SQL as written", () => {
  it('a comment ending in ; on its own line plans like diff: state does', async () => {
    const { fx, setPeople, writeConfig, table } = pf();
    await setPeople(makePeople(1, 10));
    const query = JSON.stringify(`select email, gaid, idfa -- all three;\nfrom ${table}`);
    await writeConfig({ query });
    const plan = await fx.syncJson(['plan']);
    expect(plan.report.error ?? null).toBeNull();
    expect(plan.code).toBe(0);
    expect(plan.report.diff.adds).toBe(expectedHashes(makePeople(1, 10)).size);
  });
});
