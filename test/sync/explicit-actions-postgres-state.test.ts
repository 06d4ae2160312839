/**
 * Explicit actions end to end on shared Postgres state: the same rows as on the DuckDB state (explicit-actions.test.ts),
 * diffed by the Postgres engine's diff-delta-actions.sql, give the same membership on Pinterest and in the state.
 */
import { describe, expect, it } from 'vitest';
import { expectedHashes, makePeople, type Person } from '../helpers/sync-fixture.js';
import { stateFromTestEnv, stateUrl, useSyncOnPostgresState } from '../state/postgres-state-target.js';

const { fx, schema } = useSyncOnPostgresState();

async function setChanges(rows: (Person & { action: string | null })[]): Promise<void> {
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

const people = (from: number, count: number): Person[] => makePeople(from, count).map(({ email, gaid }) => ({ email, gaid }));
const marked = (list: Person[], action: string | null) => list.map((p) => ({ ...p, action }));

describe('explicit actions on Postgres state', () => {
  it('adds non-members, removes members, rejects invalid actions, and a full diff afterwards finds nothing to send', async () => {
    const env = { PINSYNC_TEST_STATE: stateUrl(schema()) };
    await fx().writeConfig({ query: 'select email, gaid, action from changes', identifiers: '{ email: email, gaid: maid }', syncExtra: ['actions: { column: action }'], maxRecords: 40 });
    await stateFromTestEnv(fx());
    await setChanges([...marked(people(1, 100), 'ADD'), ...marked(people(200, 3), 'remove'), ...marked(people(300, 2), 'maybe')]);
    const first = await fx().syncJson([], env);
    expect(first.code, first.stderr).toBe(0);
    expect(fx().membership()).toEqual(expectedHashes(people(1, 100)));
    expect(first.report.rejected).toEqual({ invalid_action: 2 });
    expect(first.report.actions).toMatchObject({ addRows: 100, removeRows: 3, invalidRows: 2, notMembers: expectedHashes(people(200, 3)).size });

    const conflict = people(20, 1);
    await setChanges([...marked(people(1, 10), 'add'), ...marked(people(11, 5), 'remove'), ...marked(people(400, 7), 'add'), ...marked(conflict, 'add'), ...marked(conflict, 'remove')]);
    const second = await fx().syncJson([], env);
    expect(second.code, second.stderr).toBe(0);
    const audience = [...people(1, 10), ...people(16, 4), ...people(21, 80), ...people(400, 7)];
    expect(fx().membership()).toEqual(expectedHashes(audience));
    expect(second.report.sent).toMatchObject({ adds: expectedHashes(people(400, 7)).size, removes: expectedHashes([...people(11, 5), ...conflict]).size });
    expect(second.report.actions).toMatchObject({ conflicts: expectedHashes(conflict).size, alreadyMembers: expectedHashes(people(1, 10)).size });

    // The membership the action runs acknowledged is exactly Pinterest's: a full diff of the whole audience is empty.
    await fx().setPeople(audience);
    await fx().writeConfig({ identifiers: '{ email: email, gaid: maid }', maxRecords: 40 });
    await stateFromTestEnv(fx());
    const full = await fx().syncJson([], env);
    expect(full.code, full.stderr).toBe(0);
    expect(full.report.diff).toMatchObject({ adds: 0, removes: 0, unchanged: expectedHashes(audience).size });
  });
});
