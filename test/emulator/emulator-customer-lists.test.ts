/**
 * Customer lists over real HTTP: create/get/list with bookmark pagination, ADD/REMOVE membership and the counter
 * semantics Pinterest documents (counters count what was sent, not what changed), and request validation.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';
import { call, createList, hexRecords, listsPath } from './helpers/emulator-http.js';
import { componentSchemaErrors, responseSchemaErrors } from '../contract/openapi-validator.js';

let em: RunningEmulator;

beforeAll(async () => {
  em = await startEmulator({ audienceMinMatched: 5 });
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  em.reset();
});

describe('create', () => {
  it('answers 200 with a CustomerList: one batch, uploaded = token count, PROCESSING, exceptions {}', async () => {
    const records = hexRecords(3);
    const before = Math.floor(Date.now() / 1000);
    const res = await call(em, 'POST', listsPath(em), { json: { name: 'vip', records: `${records.join(',')},`, list_type: 'EMAIL' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('x-pinterest-rid')).toMatch(/^[0-9a-f]{16}$/);
    expect(componentSchemaErrors('CustomerList', res.body)).toEqual([]);
    expect(res.body).toMatchObject({
      ad_account_id: em.adAccountId,
      name: 'vip',
      type: 'customerlist',
      num_batches: 1,
      num_uploaded_user_records: 3,
      num_removed_user_records: 0,
      status: 'PROCESSING',
      exceptions: {},
    });
    expect(res.body.id).toMatch(/^\d+$/);
    expect(res.body.created_time).toBe(res.body.updated_time);
    expect(res.body.created_time).toBeGreaterThanOrEqual(before);
    expect(em.membership(res.body.id)).toEqual(new Set(records));
  });

  it('drops empty tokens, does not validate formats, and counts duplicates in the counter but once in membership', async () => {
    const body = await createList(em, 'odd', ['a@b.com', '', 'NOT-A-HASH', 'a@b.com', '']);
    expect(body.num_uploaded_user_records).toBe(3);
    expect(em.membership(body.id)).toEqual(new Set(['a@b.com', 'NOT-A-HASH']));
  });

  it('defaults list_type to EMAIL and accepts every UserListType', async () => {
    for (const listType of [undefined, 'IDFA', 'MAID', 'LR_ID', 'DLX_ID', 'HASHED_PINNER_ID']) {
      const res = await call(em, 'POST', listsPath(em), { json: { name: 'x', records: 'r', ...(listType ? { list_type: listType } : {}) } });
      expect(res.status).toBe(200);
    }
  });

  it('hands out increasing digit-string ids', async () => {
    const a = await createList(em, 'a', ['1']);
    const b = await createList(em, 'b', ['1']);
    expect(BigInt(b.id)).toBeGreaterThan(BigInt(a.id));
  });
});

describe('get and list', () => {
  it('gets one list and 404s unknown ones', async () => {
    const created = await createList(em, 'one', hexRecords(2));
    const res = await call(em, 'GET', listsPath(em, created.id));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(created.id);
    const missing = await call(em, 'GET', listsPath(em, '999999999'));
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 2, message: 'Customer list not found.' });
  });

  it('pages with bookmarks in both orders and ends with bookmark null', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await createList(em, `l${i}`, ['x'])).id);

    const walk = async (order?: string): Promise<string[]> => {
      const seen: string[] = [];
      let bookmark: string | null = null;
      let pages = 0;
      do {
        const q = new URLSearchParams({ page_size: '3', ...(order ? { order } : {}), ...(bookmark ? { bookmark } : {}) });
        const res = await call(em, 'GET', `${listsPath(em)}?${q}`);
        expect(res.status).toBe(200);
        expect(responseSchemaErrors('GET', '/ad_accounts/{ad_account_id}/customer_lists', res.body)).toEqual([]);
        expect('bookmark' in res.body).toBe(true);
        seen.push(...res.body.items.map((l: { id: string }) => l.id));
        bookmark = res.body.bookmark;
        pages++;
      } while (bookmark !== null);
      expect(pages).toBe(3);
      return seen;
    };
    expect(await walk()).toEqual(ids);
    expect(await walk('ASCENDING')).toEqual(ids);
    expect(await walk('DESCENDING')).toEqual([...ids].reverse());
  });

  it('defaults page_size to 25 and returns bookmark null when everything fits', async () => {
    for (let i = 0; i < 26; i++) await createList(em, `l${i}`, ['x']);
    const first = await call(em, 'GET', listsPath(em));
    expect(first.body.items).toHaveLength(25);
    expect(first.body.bookmark).toEqual(expect.any(String));
    const all = await call(em, 'GET', `${listsPath(em)}?page_size=250`);
    expect(all.body.items).toHaveLength(26);
    expect(all.body.bookmark).toBeNull();
  });

  it('returns an empty page with bookmark null for an account without lists', async () => {
    const res = await call(em, 'GET', listsPath(em));
    expect(res.body).toEqual({ items: [], bookmark: null });
  });
});

describe('PATCH ADD / REMOVE', () => {
  it('keeps membership as a set while counters grow by every record sent', async () => {
    const [a, b, c, d] = hexRecords(4);
    const list = await createList(em, 'm', [a!, b!]);
    em.settleAll();

    const add = await call(em, 'PATCH', listsPath(em, list.id), { json: { operation_type: 'ADD', records: [b, c, c].join(',') } });
    expect(add.status).toBe(200);
    expect(componentSchemaErrors('CustomerList', add.body)).toEqual([]);
    expect(add.body).toMatchObject({ num_batches: 2, num_uploaded_user_records: 5, num_removed_user_records: 0, status: 'PROCESSING' });
    expect(em.membership(list.id)).toEqual(new Set([a, b, c]));

    const remove = await call(em, 'PATCH', listsPath(em, list.id), { json: { operation_type: 'REMOVE', records: `${a},${d},` } });
    expect(remove.body).toMatchObject({ num_batches: 3, num_uploaded_user_records: 5, num_removed_user_records: 2, status: 'PROCESSING' });
    expect(em.membership(list.id)).toEqual(new Set([b, c]));
    expect(em.membershipSize(list.id)).toBe(2);
    expect(em.hasMember(list.id, b!)).toBe(true);
    expect(em.hasMember(list.id, a!)).toBe(false);

    // the next read shows the counters and matching finished (matchDelayMs 0)
    const got = await call(em, 'GET', listsPath(em, list.id));
    expect(got.body).toMatchObject({ num_batches: 3, num_removed_user_records: 2, status: 'TOO_SMALL' });
    expect(got.body.updated_time).toBeGreaterThanOrEqual(got.body.created_time);
  });

  it('advances updated_time on PATCH', async () => {
    const list = await createList(em, 't', ['x']);
    em.advanceTime(5_000);
    const res = await call(em, 'PATCH', listsPath(em, list.id), { json: { operation_type: 'ADD', records: 'y' } });
    expect(res.body.updated_time).toBeGreaterThanOrEqual(list.created_time + 5);
    expect(res.body.created_time).toBe(list.created_time);
  });

  it('404s a list of another ad account', async () => {
    const other = await startEmulator({ adAccounts: [{ id: '111' }, { id: '222' }] });
    try {
      const res = await call(other, 'POST', '/ad_accounts/111/customer_lists', { json: { name: 'a', records: 'x' } });
      const patch = await call(other, 'PATCH', `/ad_accounts/222/customer_lists/${res.body.id}`, { json: { operation_type: 'ADD', records: 'y' } });
      expect(patch.status).toBe(404);
      expect(patch.body.message).toBe('Customer list not found.');
    } finally {
      await other.close();
    }
  });
});

describe('validation', () => {
  const cases: [string, string, string, unknown, number, number, string | RegExp][] = [
    ['non-digit ad account id', 'GET', '/ad_accounts/abc/customer_lists', undefined, 400, 1, "'ad_account_id' value 'abc' must match the pattern: ^\\d+$"],
    ['19-digit ad account id', 'GET', '/ad_accounts/1234567890123456789/customer_lists', undefined, 400, 1, /must match the pattern/],
    ['non-digit list id', 'GET', '/ad_accounts/549755885175/customer_lists/x1', undefined, 400, 1, "'customer_list_id' value 'x1' must match the pattern: ^\\d+$"],
    ['non-numeric page_size', 'GET', '/ad_accounts/549755885175/customer_lists?page_size=3e', undefined, 400, 1, "Parameter 'page_size' was not numeric (was 3e)"],
    ['page_size 0', 'GET', '/ad_accounts/549755885175/customer_lists?page_size=0', undefined, 400, 1, /page_size/],
    ['page_size 251', 'GET', '/ad_accounts/549755885175/customer_lists?page_size=251', undefined, 400, 1, /page_size/],
    ['bad order', 'GET', '/ad_accounts/549755885175/customer_lists?order=UP', undefined, 400, 1, /order/],
    ['bad bookmark', 'GET', '/ad_accounts/549755885175/customer_lists?bookmark=%%%', undefined, 400, 1, /bookmark/],
    ['missing name', 'POST', '/ad_accounts/549755885175/customer_lists', { records: 'a' }, 400, 1, "Invalid request: 'name' is required."],
    ['empty name', 'POST', '/ad_accounts/549755885175/customer_lists', { name: ' ', records: 'a' }, 400, 1, /^Invalid request: 'name'/],
    ['missing records', 'POST', '/ad_accounts/549755885175/customer_lists', { name: 'a' }, 400, 1, "Invalid request: 'records' is required."],
    ['records not a string', 'POST', '/ad_accounts/549755885175/customer_lists', { name: 'a', records: ['x'] }, 400, 1, "Invalid request: 'records' must be a string."],
    ['bad list_type', 'POST', '/ad_accounts/549755885175/customer_lists', { name: 'a', records: 'x', list_type: 'email' }, 400, 1, /^Invalid request: 'list_type' must be one of EMAIL/],
    ['body not an object', 'POST', '/ad_accounts/549755885175/customer_lists', [1], 400, 1, /^Invalid request: /],
  ];
  it.each(cases)('%s', async (_name, method, path, json, status, code, message) => {
    const res = await call(em, method, path, { json });
    expect(res.status).toBe(status);
    expect(res.body.code).toBe(code);
    if (typeof message === 'string') expect(res.body.message).toBe(message);
    else expect(res.body.message).toMatch(message);
    expect(componentSchemaErrors('Error', res.body)).toEqual([]);
  });

  it('refuses malformed JSON, an empty body, a bad operation_type and missing records on PATCH', async () => {
    const list = await createList(em, 'v', ['x']);
    const path = listsPath(em, list.id);
    const bad = await call(em, 'PATCH', path, { raw: '{"operation_type": "ADD", "records": ' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: 1, message: 'Invalid request: the request body is not valid JSON.' });
    const empty = await call(em, 'PATCH', path, { raw: '' });
    expect(empty.body.message).toMatch(/^Invalid request: /);
    const op = await call(em, 'PATCH', path, { json: { operation_type: 'APPEND', records: 'y' } });
    expect(op.body).toEqual({ code: 1, message: `Invalid request: 'operation_type' must be one of ADD, REMOVE (was "APPEND").` });
    const noOp = await call(em, 'PATCH', path, { json: { records: 'y' } });
    expect(noOp.body.message).toBe("Invalid request: 'operation_type' is required.");
    const noRecords = await call(em, 'PATCH', path, { json: { operation_type: 'ADD' } });
    expect(noRecords.body.message).toBe("Invalid request: 'records' is required.");
    // nothing was applied by any of them
    expect((await call(em, 'GET', path)).body.num_batches).toBe(1);
  });

  it('answers unknown paths with 404 and wrong methods with 405 code 5, as JSON with a request id', async () => {
    const unknown = await call(em, 'GET', '/nothing/here');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/json');
    expect(unknown.headers.get('x-pinterest-rid')).toBeTruthy();
    const wrong = await call(em, 'DELETE', listsPath(em, '1'));
    expect(wrong.status).toBe(405);
    expect(wrong.body).toEqual({ code: 5, message: 'Method not allowed' });
  });
});
