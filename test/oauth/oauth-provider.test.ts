/**
 * The refreshing token provider through the real client and a real DuckDB state file: refresh on 401 and replay,
 * rotation persisted before use, the next run reading stored tokens, new config tokens winning, proactive refresh,
 * single-flight, failed refreshes that lose nothing and print no secret, and backoff on the token endpoint.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinterestDestinationSchema, type PinterestDestinationConfig } from '../../core/config/destination-schema.js';
import { PinsyncError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { StoredTokens } from '../../core/state-store.js';
import { createPinterestDestination } from '../../connectors/pinterest/create-pinterest-destination.js';
import { PinterestOAuthTokenProvider } from '../../connectors/pinterest/oauth/pinterest-oauth-provider.js';
import { configTokenFingerprint, pinterestTokenKey } from '../../connectors/pinterest/oauth/pinterest-oauth-tokens.js';
import { openRequestGate } from '../../connectors/pinterest/http/pinterest-request-gate.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { AD_ACCOUNT, CLIENT_ID, CLIENT_SECRET, startFakePinterest, type FakePinterest } from './helpers/fake-pinterest-oauth.js';

const ORIGINAL_ACCESS = 'original-access-token-SECRET-01';
const ORIGINAL_REFRESH = 'original-refresh-token-SECRET-01';
const LIST_ID = '643';
const RECORDS = ['a'.repeat(64)];

let dir: string;
let fake: FakePinterest;
const stores: DuckDbStateStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-oauth-'));
  fake = await startFakePinterest({ refresh: [ORIGINAL_REFRESH] });
});

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

async function openStore(): Promise<DuckDbStateStore> {
  const store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
  stores.push(store);
  return store;
}

async function closeStore(store: DuckDbStateStore): Promise<void> {
  stores.splice(stores.indexOf(store), 1);
  await store.close();
}

function destination(auth: Partial<PinterestDestinationConfig['auth']> = {}): PinterestDestinationConfig {
  return pinterestDestinationSchema.parse({
    type: 'pinterest',
    adAccountId: AD_ACCOUNT,
    apiBaseUrl: fake.baseUrl,
    auth: { accessToken: ORIGINAL_ACCESS, refreshToken: ORIGINAL_REFRESH, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...auth },
    retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
  });
}

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = (obj: object | string, msg?: string) => void lines.push(`${typeof obj === 'string' ? obj : JSON.stringify(obj)} ${msg ?? ''}`);
  return { logger: { debug: log, info: log, warn: log, error: log }, lines };
}

function client(config: PinterestDestinationConfig, store: DuckDbStateStore, logger: Logger = capture().logger) {
  return createPinterestDestination(config, { state: store, logger, name: 'pinterest', configPath: 'pinsync.yaml', gate: openRequestGate });
}

const stored = (store: DuckDbStateStore): Promise<StoredTokens | undefined> => store.getTokens(pinterestTokenKey(destination()));

describe('refresh on 401', () => {
  it('refreshes an expired token mid-run, replays, persists the rotation, and the next run uses the stored tokens', async () => {
    fake.validAccess.add(ORIGINAL_ACCESS);
    const store = await openStore();
    const first = client(destination(), store);
    await first.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    expect(fake.tokenCalls).toHaveLength(0);

    fake.validAccess.delete(ORIGINAL_ACCESS); // expires mid-run
    await first.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await first.close();

    expect(fake.tokenCalls).toHaveLength(1);
    const call = fake.tokenCalls[0]!;
    expect(call.form).toEqual({ grant_type: 'refresh_token', refresh_token: ORIGINAL_REFRESH });
    expect(call.authorization).toBe(`Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`);
    const [, rejected, replay] = fake.apiCalls;
    expect(rejected!.token).toBe(ORIGINAL_ACCESS);
    expect(replay!.token).not.toBe(ORIGINAL_ACCESS);
    expect(fake.validAccess.has(replay!.token!)).toBe(true);
    expect(fake.validRefresh.has(ORIGINAL_REFRESH)).toBe(false); // rotated away

    // Durable: a fresh process (new store handle) sees the rotated tokens.
    await closeStore(store);
    const reopened = await openStore();
    const row = (await stored(reopened))!;
    expect(row.accessToken).toBe(replay!.token);
    expect(row.refreshToken).not.toBe(ORIGINAL_REFRESH);
    expect(fake.validRefresh.has(row.refreshToken!)).toBe(true);
    expect(row.accessExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect(row.refreshExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);
    expect(row.configFingerprint).toBe(configTokenFingerprint(destination().auth));

    // Next run: the config still holds the originals (now dead), yet nothing is refused and nothing is refreshed.
    const second = client(destination(), reopened);
    await second.updateCustomerList(LIST_ID, 'REMOVE', RECORDS);
    await second.close();
    expect(fake.apiCalls.at(-1)!.token).toBe(row.accessToken);
    expect(fake.tokenCalls).toHaveLength(1);
  });

  it('keeps the old refresh token when the answer carries none (legacy apps)', async () => {
    fake.legacy = true;
    const store = await openStore();
    const c = client(destination(), store);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.close();
    const row = (await stored(store))!;
    expect(row.refreshToken).toBe(ORIGINAL_REFRESH);
    expect(row.accessToken).toBe(fake.apiCalls.at(-1)!.token);
  });

  it('shares one refresh between 10 concurrent requests rejected with the same token', async () => {
    fake.tokenDelayMs = 150; // the refresh is still running when the other 401s arrive
    const store = await openStore();
    const c = client(destination(), store);
    await Promise.all(Array.from({ length: 10 }, () => c.updateCustomerList(LIST_ID, 'ADD', RECORDS)));
    await c.close();
    expect(fake.tokenCalls).toHaveLength(1);
    const rejected = fake.apiCalls.filter((a) => a.token === ORIGINAL_ACCESS);
    const replayed = fake.apiCalls.filter((a) => a.token !== ORIGINAL_ACCESS);
    expect(rejected).toHaveLength(10);
    expect(replayed).toHaveLength(10);
    expect(new Set(replayed.map((a) => a.token)).size).toBe(1);
  });

  it('shares one refresh between two clients of the same destination', async () => {
    fake.tokenDelayMs = 100;
    const store = await openStore();
    const a = client(destination(), store);
    const b = client(destination(), store);
    await Promise.all([a.updateCustomerList(LIST_ID, 'ADD', RECORDS), b.updateCustomerList(LIST_ID, 'ADD', RECORDS)]);
    await Promise.all([a.close(), b.close()]);
    expect(fake.tokenCalls).toHaveLength(1);
  });
});

describe('where tokens come from', () => {
  it('lets new tokens in the config win over stored ones, and logs it', async () => {
    const store = await openStore();
    await store.saveTokens(pinterestTokenKey(destination()), {
      accessToken: 'stale-stored-access',
      accessExpiresAt: new Date(Date.now() + 10 * 86_400_000),
      refreshToken: 'stale-stored-refresh',
      refreshExpiresAt: new Date(Date.now() + 50 * 86_400_000),
      configFingerprint: configTokenFingerprint(destination().auth),
    });
    const fresh = destination({ accessToken: 'brand-new-config-access', refreshToken: 'brand-new-config-refresh' });
    fake.validAccess.add('brand-new-config-access');
    const { logger, lines } = capture();
    const c = client(fresh, store, logger);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.close();

    expect(fake.apiCalls[0]!.token).toBe('brand-new-config-access');
    expect(fake.tokenCalls).toHaveLength(0);
    expect(lines.join('\n')).toMatch(/config holds new Pinterest tokens; they replace the stored ones/);
    const row = (await stored(store))!;
    expect(row).toMatchObject({ accessToken: 'brand-new-config-access', refreshToken: 'brand-new-config-refresh', accessExpiresAt: null });
    expect(row.configFingerprint).toBe(configTokenFingerprint(fresh.auth));
    expect(lines.join('\n')).not.toMatch(/brand-new|stale-stored|SECRET/);
  });

  it('behaves like a static token without client credentials: a 401 says the token was rejected', async () => {
    const store = await openStore();
    const c = client(destination({ clientId: undefined, clientSecret: undefined, refreshToken: undefined }), store);
    const err = await c.updateCustomerList(LIST_ID, 'ADD', RECORDS).catch((e: unknown) => e);
    await c.close();
    expect(err).toBeInstanceOf(PinsyncError);
    expect((err as Error).message).toMatch(/access token rejected .*no token refresh is configured/);
    expect(fake.tokenCalls).toHaveLength(0);
    expect(await store.getTokens(pinterestTokenKey({ adAccountId: AD_ACCOUNT, auth: {} }))).toBeUndefined();
  });
});

describe('proactive refresh', () => {
  async function seed(store: DuckDbStateStore, accessLeftMs: number, refreshLeftMs = 50 * 86_400_000): Promise<void> {
    fake.validAccess.add('stored-access');
    fake.validRefresh.add('stored-refresh');
    await store.saveTokens(pinterestTokenKey(destination()), {
      accessToken: 'stored-access',
      accessExpiresAt: new Date(Date.now() + accessLeftMs),
      refreshToken: 'stored-refresh',
      refreshExpiresAt: new Date(Date.now() + refreshLeftMs),
      configFingerprint: configTokenFingerprint(destination().auth),
    });
  }

  it('refreshes before the first request when the access token has less than a day left', async () => {
    const store = await openStore();
    await seed(store, 3_600_000);
    const c = client(destination(), store);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.close();
    expect(fake.tokenCalls.map((t) => t.form.refresh_token)).toEqual(['stored-refresh']);
    expect(fake.apiCalls).toHaveLength(1);
    expect(fake.apiCalls[0]!.token).not.toBe('stored-access');
    expect((await stored(store))!.accessToken).toBe(fake.apiCalls[0]!.token);
  });

  it('does not refresh a token with more than a day left', async () => {
    const store = await openStore();
    await seed(store, 2 * 86_400_000);
    const c = client(destination(), store);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.close();
    expect(fake.tokenCalls).toHaveLength(0);
    expect(fake.apiCalls[0]!.token).toBe('stored-access');
  });

  it('renews a refresh token in its last two weeks, once', async () => {
    const store = await openStore();
    await seed(store, 20 * 86_400_000, 5 * 86_400_000);
    const c = client(destination(), store);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.close();
    expect(fake.tokenCalls).toHaveLength(1);
    expect((await stored(store))!.refreshExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 59 * 86_400_000);
  });

  it('goes on with a still-valid token when a proactive refresh is refused, with a warning', async () => {
    const store = await openStore();
    await seed(store, 3_600_000);
    fake.validRefresh.delete('stored-refresh');
    const { logger, lines } = capture();
    const c = client(destination(), store, logger);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.close();
    expect(fake.tokenCalls).toHaveLength(1); // not retried on every request
    expect(fake.apiCalls.map((a) => a.token)).toEqual(['stored-access', 'stored-access']);
    expect(lines.join('\n')).toMatch(/re-authorization needed.*still works until/);
  });
});

describe('no access token', () => {
  it('with a refresh token, refreshes before the first request instead of sending an empty bearer token', async () => {
    const store = await openStore();
    const c = client(destination({ accessToken: undefined }), store);
    await c.updateCustomerList(LIST_ID, 'ADD', RECORDS);
    await c.close();
    expect(fake.tokenCalls).toHaveLength(1);
    expect(fake.apiCalls).toHaveLength(1);
    expect(fake.validAccess.has(fake.apiCalls[0]!.token!)).toBe(true);
  });

  it('without one, fails as "not authorized yet" (exit 2) and sends nothing', async () => {
    const store = await openStore();
    const c = client(destination({ accessToken: undefined, refreshToken: undefined }), store);
    const err = (await c.updateCustomerList(LIST_ID, 'ADD', RECORDS).catch((e: unknown) => e)) as PinsyncError;
    await c.close();
    expect(err.code).toBe('PINSYNC_PINTEREST_NOT_AUTHORIZED');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('pinsync auth url -c pinsync.yaml --destination pinterest');
    expect(fake.apiCalls).toHaveLength(0);
    expect(fake.tokenCalls).toHaveLength(0);
  });
});

describe('failed refresh', () => {
  it('on 401 code 283 fails with a re-authorization message, keeps stored tokens, and prints no secret', async () => {
    const store = await openStore();
    const key = pinterestTokenKey(destination());
    const before = {
      accessToken: 'stored-access-SECRET-02',
      accessExpiresAt: null,
      refreshToken: 'stored-refresh-SECRET-02',
      refreshExpiresAt: new Date(Date.now() + 50 * 86_400_000),
      configFingerprint: configTokenFingerprint(destination().auth),
    };
    await store.saveTokens(key, before);
    // Pinterest echoing the refresh token back must not leak it either.
    fake.tokenReplies.push({ status: 401, body: { code: 283, message: 'The authorization grant is invalid: stored-refresh-SECRET-02' } });
    const { logger, lines } = capture();
    const c = client(destination(), store, logger);
    const err = (await c.updateCustomerList(LIST_ID, 'ADD', RECORDS).catch((e: unknown) => e)) as PinsyncError;
    // A second request in the same run fails at once, without asking Pinterest again.
    const again = (await c.updateCustomerList(LIST_ID, 'ADD', RECORDS).catch((e: unknown) => e)) as PinsyncError;
    await c.close();

    expect(err).toBeInstanceOf(PinsyncError);
    expect(err.code).toBe('PINSYNC_PINTEREST_REAUTHORIZE');
    expect(err.exitCode).toBe(1);
    expect(err.message).toMatch(/re-authorization needed for destination "pinterest"/);
    expect(err.message).toMatch(/HTTP 401, Pinterest code 283/);
    expect(err.message).toContain('pinsync auth url -c pinsync.yaml --destination pinterest');
    expect(err.message).toContain('pinsync auth exchange -c pinsync.yaml --destination pinterest --code CODE');
    expect(err.message).toMatch(/may have been used up by an earlier run/);
    expect(err.message).not.toMatch(/nothing was lost/i);
    expect(again.code).toBe('PINSYNC_PINTEREST_REAUTHORIZE');
    expect(fake.tokenCalls).toHaveLength(1);

    const text = [err.message, again.message, ...lines].join('\n');
    for (const secret of [before.accessToken, before.refreshToken, CLIENT_SECRET, ORIGINAL_ACCESS, ORIGINAL_REFRESH]) expect(text).not.toContain(secret);
    expect(await store.getTokens(key)).toMatchObject(before);
  });

  it('on 400 fails the same way', async () => {
    const store = await openStore();
    fake.tokenReplies.push({ status: 400, body: { code: 1, message: 'Invalid refresh token' } });
    const c = client(destination(), store);
    const err = (await c.updateCustomerList(LIST_ID, 'ADD', RECORDS).catch((e: unknown) => e)) as PinsyncError;
    await c.close();
    expect(err.code).toBe('PINSYNC_PINTEREST_REAUTHORIZE');
    expect(await stored(store)).toBeUndefined();
  });

  it('backs off on 429 and 5xx from the token endpoint, then succeeds', async () => {
    const store = await openStore();
    fake.tokenReplies.push(
      { status: 503, body: { code: 4197, message: 'ramped down' } },
      { status: 429, body: { code: 8, message: 'rate limit' }, headers: { 'x-ratelimit-reset': '2' } },
    );
    const sleeps: number[] = [];
    const provider = new PinterestOAuthTokenProvider({
      destination: destination(),
      store,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
    });
    const token = await provider.onUnauthorized(ORIGINAL_ACCESS);
    expect(token).toBeDefined();
    expect(fake.validAccess.has(token!)).toBe(true);
    expect(fake.tokenCalls).toHaveLength(3);
    expect(sleeps).toEqual([500, 2_500]); // full jitter of 1 s, then X-RateLimit-Reset 2 s + jitter
    expect((await stored(store))!.accessToken).toBe(token);
  });

  it('gives up after a bounded number of attempts; retryable, stored tokens unchanged', async () => {
    const store = await openStore();
    for (let i = 0; i < 5; i++) fake.tokenReplies.push({ status: 500, body: { code: 500, message: 'boom' } });
    const provider = new PinterestOAuthTokenProvider({ destination: destination(), store, sleep: () => Promise.resolve(), hint: { destinationName: 'pinterest' } });
    const err = (await provider.onUnauthorized(ORIGINAL_ACCESS).catch((e: unknown) => e)) as PinsyncError & { retryable: boolean };
    expect(err.code).toBe('PINSYNC_PINTEREST_OAUTH_UNAVAILABLE');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/HTTP 500.*5 attempts.*try again later/);
    expect(fake.tokenCalls).toHaveLength(5);
    expect(await stored(store)).toBeUndefined();
    // A transient failure is not remembered: the next 401 tries again.
    await expect(provider.onUnauthorized(ORIGINAL_ACCESS)).resolves.toBeDefined();
  });

  it('says which credentials are wrong when Pinterest rejects the client secret', async () => {
    const store = await openStore();
    const c = client(destination({ clientSecret: 'wrong-secret-SECRET-03' }), store);
    const err = (await c.updateCustomerList(LIST_ID, 'ADD', RECORDS).catch((e: unknown) => e)) as PinsyncError;
    await c.close();
    expect(err.code).toBe('PINSYNC_PINTEREST_OAUTH_CLIENT');
    expect(err.message).toMatch(/check auth.clientId and auth.clientSecret/);
    expect(err.message).not.toContain('wrong-secret-SECRET-03');
  });
});
