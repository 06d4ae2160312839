/**
 * The real PinterestClient against the emulator, through every method and the failures it retries or reports,
 * with every exchange of the session (each request the client sent, each answer it got) checked against the
 * official OpenAPI description in strict mode: no undeclared body field, no unknown query parameter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pinterestDestinationSchema } from '../../core/config/destination-schema.js';
import type { StateStore, StoredTokens } from '../../core/state-store.js';
import { PinterestOAuthTokenProvider } from '../../connectors/pinterest/oauth/pinterest-oauth-provider.js';

import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';
import { PinterestClient } from '../../connectors/pinterest/http/pinterest-client.js';
import { PINTEREST_LIST_PAGE_SIZE } from '../../connectors/pinterest/pinterest-config.js';
import { PinterestError } from '../../connectors/pinterest/http/pinterest-errors.js';
import { staticTokenProvider } from '../../connectors/pinterest/oauth/pinterest-token-provider.js';
import { hexRecords, tokenRequest } from '../emulator/helpers/emulator-http.js';
import { assertSpecCompliant } from './assert-spec-compliant.js';

let em: RunningEmulator;
let client: PinterestClient;

function makeClient(token: string): PinterestClient {
  return new PinterestClient({
    baseUrl: em.baseUrl,
    adAccountId: em.adAccountId,
    auth: staticTokenProvider(token),
    retry: { baseDelayMs: 1, maxDelayMs: 5, rateLimitJitterMs: 0, maxAttempts: 4 },
  });
}

async function rejection(promise: Promise<unknown>): Promise<PinterestError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PinterestError);
  return err as PinterestError;
}

beforeAll(async () => {
  em = await startEmulator({ audienceMinMatched: 3 });
  client = makeClient(em.token);
});
afterAll(async () => {
  await client.close();
  await em.close();
});

describe('PinterestClient ↔ emulator, every exchange within the OpenAPI description', () => {
  let listId: string;

  it('creates, updates, reads and pages customer lists', async () => {
    const created = await client.createCustomerList({ name: 'contract', listType: 'EMAIL', records: hexRecords(20) });
    listId = created.id;
    await client.updateCustomerList(listId, 'ADD', hexRecords(10, 20));
    await client.updateCustomerList(listId, 'REMOVE', hexRecords(5));
    expect((await client.getCustomerList(listId)).id).toBe(listId);
    for (const listType of ['IDFA', 'MAID'] as const) await client.createCustomerList({ name: listType, listType, records: hexRecords(1) });
    expect(await client.listCustomerLists()).toHaveLength(3);
  });

  it('follows the bookmark past one page', async () => {
    // One more list than a page holds, so listCustomerLists must send the bookmark it got back.
    const lists = PINTEREST_LIST_PAGE_SIZE + 1 - em.lists().length;
    for (let i = 0; i < lists; i++) await client.createCustomerList({ name: `page-${i}`, listType: 'EMAIL', records: ['x'] });
    expect(await client.listCustomerLists()).toHaveLength(PINTEREST_LIST_PAGE_SIZE + 1);
    expect(em.requests.filter((r) => r.operationId === 'customer_lists/list' && r.query.includes('bookmark='))).toHaveLength(1);
  });

  it('creates and reads an audience, with and without a description', async () => {
    const audience = await client.createAudience({ name: 'contract audience', customerListId: listId, description: 'from the contract test' });
    expect((await client.getAudience(audience.id)).id).toBe(audience.id);
    await client.createAudience({ name: 'plain', customerListId: listId });
    const listed = await client.listAudiences();
    expect(listed.map((a) => a.id)).toContain(audience.id);
    expect(listed.every((a) => a.customerListId === listId)).toBe(true);
  });

  it('reads the ad account and, through request(), the user account', async () => {
    expect((await client.getAdAccount()).id).toBe(em.adAccountId);
    const account = await client.request<{ username: string }>({ operation: 'getUserAccount', method: 'GET', path: '/user_account' });
    expect(account.data.username).toBe('pinsync-emulator');
  });

  it('reports 404s and rejections with the errors the spec documents', async () => {
    expect((await rejection(client.getCustomerList('999'))).status).toBe(404);
    expect((await rejection(client.getAudience('999'))).status).toBe(404);
    expect((await rejection(client.getAdAccount('123'))).status).toBe(404);
    expect((await rejection(client.updateCustomerList('999', 'ADD', ['a']))).status).toBe(404);
    expect((await rejection(client.createAudience({ name: 'small', customerListId: (await client.createCustomerList({ name: 's', listType: 'EMAIL', records: ['a'] })).id }))).status).toBe(400);
  });

  it('retries 429, 503 and a dropped connection, and all the retries stay within the spec', async () => {
    em.faults.failNext({ status: 429, headers: { 'X-RateLimit-Reset': '0' }, match: { method: 'PATCH' } });
    em.faults.failNext({ status: 503, match: { method: 'PATCH' } });
    await client.updateCustomerList(listId, 'ADD', hexRecords(3, 100));
    em.faults.dropNext({ count: 1, match: { method: 'GET' } });
    await client.getCustomerList(listId);
    expect(em.requests.filter((r) => r.fault !== undefined)).toHaveLength(3);
  });

  it('reports an expired token as an auth error', async () => {
    const other = 'pina_contract-expiring-token';
    em.addToken(other);
    const expiring = makeClient(other);
    try {
      await expiring.getAdAccount();
      expect(em.expireAccessToken(other)).toBe(1);
      const err = await rejection(expiring.getAdAccount());
      expect(err.status).toBe(401);
    } finally {
      await expiring.close();
    }
  });

  it('refreshes an expired token through /v5/oauth/token (rotation) and replays the call', async () => {
    const redirectUri = 'https://example.invalid/cb';
    const code = em.oauth.issueCode({ redirectUri });
    const grant = (await tokenRequest(em, { grant_type: 'authorization_code', code, redirect_uri: redirectUri })).body;
    // Only what the provider reads and writes: its own row of the tokens table.
    const rows = new Map<string, StoredTokens>();
    const store = {
      getTokens: (key: string) => Promise.resolve(rows.get(key)),
      saveTokens: (key: string, tokens: Omit<StoredTokens, 'updatedAt'>) => {
        rows.set(key, { ...tokens, updatedAt: new Date() });
        return Promise.resolve();
      },
    } as unknown as StateStore;
    const destination = pinterestDestinationSchema.parse({
      type: 'pinterest',
      adAccountId: em.adAccountId,
      apiBaseUrl: em.baseUrl,
      auth: { accessToken: grant.access_token, refreshToken: grant.refresh_token, clientId: em.oauth.clientId, clientSecret: em.oauth.clientSecret },
    });
    const provider = new PinterestOAuthTokenProvider({ destination, store });
    const refreshing = new PinterestClient({ baseUrl: em.baseUrl, adAccountId: em.adAccountId, auth: provider, retry: { baseDelayMs: 1, maxDelayMs: 5 } });
    try {
      await refreshing.getAdAccount();
      em.expireAccessToken(grant.access_token as string);
      await refreshing.getCustomerList(listId);
      expect(provider.refreshCount).toBe(1);
      // Rotation: the refresh token the provider started with is spent.
      const reuse = await tokenRequest(em, { grant_type: 'refresh_token', refresh_token: grant.refresh_token });
      expect(reuse.body).toEqual({ code: 283, message: 'The authorization grant is invalid' });
      expect([...rows.values()][0]?.refreshToken).not.toBe(grant.refresh_token);
    } finally {
      await refreshing.close();
    }
  });

  it('sent and received nothing the OpenAPI description does not allow', () => {
    expect(em.exchangesDropped).toBe(0);
    expect(assertSpecCompliant(em)).toBeGreaterThan(PINTEREST_LIST_PAGE_SIZE);
  });
});
