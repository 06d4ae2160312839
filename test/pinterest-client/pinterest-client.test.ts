/** Request shapes and response mapping of every PinterestClient method, against a real loopback server. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Pool } from 'undici';
import { DestinationError } from '../../core/errors.js';
import { PINTEREST_ERROR_CODES } from '../../connectors/pinterest/http/pinterest-errors.js';
import { AD_ACCOUNT, TEST_TOKEN, customerListJson, makeClient, rejectionOf } from './helpers/client-fixture.js';
import { startScriptedServer, type ScriptedServer } from './helpers/scripted-server.js';

let server: ScriptedServer;
const closers: (() => Promise<void>)[] = [];

beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await server.close();
});

function fixture(overrides: Parameters<typeof makeClient>[1] = {}) {
  const f = makeClient(server, overrides);
  closers.push(() => f.client.close());
  return f;
}

const accountPath = `/v5/ad_accounts/${AD_ACCOUNT}`;

describe('PinterestClient requests and mapping', () => {
  it('creates a customer list with a comma-joined records string and the list type', async () => {
    server.enqueue({ status: 200, body: customerListJson({ num_batches: 1.0, unknown_future_field: { a: 1 } }) });
    const { client } = fixture();

    const info = await client.createCustomerList({ name: 'vip', listType: 'EMAIL', records: ['a'.repeat(64), 'b'.repeat(64)] });

    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe(`${accountPath}/customer_lists`);
    expect(req?.headers.authorization).toBe(`Bearer ${TEST_TOKEN}`);
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.headers.accept).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual({ name: 'vip', records: `${'a'.repeat(64)},${'b'.repeat(64)}`, list_type: 'EMAIL' });
    expect(info).toEqual({
      id: '643',
      name: 'vip',
      status: 'PROCESSING',
      numUploadedUserRecords: 2,
      numRemovedUserRecords: 0,
      numBatches: 1,
    });
  });

  it('PATCHes ADD/REMOVE batches with operation_type and records', async () => {
    server.enqueue({ status: 200, body: customerListJson({ num_batches: 3, num_removed_user_records: 1 }) });
    const { client } = fixture();

    const info = await client.updateCustomerList('643', 'REMOVE', ['c'.repeat(64)]);

    const [req] = server.requests;
    expect(req?.method).toBe('PATCH');
    expect(req?.path).toBe(`${accountPath}/customer_lists/643`);
    expect(JSON.parse(req?.body ?? '')).toEqual({ operation_type: 'REMOVE', records: 'c'.repeat(64) });
    expect(info.numBatches).toBe(3);
    expect(info.numRemovedUserRecords).toBe(1);
  });

  it('reads one customer list, tolerating missing and oddly typed optional fields', async () => {
    server.enqueue({ status: 200, body: { id: 643, name: 'vip', num_uploaded_user_records: '12', num_batches: 2.7 } });
    const { client } = fixture();

    const info = await client.getCustomerList('643');

    expect(server.requests[0]?.method).toBe('GET');
    expect(server.requests[0]?.path).toBe(`${accountPath}/customer_lists/643`);
    expect(server.requests[0]?.headers['content-type']).toBeUndefined();
    expect(info).toEqual({
      id: '643',
      name: 'vip',
      status: 'UNKNOWN',
      numUploadedUserRecords: 12,
      numRemovedUserRecords: 0,
      numBatches: 2,
    });
  });

  it('follows bookmark pagination with page_size=250 until the bookmark is null', async () => {
    server.enqueue(
      { status: 200, body: { items: [customerListJson({ id: '1' }), customerListJson({ id: '2' })], bookmark: 'b1' } },
      { status: 200, body: { items: [customerListJson({ id: '3' })], bookmark: 'b2' } },
      { status: 200, body: { items: [customerListJson({ id: '4' })], bookmark: null } },
    );
    const { client, events } = fixture();

    const lists = await client.listCustomerLists();

    expect(lists.map((l) => l.id)).toEqual(['1', '2', '3', '4']);
    expect(server.requests.map((r) => [r.path, r.query.get('page_size'), r.query.get('bookmark')])).toEqual([
      [`${accountPath}/customer_lists`, '250', null],
      [`${accountPath}/customer_lists`, '250', 'b1'],
      [`${accountPath}/customer_lists`, '250', 'b2'],
    ]);
    expect(client.stats()).toEqual({ apiCalls: 3, retries: 0 });
    expect(events.map((e) => e.attempt)).toEqual([1, 1, 1]);
  });

  it('stops with a clear error when a bookmark repeats instead of looping forever', async () => {
    server.fallback = { status: 200, body: { items: [], bookmark: 'same' } };
    const { client } = fixture();

    const err = await rejectionOf(client.listCustomerLists());

    expect(err.code).toBe(PINTEREST_ERROR_CODES.badResponse);
    expect(server.requests).toHaveLength(2);
  });

  it('creates a CUSTOMER_LIST audience with the rule and optional description', async () => {
    const audience = {
      id: '1234',
      name: 'VIP customers',
      audience_type: 'CUSTOMER_LIST',
      rule: { customer_list_id: '643' },
      size: null,
      status: 'INITIALIZING',
      type: 'audience',
    };
    server.enqueue({ status: 200, body: audience }, { status: 200, body: audience });
    const { client } = fixture();

    const info = await client.createAudience({ name: 'VIP customers', customerListId: '643', description: 'from pinsync' });
    await client.createAudience({ name: 'VIP customers', customerListId: '643' });

    expect(server.requests[0]?.method).toBe('POST');
    expect(server.requests[0]?.path).toBe(`${accountPath}/audiences`);
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({
      name: 'VIP customers',
      audience_type: 'CUSTOMER_LIST',
      rule: { customer_list_id: '643' },
      description: 'from pinsync',
    });
    expect(JSON.parse(server.requests[1]?.body ?? '')).not.toHaveProperty('description');
    expect(info).toEqual({ id: '1234', name: 'VIP customers', status: 'INITIALIZING', size: null, customerListId: '643' });
  });

  it('reads an audience and maps its size to an integer', async () => {
    server.enqueue({ status: 200, body: { id: '1234', name: 'A', status: 'READY', size: 1500.0, rule: { customer_list_id: '643' } } });
    const { client } = fixture();

    const info = await client.getAudience('1234');

    expect(server.requests[0]?.path).toBe(`${accountPath}/audiences/1234`);
    expect(info).toEqual({ id: '1234', name: 'A', status: 'READY', size: 1500, customerListId: '643' });
  });

  it('reads the ad account', async () => {
    server.enqueue({
      status: 200,
      body: { id: AD_ACCOUNT, name: 'ACME', country: 'US', currency: 'USD', owner: { username: 'acme' }, permissions: ['OWNER'] },
    });
    const { client } = fixture();

    const account = await client.getAdAccount();

    expect(server.requests[0]?.path).toBe(`/v5/ad_accounts/${AD_ACCOUNT}`);
    expect(account).toEqual({ id: AD_ACCOUNT, name: 'ACME', country: 'US', currency: 'USD', ownerUsername: 'acme', permissions: ['OWNER'] });
  });

  it('rejects a missing list with a 404 DestinationError', async () => {
    server.enqueue({ status: 404, body: { code: 2, message: 'Customer list not found.' } });
    const { client } = fixture();

    const err = await rejectionOf(client.getCustomerList('999'));

    expect(err).toBeInstanceOf(DestinationError);
    expect(err.code).toBe(PINTEREST_ERROR_CODES.notFound);
    expect(err.status).toBe(404);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a malformed id locally without sending anything', async () => {
    const { client } = fixture();

    const err = await rejectionOf(client.getAudience('12/../34'));

    expect(err.code).toBe(PINTEREST_ERROR_CODES.invalidId);
    expect(server.requests).toHaveLength(0);
    expect(() => makeClient(server, { adAccountId: 'abc' })).toThrow(/adAccountId/);
  });

  it('reports a 2xx body that is not the expected JSON', async () => {
    server.enqueue({ status: 200, body: '<html>oops</html>' }, { status: 200, body: { name: 'no id' } });
    const { client } = fixture();

    const notJson = await rejectionOf(client.getCustomerList('643'));
    const noId = await rejectionOf(client.getCustomerList('643'));

    expect(notJson.code).toBe(PINTEREST_ERROR_CODES.badResponse);
    expect(notJson.message).toContain('rid-1');
    expect(noId.code).toBe(PINTEREST_ERROR_CODES.badResponse);
    expect(noId.message).toContain('has no id');
  });

  it('emits an onRequest event per attempt and calls the gate with the right category', async () => {
    server.enqueue({ status: 200, body: customerListJson() }, { status: 200, body: customerListJson() });
    const categories: string[] = [];
    const { client, events } = fixture({
      gate: {
        acquire: (category) => {
          categories.push(category);
          return Promise.resolve();
        },
      },
    });

    await client.getCustomerList('643');
    await client.updateCustomerList('643', 'ADD', ['d'.repeat(64)]);

    expect(categories).toEqual(['ads_read', 'ads_write']);
    expect(events).toEqual([
      expect.objectContaining({ operation: 'getCustomerList', method: 'GET', path: `/ad_accounts/${AD_ACCOUNT}/customer_lists/643`, status: 200, attempt: 1, requestId: 'rid-1' }),
      expect.objectContaining({ operation: 'updateCustomerList', method: 'PATCH', status: 200, attempt: 1, requestId: 'rid-2' }),
    ]);
    expect(typeof events[0]?.durationMs).toBe('number');
  });

  it('sends through an injected dispatcher and leaves it open on close()', async () => {
    server.enqueue({ status: 200, body: customerListJson() }, { status: 200, body: customerListJson() });
    const pool = new Pool(new URL(server.baseUrl).origin);
    closers.push(() => pool.close());
    const { client } = fixture({ dispatcher: pool });

    await client.getCustomerList('643');
    await client.close();
    await client.getCustomerList('643');

    expect(pool.closed).toBe(false);
    expect(server.requests).toHaveLength(2);
  });

  it('ignores an onRequest hook that throws', async () => {
    server.enqueue({ status: 200, body: customerListJson() });
    const { client } = fixture({
      onRequest: () => {
        throw new Error('progress bar broke');
      },
    });

    await expect(client.getCustomerList('643')).resolves.toMatchObject({ id: '643' });
  });
});
