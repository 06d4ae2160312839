/**
 * The OAuth endpoints: authorization-code exchange (single use, redirect_uri bound), refresh with rotation (the old
 * refresh token dies, a new 60-day window starts), client credentials, revocation, expiry on the emulator clock,
 * Basic client authentication, and GET /user_account.
 */
import { describe, expect, it } from 'vitest';

import { call, listsPath, tokenRequest } from './helpers/emulator-http.js';
import { useEmulator } from './helpers/use-emulator.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';

const REDIRECT = 'https://example.invalid/oauth/callback';
const AUTH_FAILED = { code: 2, message: 'Authentication failed.' };
const INVALID_GRANT = { code: 283, message: 'The authorization grant is invalid' };
const DAY_MS = 86_400_000;

const start = useEmulator();

/** Exchanges a fresh code and returns the token response body. */
async function authorize(e: RunningEmulator, scopes?: string[]): Promise<Record<string, any>> {
  const code = e.oauth.issueCode({ redirectUri: REDIRECT, ...(scopes ? { scopes } : {}) });
  const res = await tokenRequest(e, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

const canRead = async (e: RunningEmulator, token: string): Promise<number> => (await call(e, 'GET', '/ad_accounts', { token })).status;

describe('authorization_code', () => {
  it('exchanges a code for tokens shaped like Pinterest answers them', async () => {
    const e = await start();
    const before = Math.floor(Date.now() / 1000);
    const body = await authorize(e);
    expect(body).toEqual({
      access_token: expect.stringMatching(/^pina_[\w-]+$/),
      refresh_token: expect.stringMatching(/^pinr_[\w-]+$/),
      response_type: 'authorization_code',
      token_type: 'bearer',
      expires_in: 2_592_000,
      refresh_token_expires_in: 5_184_000,
      refresh_token_expires_at: expect.any(Number),
      scope: 'ads:read ads:write user_accounts:read',
    });
    expect(body.refresh_token_expires_at).toBeGreaterThanOrEqual(before + 5_184_000);
    expect(body.refresh_token_expires_at).toBeLessThanOrEqual(before + 5_184_002);
    expect(await canRead(e, body.access_token)).toBe(200);
  });

  it('accepts a code once, only with its redirect_uri, only for its app, and not after it expired', async () => {
    const e = await start({ oauthApps: [{ clientId: 'a', clientSecret: 's' }, { clientId: 'b', clientSecret: 't' }] });
    const code = e.oauth.issueCode({ redirectUri: REDIRECT });
    const wrongUri = await tokenRequest(e, { grant_type: 'authorization_code', code, redirect_uri: 'https://example.invalid/other' });
    expect(wrongUri.status).toBe(401);
    expect(wrongUri.body).toEqual(INVALID_GRANT);
    const otherApp = await tokenRequest(e, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, ['b', 't']);
    expect(otherApp.body).toEqual(INVALID_GRANT);
    // neither refusal burnt the code for its rightful owner
    expect((await tokenRequest(e, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT })).status).toBe(200);
    const reused = await tokenRequest(e, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT });
    expect(reused.status).toBe(401);
    expect(reused.body).toEqual(INVALID_GRANT);

    const late = e.oauth.issueCode({ redirectUri: REDIRECT });
    e.advanceTime(601_000);
    expect((await tokenRequest(e, { grant_type: 'authorization_code', code: late, redirect_uri: REDIRECT })).body).toEqual(INVALID_GRANT);
  });

  it('grants only the scopes the user approved', async () => {
    const e = await start();
    const { access_token: token, scope } = await authorize(e, ['ads:read']);
    expect(scope).toBe('ads:read');
    expect(await canRead(e, token)).toBe(200);
    const write = await call(e, 'POST', listsPath(e), { token, json: { name: 'x', records: 'a' } });
    expect(write.status).toBe(401);
    expect(write.body.code).toBe(3);
    expect((await call(e, 'GET', '/user_account', { token })).body.code).toBe(3);
  });
});

describe('refresh_token', () => {
  it('rotates: a new refresh token and window each time, and the old refresh token is refused (283)', async () => {
    const e = await start();
    const first = await authorize(e);
    e.advanceTime(10 * DAY_MS);
    const second = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ response_type: 'refresh_token', token_type: 'bearer', expires_in: 2_592_000, refresh_token_expires_in: 5_184_000 });
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);
    // the new window starts at the refresh: ten days later than the first
    expect(second.body.refresh_token_expires_at - first.refresh_token_expires_at).toBeGreaterThanOrEqual(10 * 86_400 - 1);

    const reuse = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: first.refresh_token });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toEqual(INVALID_GRANT);
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: second.body.refresh_token })).status).toBe(200);
    // an access token issued before a refresh keeps working until it expires
    expect(await canRead(e, first.access_token)).toBe(200);
  });

  it('narrows scopes on request, never widens them, and accepts refresh_on', async () => {
    const e = await start();
    const granted = await authorize(e, ['ads:read', 'ads:write']);
    const narrowed = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: granted.refresh_token, scope: 'ads:read', refresh_on: 'true' });
    expect(narrowed.body.scope).toBe('ads:read');
    const wider = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: narrowed.body.refresh_token, scope: 'ads:read,user_accounts:read' });
    expect(wider.status).toBe(400);
    expect(wider.body.code).toBe(1);
    // the rotated token still carries the original grant
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: narrowed.body.refresh_token })).body.scope).toBe('ads:read ads:write');
  });

  it('accepts the seeded pinsync-emulator-refresh-token once', async () => {
    const e = await start();
    expect(e.oauth).toMatchObject({ clientId: 'pinsync-emulator-client', clientSecret: 'pinsync-emulator-secret', refreshToken: 'pinsync-emulator-refresh-token' });
    expect(e.oauth.tokenUrl).toBe(`${e.baseUrl}/oauth/token`);
    const res = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: 'pinsync-emulator-refresh-token' });
    expect(res.status).toBe(200);
    expect(await canRead(e, res.body.access_token)).toBe(200);
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: 'pinsync-emulator-refresh-token' })).body).toEqual(INVALID_GRANT);
  });

  it('legacy apps keep their refresh token (365 days) and answer without a new one', async () => {
    const e = await start({ oauthApps: [{ clientId: 'old', clientSecret: 'app', refreshTokenMode: 'legacy' }] });
    const code = e.oauth.issueCode({ redirectUri: REDIRECT });
    const first = (await tokenRequest(e, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, ['old', 'app'])).body;
    expect(first.refresh_token_expires_in).toBe(31_536_000);
    const refreshed = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, ['old', 'app']);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeUndefined();
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, ['old', 'app'])).status).toBe(200);
    e.advanceTime(366 * DAY_MS);
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, ['old', 'app'])).body).toEqual(INVALID_GRANT);
  });
});

describe('expiry', () => {
  it('expires access tokens after accessTokenTtlSeconds of emulator time (401 code 2)', async () => {
    const e = await start({ accessTokenTtlSeconds: 60 });
    const body = await authorize(e);
    expect(body.expires_in).toBe(60);
    expect(await canRead(e, body.access_token)).toBe(200);
    e.advanceTime(61_000);
    const res = await call(e, 'GET', '/ad_accounts', { token: body.access_token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(AUTH_FAILED);
    // refreshing gets a working token again
    const refreshed = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: body.refresh_token });
    expect(await canRead(e, refreshed.body.access_token)).toBe(200);
  });

  it('expires refresh tokens 60 days after their last use', async () => {
    const e = await start();
    const body = await authorize(e);
    e.advanceTime(59 * DAY_MS);
    const renewed = (await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: body.refresh_token })).body;
    e.advanceTime(59 * DAY_MS);
    const again = await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: renewed.refresh_token });
    expect(again.status).toBe(200);
    e.advanceTime(61 * DAY_MS);
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: again.body.refresh_token })).body).toEqual(INVALID_GRANT);
  });

  it('expires seed tokens with expiresInSeconds, and on the expireAccessToken / expireRefreshToken hooks', async () => {
    const e = await start({ tokens: ['forever', { token: 'short', expiresInSeconds: 5 }] });
    e.advanceTime(6_000);
    expect(await canRead(e, 'forever')).toBe(200);
    expect(await canRead(e, 'short')).toBe(401);

    const body = await authorize(e);
    expect(e.expireAccessToken(body.access_token)).toBe(1);
    expect(await canRead(e, body.access_token)).toBe(401);
    expect(e.expireAccessToken()).toBe(1); // every live one: only 'forever' was left
    expect(await canRead(e, 'forever')).toBe(401);

    expect(e.expireRefreshToken(body.refresh_token)).toBe(1);
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: body.refresh_token })).body).toEqual(INVALID_GRANT);
    expect(e.expireRefreshToken()).toBe(1); // the seeded pinsync-emulator-refresh-token
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: 'pinsync-emulator-refresh-token' })).body).toEqual(INVALID_GRANT);
  });
});

describe('client authentication and request validation', () => {
  it.each([
    ['no Authorization header', { token: null }],
    ['a bearer token instead of Basic', {}],
    ['a wrong secret', { basic: ['pinsync-emulator-client', 'nope'] as [string, string] }],
    ['an unknown client', { basic: ['someone', 'pinsync-emulator-secret'] as [string, string] }],
    ['Basic without a colon', { headers: { authorization: `Basic ${Buffer.from('justone').toString('base64')}` } }],
  ])('answers 401 code 2 to %s', async (_name, auth) => {
    const e = await start();
    const res = await call(e, 'POST', '/oauth/token', { ...auth, form: { grant_type: 'client_credentials', scope: 'ads:read' } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(AUTH_FAILED);
  });

  it.each([
    [{ grant_type: 'password' }, /'grant_type' must be one of authorization_code, refresh_token, client_credentials/],
    [{}, /'grant_type' is required/],
    [{ grant_type: 'authorization_code', code: 'x' }, /'redirect_uri' is required/],
    [{ grant_type: 'refresh_token' }, /'refresh_token' is required/],
    [{ grant_type: 'client_credentials', scope: ' , ' }, /'scope' is required/],
  ])('answers 400 code 1 to %j', async (form, message) => {
    const e = await start();
    const res = await tokenRequest(e, form as Record<string, string>);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe(1);
    expect(res.body.message).toMatch(message);
  });

  it('requires a form-urlencoded body', async () => {
    const e = await start();
    const res = await call(e, 'POST', '/oauth/token', { basic: [e.oauth.clientId, e.oauth.clientSecret], json: { grant_type: 'client_credentials', scope: 'ads:read' } });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/x-www-form-urlencoded/);
  });
});

describe('client_credentials', () => {
  it('issues a token without a refresh token that user-only operations refuse with 401 code 3', async () => {
    const e = await start();
    const res = await tokenRequest(e, { grant_type: 'client_credentials', scope: 'ads:read,ads:write' });
    expect(res.body).toEqual({ access_token: expect.stringMatching(/^pina_/), token_type: 'bearer', expires_in: 2_592_000, scope: 'ads:read ads:write', response_type: 'client_credentials' });
    const token = res.body.access_token as string;
    expect(await canRead(e, token)).toBe(200);
    expect((await call(e, 'GET', listsPath(e), { token })).body.code).toBe(3);
    expect((await call(e, 'POST', listsPath(e), { token, json: { name: 'x', records: 'a' } })).body.code).toBe(3);
  });
});

describe('revoke', () => {
  it('revokes access and refresh tokens, refuses another app, and ignores unknown tokens', async () => {
    const e = await start({ oauthApps: [{ clientId: 'a', clientSecret: 's' }, { clientId: 'b', clientSecret: 't' }] });
    const body = await authorize(e);
    const revoke = (token: string, basic: [string, string] = ['a', 's']) => call(e, 'POST', '/oauth/token/revoke', { basic, form: { token } });

    const foreign = await revoke(body.access_token, ['b', 't']);
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({ code: 29, message: 'You are not permitted to access that resource.' });
    expect(await canRead(e, body.access_token)).toBe(200);

    const ok = await revoke(body.access_token);
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('');
    expect(await canRead(e, body.access_token)).toBe(401);
    expect((await revoke(body.refresh_token)).status).toBe(200);
    expect((await tokenRequest(e, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, ['a', 's'])).body).toEqual(INVALID_GRANT);
    expect((await revoke('never-issued')).status).toBe(200);
  });
});

describe('GET /user_account', () => {
  it("returns the token's user, or the owner of an ad account the user may use", async () => {
    const e = await start({
      adAccounts: [{ id: '100' }, { id: '200', ownerUserId: '77' }],
      tokens: [{ token: 'alice', userId: '1', username: 'alice', adAccountIds: ['100', '200'] }],
    });
    const me = await call(e, 'GET', '/user_account', { token: 'alice' });
    expect(me.body).toMatchObject({ id: '1', username: 'alice', account_type: 'BUSINESS' });
    expect((await call(e, 'GET', '/user_account?ad_account_id=200', { token: 'alice' })).body).toMatchObject({ id: '77', username: 'user-77' });
    expect((await call(e, 'GET', '/user_account?ad_account_id=999', { token: 'alice' })).status).toBe(404);
  });
});
