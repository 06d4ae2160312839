/**
 * Bearer auth, scopes and ad-account access, plus the ad account endpoints a client uses to check its setup.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';
import { call } from './helpers/emulator-http.js';
import { responseSchemaErrors } from '../contract/openapi-validator.js';

const AUTH_FAILED = { code: 2, message: 'Authentication failed.' };

describe('defaults', () => {
  let em: RunningEmulator;
  beforeAll(async () => {
    em = await startEmulator();
  });
  afterAll(async () => {
    await em.close();
  });

  it('listens on loopback with the documented default token and ad account', () => {
    expect(em.url).toBe(`http://127.0.0.1:${em.port}`);
    expect(em.baseUrl).toBe(`${em.url}/v5`);
    expect(em.token).toBe('pinsync-emulator-token');
    expect(em.adAccountId).toBe('549755885175');
  });

  it.each([
    ['no Authorization header', null, undefined],
    ['an unknown token', 'nope', undefined],
    ['a non-Bearer scheme', null, { authorization: 'Basic cGluc3luYzp4' }],
  ])('answers 401 code 2 to %s', async (_name, token, headers) => {
    const res = await call(em, 'GET', '/ad_accounts/549755885175/customer_lists', { token, headers });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(AUTH_FAILED);
    expect(res.headers.get('x-pinterest-rid')).toBeTruthy();
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('answers 404 code 2 for an unknown ad account', async () => {
    const res = await call(em, 'GET', '/ad_accounts/123/customer_lists');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ code: 2, message: 'AdAccount not found.' });
  });

  it('lists and gets the ad account (AdAccount schema)', async () => {
    const list = await call(em, 'GET', '/ad_accounts');
    expect(list.status).toBe(200);
    expect(responseSchemaErrors('GET', '/ad_accounts', list.body)).toEqual([]);
    expect(list.body.bookmark).toBeNull();
    expect(list.body.items.map((a: { id: string }) => a.id)).toEqual(['549755885175']);
    const one = await call(em, 'GET', '/ad_accounts/549755885175');
    expect(responseSchemaErrors('GET', '/ad_accounts/{ad_account_id}', one.body)).toEqual([]);
    expect(one.body).toMatchObject({ id: '549755885175', permissions: ['OWNER'], owner: { id: expect.any(String) } });
  });

  it('stops accepting a revoked token and accepts an added one', async () => {
    em.addToken('second-token');
    expect((await call(em, 'GET', '/ad_accounts', { token: 'second-token' })).status).toBe(200);
    expect(em.revokeToken('second-token')).toBe(true);
    expect((await call(em, 'GET', '/ad_accounts', { token: 'second-token' })).body).toEqual(AUTH_FAILED);
  });
});

describe('configured tokens and ad accounts', () => {
  let em: RunningEmulator;
  beforeAll(async () => {
    em = await startEmulator({
      adAccounts: [{ id: '100' }, { id: '200', ownerUserId: '77' }, { id: '300' }],
      tokens: [
        { token: 'alice', userId: '1', adAccountIds: ['100', '200'] },
        { token: 'reader', userId: '2', adAccountIds: ['100'], scopes: ['ads:read'] },
      ],
    });
  });
  afterAll(async () => {
    await em.close();
  });

  it('answers 403 code 29 for an ad account the user may not use', async () => {
    const res = await call(em, 'GET', '/ad_accounts/300/customer_lists', { token: 'alice' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ code: 29, message: 'You are not permitted to access that resource.' });
  });

  it('answers 401 code 3 when the token lacks the scope', async () => {
    const read = await call(em, 'GET', '/ad_accounts/100/customer_lists', { token: 'reader' });
    expect(read.status).toBe(200);
    const write = await call(em, 'POST', '/ad_accounts/100/customer_lists', { token: 'reader', json: { name: 'a', records: 'x' } });
    expect(write.status).toBe(401);
    expect(write.body.code).toBe(3);
  });

  it('pages ad accounts and filters shared ones on include_shared_accounts=false', async () => {
    const first = await call(em, 'GET', '/ad_accounts?page_size=1', { token: 'alice' });
    expect(first.body.items.map((a: { id: string }) => a.id)).toEqual(['100']);
    expect(first.body.items[0].permissions).toEqual(['OWNER']);
    const second = await call(em, 'GET', `/ad_accounts?page_size=1&bookmark=${first.body.bookmark}`, { token: 'alice' });
    expect(second.body.items.map((a: { id: string }) => a.id)).toEqual(['200']);
    expect(second.body.items[0].permissions).toEqual(['ADMIN']);
    expect(second.body.bookmark).toBeNull();
    const owned = await call(em, 'GET', '/ad_accounts?include_shared_accounts=false', { token: 'alice' });
    expect(owned.body.items.map((a: { id: string }) => a.id)).toEqual(['100']);
    const bad = await call(em, 'GET', '/ad_accounts?include_shared_accounts=maybe', { token: 'alice' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe(1);
  });
});
