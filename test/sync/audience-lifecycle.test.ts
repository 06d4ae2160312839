/**
 * The list and audience over months of unattended runs: too-large batches, small lists, lists deleted on
 * Pinterest, adopting existing lists, and Pinterest's counters checked after every run.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isListPatch, watchArrivals } from '../helpers/request-arrivals.js';
import { expectedHashes, makePeople, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture | undefined;

afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('adaptive batches', () => {
  it('splits a batch Pinterest refuses as too large, loses nothing, and remembers the size', async () => {
    fx = await SyncFixture.create({ maxRecordsPerRequest: 300 });
    const people = makePeople(1, 2_000);
    await fx.setPeople(people);
    await fx.writeConfig({ maxRecords: 1_000 });
    const first = await fx.syncJson();
    expect(first.code).toBe(0);
    expect(fx.membership()).toEqual(expectedHashes(people));
    expect(first.report.warnings.join(' ')).toMatch(/too large/);
    const refused = fx.emulator.requests.filter((r) => r.status === 413).length;
    expect(refused).toBeGreaterThan(0);

    // the next run starts at the remembered size: no refusals at all
    await fx.setPeople(makePeople(1, 3_000));
    const before = fx.emulator.requests.length;
    const second = await fx.syncJson();
    expect(second.code).toBe(0);
    expect(fx.emulator.requests.slice(before).filter((r) => r.status === 413)).toHaveLength(0);
    expect(fx.membership()).toEqual(expectedHashes(makePeople(1, 3_000)));
  });
});

describe('audience lifecycle', () => {
  it('a list too small for an audience succeeds with a warning and the audience is created once it is big enough', async () => {
    fx = await SyncFixture.create();
    await fx.setPeople(makePeople(1, 30));
    await fx.writeConfig();
    const small = await fx.syncJson();
    expect(small.code).toBe(0);
    expect(small.report.warnings.join(' ')).toMatch(/100 matched users/);
    expect(small.report.pinterest.audienceId ?? undefined).toBeUndefined();
    expect(fx.emulator.audiences()).toHaveLength(0);

    await fx.setPeople(makePeople(1, 300));
    const grown = await fx.syncJson();
    expect(grown.code).toBe(0);
    expect(grown.report.pinterest.audienceId).toBeDefined();
    expect(fx.emulator.audiences()).toHaveLength(1);
    expect(fx.emulator.audiences()[0]!.rule.customer_list_id).toBe(fx.listId());
  });

  it('a list deleted on Pinterest stops the sync with a clear error; --recreate builds a new list with everyone', async () => {
    fx = await SyncFixture.create();
    const people = makePeople(1, 300);
    await fx.setPeople(people);
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    const oldList = fx.listId();
    // Pinterest has no DELETE for lists (they are removed in the Ads UI); from pinsync's side that looks like a
    // stored list id that now answers 404.
    const { DuckDbStateStore } = await import('../../connectors/state/duckdb/duckdb-state-store.js');
    const store = await DuckDbStateStore.open(fx.statePath);
    await store.saveSync('people_sync', { customerListId: '999999999999' });
    await store.close();

    const before = fx.emulator.requests.length;
    const failed = await fx.syncJson();
    expect(failed.code).toBe(1);
    expect(failed.report.error?.message).toMatch(/no longer exists/);
    expect(failed.report.error?.message).toMatch(/--recreate/);
    // nothing was created silently
    expect(fx.emulator.requests.slice(before).filter((r) => r.method === 'POST')).toHaveLength(0);

    const recreated = await fx.syncJson(['--recreate']);
    expect(recreated.code).toBe(0);
    const newList = recreated.report.pinterest.customerListId!;
    expect(newList).not.toBe(oldList);
    expect(newList).not.toBe('999999999999');
    expect(new Set(fx.emulator.membership(newList))).toEqual(expectedHashes(people));
    expect(recreated.report.pinterest.audienceId).toBeDefined();
    expect((await fx.syncJson()).report.diff).toMatchObject({ adds: 0, removes: 0 });
  });

  it('an audience deleted on Pinterest stops the sync with PINSYNC_AUDIENCE_MISSING; --recreate builds a new list and audience', async () => {
    fx = await SyncFixture.create();
    const people = makePeople(1, 300);
    await fx.setPeople(people);
    await fx.writeConfig();
    const first = await fx.syncJson();
    expect(first.code).toBe(0);
    const oldList = fx.listId();
    const oldAudience = first.report.pinterest.audienceId!;
    expect(oldAudience).toBeDefined();
    // removed by someone in the Ads UI (the API's PATCH operation_type REMOVE)
    await fx.api('PATCH', `/audiences/${oldAudience}`, { operation_type: 'REMOVE' });
    expect(fx.emulator.audience(oldAudience)).toBeUndefined();

    await fx.setPeople(makePeople(1, 350));
    const before = fx.emulator.requests.length;
    const failed = await fx.syncJson();
    expect(failed.code).toBe(1);
    expect(failed.report.status).toBe('failed');
    expect(failed.report.error?.code).toBe('PINSYNC_AUDIENCE_MISSING');
    expect(failed.report.error?.message).toContain(`audience ${oldAudience} no longer exists`);
    expect(failed.report.error?.message).toContain('pinsync sync --sync people_sync --recreate');
    // nothing was sent, created or replaced silently
    expect(fx.emulator.requests.slice(before).filter((r) => r.method !== 'GET')).toHaveLength(0);
    expect(fx.emulator.audiences()).toHaveLength(0);
    expect(failed.report.sent).toEqual({ adds: 0, removes: 0, batches: 0 });

    const recreated = await fx.syncJson(['--recreate']);
    expect(recreated.code, recreated.report.error?.message).toBe(0);
    const newList = recreated.report.pinterest.customerListId!;
    expect(newList).not.toBe(oldList);
    expect(new Set(fx.emulator.membership(newList))).toEqual(expectedHashes(makePeople(1, 350)));
    expect(recreated.report.sent.adds).toBe(expectedHashes(makePeople(1, 350)).size);
    const audiences = fx.emulator.audiences();
    expect(audiences).toHaveLength(1);
    expect(audiences[0]!.id).not.toBe(oldAudience);
    expect(audiences[0]!.rule.customer_list_id).toBe(newList);
    expect(recreated.report.pinterest.audienceId).toBe(audiences[0]!.id);
    const after = await fx.syncJson();
    expect(after.code).toBe(0);
    expect(after.report.diff).toMatchObject({ adds: 0, removes: 0 });
  });

  it('adopts an existing list and audience named in the config after checking they exist and are linked', async () => {
    fx = await SyncFixture.create({ refuseSmallAudiences: false });
    const existing = await fx.seedList('Made elsewhere', ['a'.repeat(64)]);
    const audience = await fx.seedAudience('Made elsewhere', existing);
    const people = makePeople(1, 200);
    await fx.setPeople(people);
    await fx.writeConfig({ syncExtra: [`audience: { name: Adopted, customerListId: "${existing}", audienceId: "${audience}" }`], replaceAudience: true });
    const res = await fx.syncJson();
    expect(res.code).toBe(0);
    expect(res.report.pinterest.customerListId).toBe(existing);
    expect(res.report.pinterest.audienceId).toBe(audience);
    expect(new Set(fx.emulator.membership(existing))).toEqual(new Set(['a'.repeat(64), ...expectedHashes(people)]));
    expect(fx.emulator.lists()).toHaveLength(1);
    expect(res.report.warnings.join(' ')).toMatch(/adopted customer list/);
  });

  it('refuses to adopt a list that does not exist, or an audience built on another list', async () => {
    fx = await SyncFixture.create({ refuseSmallAudiences: false });
    await fx.setPeople(makePeople(1, 50));
    await fx.writeConfig({ syncExtra: ['audience: { name: Adopted, customerListId: "999999" }'], replaceAudience: true });
    const missing = await fx.syncJson();
    expect(missing.code).toBe(2);
    expect(missing.report.error?.message).toMatch(/999999 is not a customer list/);

    const a = await fx.seedList('A', ['a'.repeat(64)]);
    const b = await fx.seedList('B', ['b'.repeat(64)]);
    const onB = await fx.seedAudience('on B', b);
    await fx.writeConfig({ syncExtra: [`audience: { name: Adopted, customerListId: "${a}", audienceId: "${onB}" }`], replaceAudience: true });
    const mislinked = await fx.syncJson();
    expect(mislinked.code).toBe(2);
    expect(mislinked.report.error?.message).toMatch(/built on customer list/);
    expect(fx.emulator.membership(a).size).toBe(1);
  });

  it('warns when Pinterest’s counters disagree with what was sent', async () => {
    fx = await SyncFixture.create();
    await fx.setPeople(makePeople(1, 200));
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);
    // someone else appends to the list while pinsync is pushing
    await fx.setPeople(makePeople(1, 400));
    await fx.writeConfig({ maxRecords: 50 });
    // the outside append is sent the moment pinsync's first PATCH arrives (after the run read the counters), and
    // that PATCH is held meanwhile: the append lands mid-push however slow the machine is
    const arrivals = watchArrivals(fx.emulator);
    let outside: Promise<unknown> | undefined;
    arrivals.onArrival(isListPatch, 1, () => {
      outside = fx!.api('PATCH', `/customer_lists/${fx!.listId()}`, { operation_type: 'ADD', records: 'f'.repeat(64) });
    });
    fx.emulator.faults.latency(500, { count: 1, match: { method: 'PATCH' } }); // pinsync's PATCH only
    const running = fx.syncJson();
    await arrivals.waitFor(isListPatch, 2); // pinsync's, then the outside one
    await outside;
    const res = await running;
    expect(res.code).toBe(0);
    expect(res.report.warnings.join(' ')).toMatch(/counters disagree/);
  });
});
