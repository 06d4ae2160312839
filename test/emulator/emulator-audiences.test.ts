/**
 * CUSTOMER_LIST audiences: create (refused while the list is too small), get, list with pagination, update and
 * remove, and the status/size mirroring of the matching simulation.
 */
import { describe, expect, it } from 'vitest';

import { audiencesPath, call, createList, hexRecords, listsPath } from './helpers/emulator-http.js';
import { useEmulator } from './helpers/use-emulator.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';
import { componentSchemaErrors, responseSchemaErrors } from '../contract/openapi-validator.js';

const start = useEmulator();

async function createAudience(e: RunningEmulator, listId: string, extra: Record<string, unknown> = {}) {
  return call(e, 'POST', audiencesPath(e), {
    json: { name: 'Audience', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: listId }, ...extra },
  });
}

describe('create', () => {
  it('creates a CUSTOMER_LIST audience that starts INITIALIZING and then mirrors its READY list', async () => {
    const e = await start();
    const list = await createList(e, 'big', hexRecords(150));
    const res = await createAudience(e, list.id, { description: 'VIPs', ad_account_id: e.adAccountId });
    expect(res.status).toBe(200);
    expect(componentSchemaErrors('Audience', res.body)).toEqual([]);
    expect(res.body).toMatchObject({
      ad_account_id: e.adAccountId,
      audience_type: 'CUSTOMER_LIST',
      name: 'Audience',
      description: 'VIPs',
      rule: { customer_list_id: list.id },
      size: null,
      status: 'INITIALIZING',
      type: 'audience',
      created_by_company_name: null,
    });
    expect(BigInt(res.body.id)).toBeGreaterThan(BigInt(list.id));

    const got = await call(e, 'GET', audiencesPath(e, res.body.id));
    expect(got.body).toMatchObject({ status: 'READY', size: 150 });
    expect(e.audience(res.body.id)).toEqual(got.body);
  });

  it('refuses an audience on a list with fewer matched users than the minimum, saying it is too small', async () => {
    const e = await start();
    const list = await createList(e, 'small', hexRecords(99));
    const res = await createAudience(e, list.id);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(1);
    expect(res.body.message).toContain('too small');
    expect(e.audiences()).toHaveLength(0);

    // one more member makes it big enough
    await call(e, 'PATCH', listsPath(e, list.id), { json: { operation_type: 'ADD', records: hexRecords(1, 500)[0] } });
    expect((await createAudience(e, list.id)).status).toBe(200);
  });

  it('counts matched users, not records: matchRate 0 keeps any list too small', async () => {
    const e = await start({ matchRate: 0 });
    const list = await createList(e, 'unmatched', hexRecords(300));
    expect((await call(e, 'GET', listsPath(e, list.id))).body.status).toBe('TOO_SMALL');
    expect((await createAudience(e, list.id)).body.message).toContain('too small');
  });

  it('can be told not to refuse small audiences: size stays null and status mirrors TOO_SMALL', async () => {
    const e = await start({ refuseSmallAudiences: false });
    const list = await createList(e, 'small', hexRecords(10));
    const res = await createAudience(e, list.id);
    expect(res.status).toBe(200);
    const got = await call(e, 'GET', audiencesPath(e, res.body.id));
    expect(got.body).toMatchObject({ status: 'TOO_SMALL', size: null });
  });

  it('validates the body', async () => {
    const e = await start({ audienceMinMatched: 1 });
    const list = await createList(e, 'l', ['x']);
    const bad = async (json: unknown) => (await call(e, 'POST', audiencesPath(e), { json })).body;
    expect(await bad({ audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } })).toEqual({ code: 1, message: "Invalid request: 'name' is required." });
    expect((await bad({ name: 'a', audience_type: 'customer_list', rule: { customer_list_id: list.id } })).message).toMatch(/'audience_type' must be one of CUSTOMER_LIST/);
    expect((await bad({ name: 'a', audience_type: 'CUSTOMER_LIST' })).message).toBe("Invalid request: 'rule' is required.");
    expect((await bad({ name: 'a', audience_type: 'CUSTOMER_LIST', rule: {} })).message).toMatch(/rule.customer_list_id/);
    expect((await bad({ name: 'a', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: 'abc' } })).message).toMatch(/pattern/);
    const unknownList = await call(e, 'POST', audiencesPath(e), { json: { name: 'a', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: '42' } } });
    expect(unknownList.status).toBe(404);
    expect(unknownList.body.message).toBe('Customer list not found.');
  });
});

describe('get, list, update, remove', () => {
  it('lists audiences with bookmark pagination and rejects bad ownership_type with code 400', async () => {
    const e = await start({ audienceMinMatched: 1 });
    const list = await createList(e, 'l', ['x']);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createAudience(e, list.id, { name: `a${i}` })).body.id);
    const seen: string[] = [];
    let bookmark: string | null = null;
    do {
      const q: string = `?page_size=2${bookmark === null ? '' : `&bookmark=${bookmark}`}`;
      const page = await call(e, 'GET', `${audiencesPath(e)}${q}`);
      expect(responseSchemaErrors('GET', '/ad_accounts/{ad_account_id}/audiences', page.body)).toEqual([]);
      seen.push(...page.body.items.map((a: { id: string }) => a.id));
      bookmark = page.body.bookmark;
    } while (bookmark !== null);
    expect(seen).toEqual(ids);
    const desc = await call(e, 'GET', `${audiencesPath(e)}?order=DESCENDING&page_size=250`);
    expect(desc.body.items.map((a: { id: string }) => a.id)).toEqual([...ids].reverse());
    expect((await call(e, 'GET', `${audiencesPath(e)}?ownership_type=RECEIVED`)).body).toEqual({ items: [], bookmark: null });
    const bad = await call(e, 'GET', `${audiencesPath(e)}?ownership_type=MINE`);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: 400, message: 'Invalid ad account audience parameters.' });
  });

  it('updates name and description, and REMOVE makes it 404 and vanish from lists', async () => {
    const e = await start({ audienceMinMatched: 1 });
    const list = await createList(e, 'l', ['x']);
    const created = (await createAudience(e, list.id)).body;
    e.advanceTime(2_000);
    const updated = await call(e, 'PATCH', audiencesPath(e, created.id), { json: { name: 'Renamed', description: 'new' } });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: 'Renamed', description: 'new' });
    expect(updated.body.updated_timestamp).toBeGreaterThan(created.updated_timestamp);
    const badOp = await call(e, 'PATCH', audiencesPath(e, created.id), { json: { operation_type: 'DELETE' } });
    expect(badOp.body.code).toBe(1);

    const removed = await call(e, 'PATCH', audiencesPath(e, created.id), { json: { operation_type: 'REMOVE' } });
    expect(removed.status).toBe(200);
    const gone = await call(e, 'GET', audiencesPath(e, created.id));
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({ code: 2, message: 'Audience not found.' });
    expect((await call(e, 'GET', audiencesPath(e))).body.items).toEqual([]);
    expect(e.audiences()).toEqual([]);
  });
});
