/**
 * The emulator against the official OpenAPI description, through real HTTP: every route on its success and error
 * paths. Every answer must validate. Every request must validate too, except those a case sends invalid on purpose,
 * which the validator must flag and the emulator must refuse (4xx): the emulator may not accept what the spec
 * rejects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import type { Exchange } from '../../emulators/pinterest/exchange-log.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';
import { audiencesPath, call, hexRecords, listsPath, tokenRequest, type ApiResponse } from '../emulator/helpers/emulator-http.js';
import { assertSpecCompliant, specViolations } from './assert-spec-compliant.js';
import { openApiValidator } from './openapi-validator.js';

const ACCOUNT = '549755885175';
const OTHER_ACCOUNT = '111';
const REDIRECT = 'https://example.invalid/callback';

let em: RunningEmulator;
beforeAll(async () => {
  em = await startEmulator({
    audienceMinMatched: 5,
    maxRecordsPerRequest: 50,
    adAccounts: [{ id: ACCOUNT }, { id: OTHER_ACCOUNT, ownerUserId: '9' }],
    tokens: [
      { token: 'owner', adAccountIds: [ACCOUNT] },
      { token: 'reader', adAccountIds: [ACCOUNT], scopes: ['ads:read'] },
      { token: 'stranger', userId: '9', adAccountIds: [OTHER_ACCOUNT] },
    ],
  });
});
afterAll(async () => {
  await em.close();
});

/** The exchange the last call produced. */
function lastExchange(): Exchange {
  const exchange = em.exchanges.at(-1);
  if (exchange === undefined) throw new Error('no exchange was logged');
  return exchange;
}

/**
 * Checks the last exchange: its answer has `status` and validates; its request validates, or (`invalid`) the
 * validator flags it with a message matching `invalid`.
 */
function expectExchange(res: ApiResponse, status: number, invalid?: RegExp): void {
  expect(res.status, res.text).toBe(status);
  const exchange = lastExchange();
  const violations = openApiValidator().exchangeViolations(exchange);
  expect(violations.filter((v) => v.part === 'response')).toEqual([]);
  const request = violations.filter((v) => v.part === 'request').map((v) => v.message);
  if (invalid === undefined) {
    expect(request).toEqual([]);
  } else {
    expect(request.join('\n')).toMatch(invalid);
    // Whatever the spec rejects, the emulator must refuse too.
    expect(exchange.status).toBeGreaterThanOrEqual(400);
  }
}

const owner = { token: 'owner' } as const;

describe('ad accounts and user account', () => {
  it('lists (with paging and include_shared_accounts) and gets ad accounts', async () => {
    expectExchange(await call(em, 'GET', '/ad_accounts', owner), 200);
    expectExchange(await call(em, 'GET', '/ad_accounts?page_size=1&include_shared_accounts=false', owner), 200);
    expectExchange(await call(em, 'GET', `/ad_accounts/${ACCOUNT}`, owner), 200);
  });

  it('refuses bad parameters and foreign or unknown accounts', async () => {
    expectExchange(await call(em, 'GET', '/ad_accounts?include_shared_accounts=maybe', owner), 400, /include_shared_accounts must be boolean/);
    expectExchange(await call(em, 'GET', '/ad_accounts?page_size=3e', owner), 400, /page_size must be integer/);
    expectExchange(await call(em, 'GET', '/ad_accounts?page_size=251', owner), 400, /page_size must be <= 250/);
    expectExchange(await call(em, 'GET', '/ad_accounts/abc', owner), 400, /ad_account_id must match pattern/);
    expectExchange(await call(em, 'GET', '/ad_accounts/1234567890123456789', owner), 400, /must NOT have more than 18 characters/);
    expectExchange(await call(em, 'GET', `/ad_accounts/${OTHER_ACCOUNT}`, owner), 403);
    expectExchange(await call(em, 'GET', '/ad_accounts/123', owner), 404);
  });

  it('ignores an unknown query parameter, which only strict checking reports', async () => {
    expect((await call(em, 'GET', '/ad_accounts?colour=red', owner)).status).toBe(200);
    const validator = openApiValidator();
    expect(validator.exchangeViolations(lastExchange()).map((v) => v.message)).toEqual([`query parameter 'colour' is not in the spec`]);
    expect(validator.exchangeViolations(lastExchange(), 0, { strict: false })).toEqual([]);
  });

  it('answers GET /user_account and its errors', async () => {
    expectExchange(await call(em, 'GET', '/user_account', owner), 200);
    expectExchange(await call(em, 'GET', `/user_account?ad_account_id=${ACCOUNT}`, owner), 200);
    expectExchange(await call(em, 'GET', `/user_account?ad_account_id=${OTHER_ACCOUNT}`, owner), 403);
    expectExchange(await call(em, 'GET', '/user_account?ad_account_id=x1', owner), 400, /ad_account_id must match pattern/);
    expectExchange(await call(em, 'GET', '/user_account', { token: 'reader' }), 401);
  });

  it('answers 401 code 2 without, or with an unknown, bearer token', async () => {
    expectExchange(await call(em, 'GET', '/ad_accounts', { token: null }), 401, /no Authorization header/);
    expectExchange(await call(em, 'GET', '/ad_accounts', { token: 'nope' }), 401);
  });
});

describe('customer lists', () => {
  let listId: string;

  it('creates, lists, gets and updates a list', async () => {
    const created = await call(em, 'POST', listsPath(em), { ...owner, json: { name: 'vip', records: hexRecords(10).join(','), list_type: 'EMAIL' } });
    expectExchange(created, 200);
    listId = created.body.id;
    expectExchange(await call(em, 'GET', `${listsPath(em)}?page_size=1&order=DESCENDING`, owner), 200);
    expectExchange(await call(em, 'GET', listsPath(em, listId), owner), 200);
    expectExchange(await call(em, 'PATCH', listsPath(em, listId), { ...owner, json: { operation_type: 'ADD', records: hexRecords(5, 10).join(',') } }), 200);
    expectExchange(await call(em, 'PATCH', listsPath(em, listId), { ...owner, json: { operation_type: 'REMOVE', records: hexRecords(2).join(',') } }), 200);
  });

  it('refuses invalid bodies and parameters with 400 code 1, as the spec does', async () => {
    expectExchange(await call(em, 'POST', listsPath(em), { ...owner, raw: '{"name":' }), 400, /not valid application\/json/);
    expectExchange(await call(em, 'POST', listsPath(em), { ...owner, json: { name: 'x' } }), 400, /must have required property 'records'/);
    expectExchange(await call(em, 'POST', listsPath(em), { ...owner, json: { name: 'x', records: 'a', list_type: 'PHONE' } }), 400, /list_type must be equal to one of/);
    expectExchange(await call(em, 'POST', listsPath(em), { ...owner, json: { name: 'x', records: ['a'] } }), 400, /records must be string/);
    expectExchange(await call(em, 'PATCH', listsPath(em, listId), { ...owner, json: { operation_type: 'add', records: 'a' } }), 400, /operation_type must be equal to one of/);
    expectExchange(await call(em, 'GET', `${listsPath(em)}?order=SIDEWAYS`, owner), 400, /order must be equal to one of/);
    expectExchange(await call(em, 'GET', listsPath(em, '12x'), owner), 400, /customer_list_id must match pattern/);
  });

  it('answers 404, 403, 401 code 3 and 413 with Error bodies', async () => {
    expectExchange(await call(em, 'GET', listsPath(em, '999'), owner), 404);
    expectExchange(await call(em, 'PATCH', listsPath(em, '999'), { ...owner, json: { operation_type: 'ADD', records: 'a' } }), 404);
    expectExchange(await call(em, 'GET', `/ad_accounts/${OTHER_ACCOUNT}/customer_lists`, owner), 403);
    expectExchange(await call(em, 'POST', listsPath(em), { token: 'reader', json: { name: 'x', records: 'a' } }), 401);
    expectExchange(await call(em, 'POST', listsPath(em), { ...owner, json: { name: 'big', records: hexRecords(51).join(',') } }), 413);
  });
});

describe('audiences', () => {
  it('creates, lists, gets, updates and removes an audience', async () => {
    const list = await call(em, 'POST', listsPath(em), { ...owner, json: { name: 'a', records: hexRecords(10).join(',') } });
    const created = await call(em, 'POST', audiencesPath(em), {
      ...owner,
      json: { name: 'A', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.body.id }, description: 'd', ad_account_id: ACCOUNT },
    });
    expectExchange(created, 200);
    const id = created.body.id as string;
    expectExchange(await call(em, 'GET', `${audiencesPath(em)}?ownership_type=OWNED&order=ASCENDING&page_size=1`, owner), 200);
    expectExchange(await call(em, 'GET', `${audiencesPath(em)}?ownership_type=RECEIVED`, owner), 200);
    expectExchange(await call(em, 'GET', audiencesPath(em, id), owner), 200);
    expectExchange(await call(em, 'PATCH', audiencesPath(em, id), { ...owner, json: { name: 'B', description: 'e', operation_type: 'UPDATE' } }), 200);
    expectExchange(await call(em, 'PATCH', audiencesPath(em, id), { ...owner, json: { operation_type: 'REMOVE' } }), 200);
    expectExchange(await call(em, 'GET', audiencesPath(em, id), owner), 404);
  });

  it('refuses invalid audiences and parameters', async () => {
    const rule = { customer_list_id: '999' };
    expectExchange(await call(em, 'POST', audiencesPath(em), { ...owner, json: { name: 'A', audience_type: 'customer_list', rule } }), 400, /audience_type must be equal to one of/);
    expectExchange(await call(em, 'POST', audiencesPath(em), { ...owner, json: { name: 'A', audience_type: 'CUSTOMER_LIST' } }), 400, /required property 'rule'/);
    expectExchange(await call(em, 'POST', audiencesPath(em), { ...owner, json: { name: 'A', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: 'x' } } }), 400, /customer_list_id must match pattern/);
    expectExchange(await call(em, 'POST', audiencesPath(em), { ...owner, json: { name: 'A', audience_type: 'CUSTOMER_LIST', rule } }), 404);
    expectExchange(await call(em, 'GET', `${audiencesPath(em)}?ownership_type=SHARED`, owner), 400, /ownership_type must be equal to one of/);
    expectExchange(await call(em, 'PATCH', audiencesPath(em, '999'), { ...owner, json: { operation_type: 'DELETE' } }), 400, /operation_type must be equal to one of/);
    expectExchange(await call(em, 'PATCH', audiencesPath(em, '999'), { ...owner, json: { name: 'x' } }), 404);
  });

  it('refuses an audience on a too-small list with a documented error body', async () => {
    const list = await call(em, 'POST', listsPath(em), { ...owner, json: { name: 's', records: 'a' } });
    expectExchange(await call(em, 'POST', audiencesPath(em), { ...owner, json: { name: 'A', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.body.id } } }), 400);
  });
});

describe('OAuth', () => {
  it('exchanges a code, refreshes, issues client credentials and revokes', async () => {
    const code = em.oauth.issueCode({ redirectUri: REDIRECT, scopes: ['ads:read', 'ads:write', 'user_accounts:read'] });
    const exchanged = await tokenRequest(em, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, continuous_refresh: 'true' });
    expectExchange(exchanged, 200);
    const refreshed = await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: exchanged.body.refresh_token, scope: 'ads:read' });
    expectExchange(refreshed, 200);
    expectExchange(await tokenRequest(em, { grant_type: 'client_credentials', scope: 'ads:read,user_accounts:read' }), 200);
    const revoke = await call(em, 'POST', '/oauth/token/revoke', {
      basic: [em.oauth.clientId, em.oauth.clientSecret],
      form: { token: refreshed.body.refresh_token, token_type_hint: 'refresh_token' },
    });
    expectExchange(revoke, 200);
    expect(revoke.text).toBe('');
  });

  it('answers the documented errors', async () => {
    expectExchange(await tokenRequest(em, { grant_type: 'client_credentials', scope: 'ads:read' }, ['pinsync-emulator-client', 'wrong']), 401);
    expectExchange(await call(em, 'POST', '/oauth/token', { token: null, form: { grant_type: 'client_credentials', scope: 'ads:read' } }), 401, /no Authorization header/);
    expectExchange(await tokenRequest(em, { grant_type: 'password' }), 400, /grant_type must be equal to one of/);
    expectExchange(await tokenRequest(em, { grant_type: 'authorization_code', redirect_uri: REDIRECT }), 400, /required property 'code'/);
    expectExchange(await tokenRequest(em, { grant_type: 'refresh_token' }), 400, /required property 'refresh_token'/);
    expectExchange(await tokenRequest(em, { grant_type: 'client_credentials' }), 400, /required property 'scope'/);
    expectExchange(await tokenRequest(em, { grant_type: 'authorization_code', code: 'unknown', redirect_uri: REDIRECT }), 401);
    expectExchange(await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: 'pinr_unknown' }), 401);
    expectExchange(
      await call(em, 'POST', '/oauth/token', { basic: [em.oauth.clientId, em.oauth.clientSecret], json: { grant_type: 'client_credentials', scope: 'ads:read' } }),
      400,
      /Content-Type 'application\/json' is not one of application\/x-www-form-urlencoded/,
    );
    const basic: [string, string] = [em.oauth.clientId, em.oauth.clientSecret];
    expectExchange(await call(em, 'POST', '/oauth/token/revoke', { basic, form: { token_type_hint: 'access_token' } }), 400, /required property 'token'/);
    expectExchange(await call(em, 'POST', '/oauth/token/revoke', { basic, form: { token: 'x', token_type_hint: 'id_token' } }), 400, /token_type_hint must be equal to one of/);
  });

  it('refuses a client-credentials token on user-only operations with 401 code 3', async () => {
    const cc = await tokenRequest(em, { grant_type: 'client_credentials', scope: 'ads:read ads:write' });
    const token = cc.body.access_token as string;
    expectExchange(await call(em, 'GET', listsPath(em), { token }), 401);
    expectExchange(await call(em, 'GET', `${audiencesPath(em)}`, { token }), 200);
  });
});

describe('faults and limits', () => {
  it('keeps injected 429, 500 and 503 answers within the spec', async () => {
    em.faults.failNext({ status: 429, headers: { 'X-RateLimit-Reset': '3' } });
    expectExchange(await call(em, 'GET', listsPath(em), owner), 429);
    em.faults.failNext({ status: 500 });
    expectExchange(await call(em, 'PATCH', listsPath(em, '1'), { ...owner, json: { operation_type: 'ADD', records: 'a' } }), 500);
    em.faults.failNext({ status: 503 });
    expectExchange(await call(em, 'POST', '/oauth/token', { basic: [em.oauth.clientId, em.oauth.clientSecret], form: { grant_type: 'client_credentials', scope: 'ads:read' } }), 503);
  });

  it('checks the request of a dropped exchange and nothing else', async () => {
    em.faults.dropNext(1);
    await expect(call(em, 'GET', listsPath(em), owner)).rejects.toThrow();
    const exchange = lastExchange();
    expect(exchange).toMatchObject({ status: null, outcome: 'dropped', responseBody: undefined });
    expect(openApiValidator().exchangeViolations(exchange)).toEqual([]);
  });

  it('answers rate-limited requests with a valid 429 and X-RateLimit headers', async () => {
    const limited = await startEmulator({ rateLimits: { ads_read: 1 } });
    try {
      expect((await call(limited, 'GET', '/ad_accounts')).status).toBe(200);
      const res = await call(limited, 'GET', '/ad_accounts');
      expect(res.status).toBe(429);
      expect(res.headers.get('x-ratelimit-reset')).toMatch(/^[1-9]\d*$/);
      expect(assertSpecCompliant(limited)).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('reports a method the spec does not have', async () => {
    const res = await call(em, 'DELETE', listsPath(em, '1'), owner);
    expect(res.status).toBe(405);
    expect(openApiValidator().exchangeViolations(lastExchange()).map((v) => v.message)).toEqual([expect.stringMatching(/no operation DELETE/)]);
  });
});

describe('the whole session', () => {
  it('has no response that departs from the spec, and every request violation was a deliberate one', () => {
    expect(em.exchanges.length).toBeGreaterThan(60);
    const documented = (e: Exchange): boolean => e.method !== 'DELETE';
    expect(specViolations(em, { requests: false, filter: documented })).toEqual([]);
    // Each invalid request above was refused, so a spec-invalid request never got a 2xx (strict: false, because
    // undeclared extras are allowed by the spec and ignored by the emulator, like by Pinterest).
    const accepted = specViolations(em, { responses: false, strict: false }).filter((v) => {
      const status = em.exchanges[v.index]?.status;
      return status !== null && status !== undefined && status < 400;
    });
    expect(accepted).toEqual([]);
  });

  it('throws a SpecComplianceError listing the violations', () => {
    expect(() => assertSpecCompliant(em)).toThrow(/OpenAPI violation\(s\) in \d+ exchange\(s\)\n {2}#\d+ GET \/v5\/ad_accounts\?include_shared_accounts=maybe → 400: request: /);
  });
});
