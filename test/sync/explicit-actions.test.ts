/**
 * Explicit actions end to end (`actions: { column: action }`): a DuckDB warehouse whose rows say add or remove, the
 * CLI, the emulator over real HTTP, the DuckDB state file. The rows are sent as such, met with the acknowledged
 * membership, so a later full diff starts exactly from what Pinterest holds.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { expectedHashes, makePeople, type Person, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture();

interface Change extends Person {
  /** The action cell as the warehouse holds it. */
  action: string | null;
}

/** Replaces the warehouse's `changes` table (email, gaid, action). */
async function setChanges(rows: Change[]): Promise<void> {
  await fx().withWarehouse(async (conn) => {
    await conn.run('CREATE OR REPLACE TABLE changes (email VARCHAR, gaid VARCHAR, action VARCHAR)');
    const appender = await conn.createAppender('changes');
    for (const r of rows) {
      for (const v of [r.email, r.gaid, r.action]) {
        if (v === undefined || v === null) appender.appendNull();
        else appender.appendVarchar(v);
      }
      appender.endRow();
    }
    appender.closeSync();
  });
}

/** People without IDFAs (the action query maps email and gaid only). */
function people(from: number, count: number): Person[] {
  return makePeople(from, count).map(({ email, gaid }) => ({ email, gaid }));
}

function marked(list: Person[], action: string | null): Change[] {
  return list.map((p) => ({ ...p, action }));
}

function writeActionConfig(extra: string[] = [], maxRecords = 10_000): Promise<void> {
  return fx().writeConfig({
    query: 'select email, gaid, action from changes',
    identifiers: '{ email: email, gaid: maid }',
    syncExtra: ['actions: { column: action }', ...extra],
    maxRecords,
  });
}

/** Records sent per operation since request `from` (PATCHes and the create). */
function sentSince(from: number): { ADD: number; REMOVE: number } {
  const out = { ADD: 0, REMOVE: 0 };
  for (const r of fx().emulator.requests.slice(from)) {
    if (!r.path.includes('/customer_lists') || r.status !== 200 || r.records === undefined) continue;
    if (r.method === 'POST') out.ADD += r.records;
    else if (r.method === 'PATCH') out[r.operation === 'REMOVE' ? 'REMOVE' : 'ADD'] += r.records;
  }
  return out;
}

const union = (...sets: Set<string>[]) => new Set(sets.flatMap((s) => [...s]));
const minus = (a: Set<string>, b: Set<string>) => new Set([...a].filter((h) => !b.has(h)));

describe('explicit actions', () => {
  it('sends add and remove rows as such, rejects invalid actions, skips members and non-members, and a later full diff is exact', async () => {
    const initial = people(1, 200);
    const invalid: Change[] = [
      ...marked(people(500, 5), 'upsert'),
      ...marked(people(505, 5), null),
      ...marked(people(510, 2), ''),
      ...marked(people(512, 1), 'add remove'),
    ];
    const variants = [' ADD ', 'add', 'Add', '\tadd\n'];
    await setChanges([...initial.map((p, i) => ({ ...p, action: variants[i % 4]! })), ...invalid, ...marked(people(600, 10), 'Remove')]);
    await writeActionConfig();

    const first = await fx().syncJson();
    expect(first.code, first.stderr).toBe(0);
    const members1 = expectedHashes(initial);
    // Nothing of an invalid row reaches Pinterest; removes of non-members are not sent.
    expect(fx().membership()).toEqual(members1);
    expect(first.report.rejected).toEqual({ invalid_action: 13 });
    expect(first.report.actions).toEqual({
      column: 'action',
      addRows: 200,
      removeRows: 10,
      invalidRows: 13,
      addRecords: members1.size,
      removeRecords: expectedHashes(people(600, 10)).size,
      conflicts: 0,
      alreadyMembers: 0,
      notMembers: expectedHashes(people(600, 10)).size,
    });
    expect(first.report.diff).toEqual({ acknowledged: 0, current: members1.size, adds: members1.size, removes: 0, unchanged: 0 });
    expect(first.report.sent).toMatchObject({ adds: members1.size, removes: 0 });
    expect(sentSince(0).REMOVE).toBe(0);

    // Adds of members (1..50) are not re-sent, removes of non-members (900..904) not sent; 71 and 950 are both
    // added and removed: removed (71 is a member) or left alone (950 is not).
    const before = fx().emulator.requests.length;
    const conflict = [...people(71, 1), ...people(950, 1)];
    await setChanges([
      ...marked(people(1, 50), 'add'),
      ...marked(people(300, 20), 'add'),
      ...marked(people(51, 20), 'remove'),
      ...marked(people(900, 5), 'remove'),
      ...marked(conflict, 'add'),
      ...marked(conflict, 'REMOVE'),
    ]);
    const second = await fx().syncJson();
    expect(second.code, second.stderr).toBe(0);
    const added = expectedHashes(people(300, 20));
    const removed = expectedHashes(people(51, 21));
    const members2 = union(minus(members1, removed), added);
    expect(fx().membership()).toEqual(members2);
    expect(sentSince(before)).toEqual({ ADD: added.size, REMOVE: removed.size });
    expect(second.report.diff).toEqual({ acknowledged: members1.size, current: members2.size, adds: added.size, removes: removed.size, unchanged: members1.size - removed.size });
    expect(second.report.actions).toMatchObject({
      conflicts: expectedHashes(conflict).size,
      alreadyMembers: expectedHashes(people(1, 50)).size,
      notMembers: expectedHashes([...people(900, 5), ...people(950, 1)]).size,
    });
    expect(second.report.warnings.join('\n')).toMatch(/both added and removed .*remove wins/);
    expect(await fx().storedMembership()).toEqual(members2);

    // Switched to full-diff mode with a query returning the whole audience: nothing to send, then only the change.
    const audience = [...people(1, 50), ...people(72, 129), ...people(300, 20)];
    expect(expectedHashes(audience)).toEqual(members2);
    await fx().setPeople(audience);
    await fx().writeConfig({ identifiers: '{ email: email, gaid: maid }' });
    const full = await fx().syncJson();
    expect(full.code, full.stderr).toBe(0);
    expect(full.report.diff).toMatchObject({ acknowledged: members2.size, adds: 0, removes: 0, unchanged: members2.size });
    expect(full.report.actions).toBeUndefined();
    await fx().setPeople([...audience.slice(1), ...people(700, 1)]);
    const churn = await fx().syncJson();
    expect(churn.report.sent).toMatchObject({ adds: expectedHashes(people(700, 1)).size, removes: expectedHashes(audience.slice(0, 1)).size });
    expect(fx().membership()).toEqual(expectedHashes([...audience.slice(1), ...people(700, 1)]));
    expect(fx().emulator.lists()).toHaveLength(1);
  });

  it('a plan reports the action delta and changes nothing', async () => {
    await setChanges(marked(people(1, 30), 'add'));
    await writeActionConfig();
    expect((await fx().syncJson()).code).toBe(0);
    await setChanges([...marked(people(1, 5), 'remove'), ...marked(people(40, 3), 'add'), ...marked(people(50, 2), 'nope')]);
    const plan = await fx().syncJson(['plan']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.report.status).toBe('planned');
    expect(plan.report.diff).toMatchObject({ adds: expectedHashes(people(40, 3)).size, removes: expectedHashes(people(1, 5)).size });
    expect(plan.report.rejected).toEqual({ invalid_action: 2 });
    expect(plan.report.samples.adds.every((h) => expectedHashes(people(40, 3)).has(h))).toBe(true);
    expect(plan.report.samples.removes.every((h) => expectedHashes(people(1, 5)).has(h))).toBe(true);
    expect(fx().membership()).toEqual(expectedHashes(people(1, 30)));
    expect(await fx().storedMembership()).toEqual(expectedHashes(people(1, 30)));
  });

  it('guardrails: removes beyond maxRemovePercent stop the sync; an empty or all-invalid action set is no stop and sends nothing', async () => {
    await setChanges(marked(people(1, 100), 'add'));
    await writeActionConfig();
    expect((await fx().syncJson()).code).toBe(0);
    const members = expectedHashes(people(1, 100));
    const before = fx().emulator.requests.length;

    await setChanges(marked(people(1, 50), 'remove'));
    const stopped = await fx().syncJson();
    expect(stopped.code).toBe(3);
    expect(stopped.report.guardrail.verdict).toBe('blocked');
    expect(stopped.report.guardrail.reasons.join()).toMatch(/maxRemovePercent/);
    expect(sentSince(before)).toEqual({ ADD: 0, REMOVE: 0 });

    await setChanges([]);
    const empty = await fx().syncJson();
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.report.guardrail.verdict).toBe('pass');
    expect(empty.report.diff).toMatchObject({ acknowledged: members.size, current: members.size, adds: 0, removes: 0 });

    await setChanges(marked(people(1, 3), null));
    const invalid = await fx().syncJson();
    expect(invalid.code, invalid.stderr).toBe(0);
    expect(invalid.report.rejected).toEqual({ invalid_action: 3 });
    expect(invalid.report.warnings.join('\n')).toMatch(/no row had a valid action in column action/);
    expect(sentSince(before)).toEqual({ ADD: 0, REMOVE: 0 });
    expect(fx().membership()).toEqual(members);
  });

  it('refuses --full-resync and --recreate (they need the whole audience), and a config mapping the action column as an identifier', async () => {
    await setChanges(marked(people(1, 5), 'add'));
    await writeActionConfig();
    for (const option of ['--full-resync', '--recreate']) {
      const res = await fx().cli(['sync', option]);
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toContain(`${option} needs`);
    }
    expect(fx().emulator.lists()).toHaveLength(0);
    await fx().writeConfig({ query: 'select email, action from changes', identifiers: '{ email: email, action: email }', syncExtra: ['actions: { column: action }'] });
    const invalid = await fx().cli(['validate']);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr + invalid.stdout).toMatch(/syncs\[0\]\.actions\.column/);
  });

  it('a missing action column is named before anything is sent', async () => {
    await setChanges(marked(people(1, 5), 'add'));
    await fx().writeConfig({ query: 'select email, gaid from changes', identifiers: '{ email: email, gaid: maid }', syncExtra: ['actions: { column: action }'] });
    const res = await fx().syncJson();
    expect(res.code).toBe(2);
    expect(res.report.error?.message).toMatch(/actions\.column names column "action", but the query returns no such column \(it returns: email, gaid\)/);
    expect(fx().emulator.lists()).toHaveLength(0);
  });
});

describe('kill -9 during an action push', () => {
  function writesSoFar(op: 'ADD' | 'REMOVE'): number {
    return fx().emulator.requests.filter((r) => r.method === 'PATCH' && r.status === 200 && r.operation === op).length;
  }

  async function killAfter(writes: number, op: 'ADD' | 'REMOVE'): Promise<void> {
    const child = fx().spawnCli(['sync']);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = once(child, 'exit');
    const deadline = Date.now() + 30_000;
    while (writesSoFar(op) < writes) {
      if (child.exitCode !== null) throw new Error(`the sync ended before it could be killed (exit ${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error('timed out waiting for writes');
      await new Promise((r) => setTimeout(r, 5));
    }
    child.kill('SIGKILL');
    await exited;
  }

  it('the state is never ahead of Pinterest, and the rerun of the same rows sends exactly what is missing', async () => {
    const base = people(1, 500);
    await setChanges(marked(base, 'add'));
    await writeActionConfig(['guardrails: { maxRemovePercent: 100 }'], 50);
    expect((await fx().syncJson()).code).toBe(0);

    // Adds and removes in one run; killed in the middle of the adds, then in the middle of the removes.
    const changes = [...marked(people(2_000, 500), 'add'), ...marked(base.slice(0, 300), 'remove')];
    await setChanges(changes);
    const expected = union(minus(expectedHashes(base), expectedHashes(base.slice(0, 300))), expectedHashes(people(2_000, 500)));
    for (const [op, after] of [['ADD', 4], ['REMOVE', 3]] as const) {
      fx().emulator.faults.latency(30);
      await killAfter(writesSoFar(op) + after, op);
      fx().emulator.faults.clear();
      const pinterest = fx().membership();
      const stored = await fx().storedMembership();
      // Never ahead: an add is stored only once Pinterest has it (the state may lack adds Pinterest took before the
      // kill), a removal only once Pinterest applied it (the state may keep records Pinterest already removed).
      for (const h of stored) if (!pinterest.has(h) && expected.has(h)) expect.fail(`${op}: the state holds an add Pinterest does not have`);
      for (const h of pinterest) if (!stored.has(h) && !expected.has(h)) expect.fail(`${op}: the state dropped a record Pinterest still holds`);
    }

    const stored = await fx().storedMembership();
    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
    expect(rerun.report.sent).toMatchObject({ adds: [...expected].filter((h) => !stored.has(h)).length, removes: [...stored].filter((h) => !expected.has(h)).length });
    expect(fx().emulator.lists()).toHaveLength(1);
  });
});

describe('explicit actions: the list type of a new list', () => {
  it('comes from the rows marked add only: email removes of non-members beside GAID adds make a MAID list', async () => {
    const adds = makePeople(0, 60).map(({ gaid }) => ({ gaid }));
    const removes = makePeople(100, 20).map(({ email }) => ({ email }));
    await setChanges([...marked(adds, 'add'), ...marked(removes, 'remove')]);
    await writeActionConfig();
    const plan = await fx().syncJson(['plan']);
    expect(plan.report.pinterest.listType).toBe('MAID');
    const first = await fx().syncJson();
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.pinterest.listType).toBe('MAID');
    const creates = fx().emulator.exchanges.filter((e) => e.method === 'POST' && e.path.endsWith('/customer_lists') && e.status === 200);
    expect(creates.map((e) => (e.requestBody as { list_type?: unknown }).list_type)).toEqual(['MAID']);
  });
});
