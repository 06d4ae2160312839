/**
 * `sync --if-due` end to end against the emulator: the due verdict comes from the state's run history. A sync never
 * run is due; one that ran since its last tick is a skipped row (exit 0, nothing sent); one whose tick fell after its
 * last recorded run is due again; a sync without schedule is skipped with why.
 */
import { describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { cliJson } from '../dbt/after-dbt-fixture.js';
import { expectedHashes, makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture({ refuseSmallAudiences: false });

// Once a year: a run made by the test is never followed by a tick while the test runs.
const YEARLY = 'schedule: "0 0 1 1 *"';

/** Moves every recorded run of the sync back to `iso`, as if it had run then. */
async function backdateRuns(iso: string): Promise<void> {
  const instance = await openDuckDb(fx().statePath);
  const conn = await instance.connect();
  try {
    await conn.run(`UPDATE runs SET started_at = TIMESTAMP '${iso}', finished_at = TIMESTAMP '${iso}'`);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

async function runCount(): Promise<number> {
  const res = await fx().cli(['runs', '--json']);
  return (JSON.parse(res.stdout) as { runs: unknown[] }).runs.length;
}

describe('sync --if-due', () => {
  it('runs a sync whose schedule fell due since its last run, and skips it until the next tick', async () => {
    await fx().setPeople(makePeople(1, 20));
    await fx().writeConfig({ syncExtra: [YEARLY] });

    const first = await cliJson(fx(), ['sync', '--json', '--if-due']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.doc.syncs.map((r) => r.sync)).toEqual(['people_sync']);
    expect(first.doc.syncs[0]!.sent.adds).toBe(expectedHashes(makePeople(1, 20)).size);

    // Ran since its last tick: skipped, nothing sent, exit 0.
    const requestsBefore = fx().emulator.requests.length;
    const second = await cliJson(fx(), ['sync', '--json', '--if-due']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.doc.syncs).toEqual([]);
    expect(second.doc.skipped).toEqual([{ sync: 'people_sync', reason: expect.stringMatching(/^not due until \d{4}-01-01T00:00:00\.000Z \(last run started /) }]);
    expect(fx().emulator.requests.length).toBe(requestsBefore);
    expect(await runCount()).toBe(1);

    // Its last run is now from before the last New Year: the tick fell since, it is due again.
    const lastYear = new Date().getUTCFullYear() - 1;
    await backdateRuns(`${lastYear}-12-30 12:00:00`);
    await fx().setPeople(makePeople(1, 25));
    const third = await cliJson(fx(), ['sync', '--json', '--if-due']);
    expect(third.code, third.stderr).toBe(0);
    expect(third.doc.syncs.map((r) => [r.sync, r.sent.adds])).toEqual([['people_sync', expectedHashes(makePeople(21, 5)).size]]);
    expect(fx().membership()).toEqual(expectedHashes(makePeople(1, 25)));
    expect(await runCount()).toBe(2);
  });

  it('plan --if-due previews the same choice without recording a run', async () => {
    await fx().setPeople(makePeople(1, 10));
    await fx().writeConfig({ syncExtra: [YEARLY] });
    const plan = await cliJson(fx(), ['plan', '--format', 'json', '--if-due']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.doc.syncs.map((r) => r.sync)).toEqual(['people_sync']);
    expect(fx().emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('skips a sync without schedule, saying why', async () => {
    await fx().setPeople(makePeople(1, 10));
    await fx().writeConfig();
    const res = await cliJson(fx(), ['sync', '--json', '--if-due']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.doc.syncs).toEqual([]);
    expect(res.doc.skipped).toEqual([{ sync: 'people_sync', reason: expect.stringMatching(/no schedule/) }]);
    expect(fx().emulator.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });
});
