/** `requestToken` on a scripted server: request shape, response parsing, failure kinds, redaction. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requestToken, TokenEndpointError } from '../../connectors/pinterest/oauth/pinterest-oauth-token-endpoint.js';
import { startScriptedServer, type ScriptedServer } from '../pinterest-client/helpers/scripted-server.js';

const NOW = Date.UTC(2025, 0, 1);
let server: ScriptedServer;

beforeEach(async () => {
  server = await startScriptedServer();
});

afterEach(async () => {
  await server.close();
});

const call = (form: Record<string, string> = { grant_type: 'refresh_token', refresh_token: 'rt-SECRET-000001' }) =>
  requestToken({ baseUrl: `${server.baseUrl}/`, clientId: 'app', clientSecret: 'cs-SECRET-000001', form, now: () => NOW, sleep: () => Promise.resolve() });

describe('requestToken', () => {
  it('posts the form with Basic auth and makes expiries absolute', async () => {
    server.enqueue({
      status: 200,
      body: { access_token: 'at', refresh_token: 'rt2', expires_in: 2_592_000, refresh_token_expires_in: 5_184_000, scope: 'ads:read,ads:write user_accounts:read' },
    });
    const grant = await call();
    const req = server.requests[0]!;
    expect(req.path).toBe('/v5/oauth/token');
    expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('app:cs-SECRET-000001').toString('base64')}`);
    expect(req.body).toBe('grant_type=refresh_token&refresh_token=rt-SECRET-000001');
    expect(grant).toEqual({
      accessToken: 'at',
      accessExpiresAt: new Date(NOW + 2_592_000_000),
      refreshToken: 'rt2',
      refreshExpiresAt: new Date(NOW + 5_184_000_000),
      scopes: ['ads:read', 'ads:write', 'user_accounts:read'],
    });
  });

  it('falls back to refresh_token_expires_at, and has no refresh expiry without a refresh token', async () => {
    server.enqueue(
      { status: 200, body: { access_token: 'at', refresh_token: 'rt2', refresh_token_expires_at: 1_800_000_000 } },
      { status: 200, body: { access_token: 'at', expires_in: 60, refresh_token_expires_in: 100 } },
    );
    expect((await call()).refreshExpiresAt).toEqual(new Date(1_800_000_000_000));
    const legacy = await call();
    expect(legacy).toMatchObject({ refreshToken: null, refreshExpiresAt: null, accessExpiresAt: new Date(NOW + 60_000), scopes: [] });
  });

  it.each([
    [{ status: 401, body: { code: 283, message: 'The authorization grant is invalid' } }, 'invalid-grant'],
    [{ status: 400, body: { code: 1, message: "'refresh_token' is required." } }, 'invalid-grant'],
    [{ status: 401, body: { code: 2, message: 'Authentication failed.' } }, 'invalid-client'],
    [{ status: 404, body: { code: 404, message: 'nope' } }, 'rejected'],
    [{ status: 200, body: { token_type: 'bearer' } }, 'bad-response'],
  ] as const)('classifies %j as %s without retrying', async (reply, kind) => {
    server.enqueue(reply);
    const err = (await call().catch((e: unknown) => e)) as TokenEndpointError;
    expect(err).toBeInstanceOf(TokenEndpointError);
    expect(err.kind).toBe(kind);
    expect(server.requests).toHaveLength(1);
  });

  it('redacts secrets Pinterest echoes back', async () => {
    server.enqueue({ status: 401, body: { code: 283, message: 'grant rt-SECRET-000001 invalid for cs-SECRET-000001' } });
    const err = (await call().catch((e: unknown) => e)) as Error;
    expect(err.message).toContain('[redacted]');
    expect(err.message).not.toMatch(/SECRET/);
  });

  it('retries network errors and fails fast on a far rate-limit reset', async () => {
    server.enqueue('reset', { status: 200, body: { access_token: 'at' } });
    expect((await call()).accessToken).toBe('at');
    server.enqueue({ status: 429, body: { code: 8, message: 'limit' }, headers: { 'x-ratelimit-reset': '67150' } });
    const err = (await call().catch((e: unknown) => e)) as TokenEndpointError;
    expect(err.kind).toBe('unavailable');
    expect(server.requests).toHaveLength(3);
  });
});
