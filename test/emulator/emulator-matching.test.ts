/**
 * The matching simulation: match rate, delay, the test hooks that force statuses or move time, and counters-only
 * mode for benchmark-sized lists.
 */
import { describe, expect, it } from 'vitest';

import { audiencesPath, call, createList, hexRecords, listsPath } from './helpers/emulator-http.js';
import { useEmulator } from './helpers/use-emulator.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';

const start = useEmulator();
const status = async (e: RunningEmulator, id: string): Promise<string> => (await call(e, 'GET', listsPath(e, id))).body.status;

describe('matching', () => {
  it('matches about matchRate of the records and reports READY / TOO_SMALL on the threshold', async () => {
    const e = await start({ matchRate: 0.5 });
    const list = await createList(e, 'half', hexRecords(2_000));
    expect(await status(e, list.id)).toBe('READY');
    const audience = await call(e, 'POST', audiencesPath(e), { json: { name: 'a', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } } });
    const size = (await call(e, 'GET', audiencesPath(e, audience.body.id))).body.size as number;
    expect(size).toBeGreaterThan(850);
    expect(size).toBeLessThan(1_150);

    // removing every record brings matched back to exactly 0 (the decision is a function of the record)
    await call(e, 'PATCH', listsPath(e, list.id), { json: { operation_type: 'REMOVE', records: hexRecords(2_000).join(',') } });
    expect(await status(e, list.id)).toBe('TOO_SMALL');
    expect((await call(e, 'GET', audiencesPath(e, audience.body.id))).body).toMatchObject({ status: 'TOO_SMALL', size: null });
  });

  it('uses a matchPredicate ("known users") when given', async () => {
    const known = new Set(hexRecords(100));
    const e = await start({ matchPredicate: (r) => known.has(r) });
    const list = await createList(e, 'mixed', [...hexRecords(99), ...hexRecords(500, 1_000)]);
    expect(await status(e, list.id)).toBe('TOO_SMALL');
    await call(e, 'PATCH', listsPath(e, list.id), { json: { operation_type: 'ADD', records: hexRecords(1, 99)[0] } });
    expect(await status(e, list.id)).toBe('READY');
  });

  it('stays PROCESSING for matchDelayMs, which advanceTime skips', async () => {
    const e = await start({ matchDelayMs: 60_000 });
    const list = await createList(e, 'slow', hexRecords(120));
    expect(await status(e, list.id)).toBe('PROCESSING');
    // the list has not finished matching, so an audience is refused for now
    const early = await call(e, 'POST', audiencesPath(e), { json: { name: 'a', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } } });
    expect(early.body.message).toContain('too small');
    e.advanceTime(60_000);
    expect(await status(e, list.id)).toBe('READY');

    const audience = await call(e, 'POST', audiencesPath(e), { json: { name: 'a', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } } });
    expect(audience.status).toBe(200);
    expect((await call(e, 'GET', audiencesPath(e, audience.body.id))).body.status).toBe('INITIALIZING');
    e.settleAll();
    expect((await call(e, 'GET', audiencesPath(e, audience.body.id))).body).toMatchObject({ status: 'READY', size: 120 });

    // a later write sends the list back to PROCESSING; the audience keeps its last known state meanwhile
    await call(e, 'PATCH', listsPath(e, list.id), { json: { operation_type: 'ADD', records: hexRecords(10, 500).join(',') } });
    expect(await status(e, list.id)).toBe('PROCESSING');
    expect((await call(e, 'GET', audiencesPath(e, audience.body.id))).body).toMatchObject({ status: 'READY', size: 120 });
    e.advanceTime(60_000);
    expect((await call(e, 'GET', audiencesPath(e, audience.body.id))).body).toMatchObject({ status: 'READY', size: 130 });
  });

  it('lets tests force list and audience statuses', async () => {
    const e = await start();
    const list = await createList(e, 'forced', hexRecords(200));
    e.setListStatus(list.id, 'TOO_SMALL');
    expect(await status(e, list.id)).toBe('TOO_SMALL');
    e.setListStatus(list.id, 'PROCESSING');
    expect(await status(e, list.id)).toBe('PROCESSING'); // held despite matchDelayMs 0
    e.setListStatus(list.id, 'READY', { matched: 5_000 });
    const audience = await call(e, 'POST', audiencesPath(e), { json: { name: 'a', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } } });
    expect((await call(e, 'GET', audiencesPath(e, audience.body.id))).body.size).toBe(5_000);
    e.setAudienceStatus(audience.body.id, 'TOO_SMALL', { size: null });
    expect(e.audience(audience.body.id)).toMatchObject({ status: 'TOO_SMALL', size: null });
    expect(e.list(list.id)?.status).toBe('READY');
    expect(() => e.setListStatus('1', 'READY')).toThrow(/no customer list/);
  });
});

describe('trackMembership: false', () => {
  it('keeps counters, estimates matches from them, and refuses membership inspection', async () => {
    const e = await start({ trackMembership: false });
    const list = await createList(e, 'bench', hexRecords(150));
    await call(e, 'PATCH', listsPath(e, list.id), { json: { operation_type: 'ADD', records: hexRecords(150).join(',') } });
    const got = (await call(e, 'GET', listsPath(e, list.id))).body;
    expect(got).toMatchObject({ num_uploaded_user_records: 300, num_batches: 2, status: 'READY' });
    expect(() => e.membership(list.id)).toThrow(/not tracked/);
    expect(() => e.membershipSize(list.id)).toThrow(/not tracked/);
  });
});
