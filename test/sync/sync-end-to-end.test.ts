/**
 * The whole path as a user runs it: a DuckDB warehouse file, the CLI, the emulator over real HTTP, the DuckDB
 * state file.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedHashes, makePeople, type Person, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
});

afterEach(async () => {
  await fx.close();
});

function patches() {
  return fx.emulator.requests.filter((r) => r.method === 'PATCH' || r.method === 'POST');
}

describe('first sync and churn', () => {
  it('creates the list and audience with exactly the valid hashed records, then sends only the delta', async () => {
    const people = makePeople(1, 2_000);
    await fx.setPeople(people);
    await fx.writeConfig({ maxRecords: 500 });

    const first = await fx.syncJson();
    expect(first.code).toBe(0);
    expect(first.report.status).toBe('succeeded');
    const expected = expectedHashes(people);
    expect(fx.membership()).toEqual(expected);
    expect(first.report.diff.adds).toBe(expected.size);
    expect(first.report.sent.adds).toBe(expected.size);
    expect(first.report.pinterest.customerListId).toBe(fx.listId());
    expect(first.report.pinterest.audienceId).toBeDefined();
    expect(fx.emulator.audiences()).toHaveLength(1);
    // minimum number of writes: one create (with the first batch) plus PATCHes for the rest
    const writes = fx.emulator.requests.filter((r) => r.path.includes('/customer_lists') && (r.method === 'PATCH' || r.method === 'POST'));
    expect(writes).toHaveLength(Math.ceil(expected.size / 500));

    // churn: 100 leave, 150 join, 50 change email
    const churned: Person[] = [
      ...people.slice(100, 1950).map((p, i) => (i < 50 ? { ...p, email: `changed.${i}@example.org` } : p)),
      ...makePeople(5_000, 150),
    ];
    await fx.setPeople(churned);
    const before = fx.emulator.requests.length;
    const second = await fx.syncJson();
    expect(second.code).toBe(0);
    const expected2 = expectedHashes(churned);
    expect(fx.membership()).toEqual(expected2);
    const adds = [...expected2].filter((h) => !expected.has(h)).length;
    const removes = [...expected].filter((h) => !expected2.has(h)).length;
    expect(second.report.diff).toMatchObject({ adds, removes, acknowledged: expected.size, current: expected2.size });
    expect(second.report.sent).toMatchObject({ adds, removes });
    const newWrites = fx.emulator.requests.slice(before).filter((r) => r.method === 'PATCH');
    expect(newWrites).toHaveLength(Math.ceil(adds / 500) + Math.ceil(removes / 500));
    expect(await fx.storedMembership()).toEqual(expected2);
  });

  it('a second sync with no change sends nothing', async () => {
    await fx.setPeople(makePeople(1, 300));
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    const before = patches().length;
    const again = await fx.syncJson();
    expect(again.code).toBe(0);
    expect(again.report.diff).toMatchObject({ adds: 0, removes: 0, unchanged: again.report.diff.acknowledged });
    expect(again.report.sent.batches).toBe(0);
    expect(patches().length).toBe(before);
  });

  it('counts invalid identifiers by reason and never sends them', async () => {
    const people: Person[] = [
      { email: 'good@example.com' },
      { email: '  Good2@Example.COM ' },
      { email: 'not-an-email' },
      { email: 'two@@example.com' },
      { email: '6d1db9ff40d653b409cda4c3ec45e5d7' },
      { email: null, gaid: '00000000-0000-0000-0000-000000000000' },
      { email: '   ', gaid: 'not-a-uuid', idfa: 'E621E1F8-C36C-495A-93FC-0C247A3E6E5F' },
    ];
    await fx.setPeople(people);
    await fx.writeConfig({ syncExtra: ['guardrails: { maxRemovePercent: 20 }'] });
    const { code, report } = await fx.syncJson();
    expect(code).toBe(0);
    expect(report.rejected).toEqual({ invalid_email: 2, unsupported_hash: 1, zero_device_id: 1, invalid_device_id: 1 });
    const email = report.columns.find((c) => c.column === 'email')!;
    expect(email).toMatchObject({ hashed: 2, empty: 2 });
    expect(fx.membership()).toEqual(expectedHashes(people));
    expect(fx.membership().size).toBe(3);
    for (const record of fx.membership()) expect(record).toMatch(/^[0-9a-f]{64}$/);
    // the streamed path (any non-DuckDB warehouse) counts exactly like the in-engine one
    const streamed = await fx.syncJson(['plan'], { PINSYNC_NO_PUSHDOWN: '1' });
    expect(streamed.report.columns).toEqual(report.columns);
    expect(streamed.report.rejected).toEqual(report.rejected);
    expect(streamed.report.sourceRows).toBe(report.sourceRows);
  });
});

describe('plan changes nothing', () => {
  it('leaves no state file and calls no API when there is no state yet', async () => {
    await fx.setPeople(makePeople(1, 50));
    await fx.writeConfig();
    const { code, report } = await fx.syncJson(['plan']);
    expect(code).toBe(0);
    expect(report.status).toBe('planned');
    const expected = expectedHashes(makePeople(1, 50));
    expect(report.diff).toMatchObject({ adds: expected.size, current: expected.size, removes: 0, acknowledged: 0 });
    expect(report.samples.adds).toHaveLength(5);
    for (const h of report.samples.adds) expect(expected.has(h)).toBe(true);
    expect(report.columns.find((c) => c.column === 'email')).toMatchObject({ hashed: 50, empty: 0 });
    expect(report.sourceRows).toBe(50);
    expect(fx.emulator.requests).toHaveLength(0);
    await expect(stat(fx.statePath)).rejects.toThrow();
  });

  it('leaves the state file byte-for-byte unchanged after a sync', async () => {
    await fx.setPeople(makePeople(1, 200));
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    await fx.setPeople(makePeople(20, 300));
    // digests, not Buffers: deep-equality over a multi-megabyte Buffer takes vitest half a minute
    const digest = async () => createHash('sha256').update(await readFile(fx.statePath)).digest('hex');
    const before = await digest();
    const requests = fx.emulator.requests.length;
    const plan = await fx.cli(['plan', '--format', 'markdown']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/nothing sent/i);
    expect(await digest()).toBe(before);
    expect(fx.emulator.requests.length).toBe(requests);
    const dry = await fx.syncJson(['--dry-run']);
    expect(dry.report.mode).toBe('plan');
    expect(dry.report.diff.adds).toBeGreaterThan(0);
    expect(await digest()).toBe(before);
  });
});

describe('guardrails', () => {
  it('stops an empty source with exit 3 and sends nothing; --force overrides', async () => {
    await fx.setPeople(makePeople(1, 100));
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    await fx.setPeople([]);
    const before = patches().length;
    const blocked = await fx.syncJson();
    expect(blocked.code).toBe(3);
    expect(blocked.report.status).toBe('guardrail');
    expect(blocked.report.guardrail.verdict).toBe('blocked');
    expect(blocked.report.error?.message).toMatch(/no valid identifiers/);
    expect(patches().length).toBe(before);

    const forced = await fx.syncJson(['--force']);
    expect(forced.code).toBe(0);
    expect(forced.report.guardrail.verdict).toBe('overridden');
    expect(fx.membership().size).toBe(0);
  });

  it('stops mass removal above maxRemovePercent', async () => {
    const people = makePeople(1, 1_000);
    await fx.setPeople(people);
    await fx.writeConfig({ syncExtra: ['guardrails: { maxRemovePercent: 10 }'] });
    expect((await fx.syncJson()).code).toBe(0);
    const membership = fx.membership();
    await fx.setPeople(people.slice(0, 700));
    const blocked = await fx.syncJson();
    expect(blocked.code).toBe(3);
    expect(blocked.report.error?.message).toMatch(/above maxRemovePercent 10%/);
    expect(fx.membership()).toEqual(membership);
    expect(await fx.storedMembership()).toEqual(membership);
  });
});

describe('failures leave state untouched', () => {
  it('a SQL error names the sync, carries DuckDB’s message, exits 1, and changes no membership', async () => {
    await fx.setPeople(makePeople(1, 100));
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    const stored = await fx.storedMembership();
    await fx.writeConfig({ query: 'select email, gaid, idfa from no_such_table' });
    const res = await fx.syncJson();
    expect(res.code).toBe(1);
    expect(res.report.status).toBe('failed');
    expect(res.report.error?.message).toMatch(/people_sync/);
    expect(res.report.error?.message).toMatch(/no_such_table/);
    expect(await fx.storedMembership()).toEqual(stored);
    const runs = await fx.cli(['runs', '--json']);
    expect(runs.stdout).toMatch(/no_such_table/);
  });

  it('the streamed path gives the same membership as the in-engine path', async () => {
    const people = makePeople(1, 500);
    await fx.setPeople(people);
    await fx.writeConfig();
    const res = await fx.syncJson([], { PINSYNC_NO_PUSHDOWN: '1' });
    expect(res.code).toBe(0);
    expect(fx.membership()).toEqual(expectedHashes(people));
    const plan = await fx.syncJson(['plan']);
    expect(plan.report.diff).toMatchObject({ adds: 0, removes: 0 });
  });
});

describe('full resync and normalization version', () => {
  it('--full-resync re-sends everyone as ADD and still removes leavers', async () => {
    const people = makePeople(1, 300);
    await fx.setPeople(people);
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    await fx.setPeople(people.slice(0, 290));
    const res = await fx.syncJson(['--full-resync']);
    expect(res.code).toBe(0);
    const expected = expectedHashes(people.slice(0, 290));
    expect(res.report.sent.adds).toBe(expected.size);
    expect(res.report.sent.removes).toBe(expectedHashes(people).size - expected.size);
    expect(fx.membership()).toEqual(expected);
    expect(await fx.storedMembership()).toEqual(expected);
  });

  it('refuses a stored membership hashed with other rules until --full-resync', async () => {
    await fx.setPeople(makePeople(1, 100));
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    const { DuckDbStateStore } = await import('../../connectors/state/duckdb/duckdb-state-store.js');
    const store = await DuckDbStateStore.open(fx.statePath);
    await store.saveSync('people_sync', { normalizationVersion: 0 });
    await store.close();
    const refused = await fx.syncJson();
    expect(refused.code).toBe(3);
    expect(refused.report.error?.message).toMatch(/--full-resync/);
    const resync = await fx.syncJson(['--full-resync']);
    expect(resync.code).toBe(0);
    expect((await fx.syncJson()).code).toBe(0);
  });
});

describe('cli', () => {
  it('validate reports a typo with its path and exits 2', async () => {
    await fx.writeConfig({ syncExtra: ['identifers: { email: email }'] });
    const res = await fx.cli(['validate']);
    expect(res.code).toBe(2);
    expect(res.stdout).toMatch(/syncs\[0\]\.identifers/);
  });

  it('plan writes a markdown report with --out and runs lists the history', async () => {
    await fx.setPeople(makePeople(1, 100));
    await fx.writeConfig();
    expect((await fx.cli(['sync'])).code).toBe(0);
    const out = `${fx.dir}/plan.md`;
    expect((await fx.cli(['plan', '--format', 'markdown', '--out', out])).code).toBe(0);
    expect(await readFile(out, 'utf8')).toMatch(/people_sync/);
    const runs = await fx.cli(['runs']);
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/people_sync/);
    expect(runs.stdout).toMatch(/succeeded/);
  });

  it('an unknown --sync is a usage error', async () => {
    await fx.writeConfig();
    const res = await fx.cli(['plan', '--sync', 'nope']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/unknown sync "nope"/);
  });
});
