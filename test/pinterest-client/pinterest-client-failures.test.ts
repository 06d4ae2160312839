/**
 * Retries, rate limits, token refresh and error reporting of PinterestClient, against a real loopback server.
 * Sleeps are injected and recorded, so backoff and X-RateLimit-Reset waits are observed without waiting.
 */
import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PinsyncError } from '../../core/errors.js';
import { PINTEREST_ERROR_CODES as CODES } from '../../connectors/pinterest/http/pinterest-errors.js';
import type { TokenProvider } from '../../connectors/pinterest/oauth/pinterest-token-provider.js';
import { NOW, TEST_TOKEN, customerListJson, makeClient, rejectionOf } from './helpers/client-fixture.js';
import { startScriptedServer, type Reply, type ScriptedServer } from './helpers/scripted-server.js';

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

const ok = { status: 200, body: customerListJson() };
const serverError = { status: 500, body: { code: 500, message: 'Internal error.' } };
const HASH = 'e'.repeat(64);

describe('retries on 5xx and network errors', () => {
  it('retries a 500 and succeeds, counting the retry', async () => {
    server.enqueue(serverError, ok);
    const { client, sleeps, events, logs } = fixture();

    await expect(client.updateCustomerList('643', 'ADD', [HASH])).resolves.toMatchObject({ id: '643' });

    expect(client.stats()).toEqual({ apiCalls: 2, retries: 1 });
    expect(sleeps).toEqual([250]); // full jitter: random 0.5 × base 500 ms
    expect(events.map((e) => [e.status, e.attempt])).toEqual([
      [500, 1],
      [200, 2],
    ]);
    expect(logs.filter((l) => l.level === 'warn')).toHaveLength(1);
    expect(server.requests.map((r) => r.body)).toEqual([server.requests[0]?.body, server.requests[0]?.body]);
  });

  it('gives up after maxAttempts with the status, message and last request id', async () => {
    server.fallback = serverError;
    const { client, sleeps } = fixture();

    const err = await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH]));

    expect(server.requests).toHaveLength(6);
    expect(sleeps).toEqual([250, 500, 1000, 2000, 4000]);
    expect(err.code).toBe(CODES.server);
    expect(err.retryable).toBe(true);
    expect(err.requestId).toBe('rid-6');
    expect(err.message).toContain('HTTP 500');
    expect(err.message).toContain('Internal error.');
    expect(err.message).toContain('x-pinterest-rid rid-6');
    expect(err.message).toContain('updateCustomerList');
    expect(err.message).toContain('6 attempts');
    expect(client.stats()).toEqual({ apiCalls: 6, retries: 5 });
  });

  it('honours a configured retry policy', async () => {
    server.fallback = { status: 502, body: 'Bad Gateway' };
    const { client, sleeps } = fixture({ retry: { maxAttempts: 3, baseDelayMs: 100, factor: 3, maxDelayMs: 200 } });

    const err = await rejectionOf(client.getCustomerList('643'));

    expect(server.requests).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]); // 0.5 × min(200, 100·3^i)
    expect(err.message).toContain('HTTP 502');
  });

  it('retries a 503 code 4197', async () => {
    server.enqueue({ status: 503, body: { code: 4197, message: 'The endpoint has been ramped down and is currently not accepting any traffic.' } }, ok);
    const { client } = fixture();

    await expect(client.getCustomerList('643')).resolves.toMatchObject({ id: '643' });
    expect(client.stats()).toEqual({ apiCalls: 2, retries: 1 });
  });

  it('retries a connection reset in the middle of a request', async () => {
    server.enqueue('reset', 'close', ok);
    const { client, events } = fixture();

    await expect(client.updateCustomerList('643', 'REMOVE', [HASH])).resolves.toMatchObject({ id: '643' });

    expect(server.requests).toHaveLength(3);
    expect(client.stats()).toEqual({ apiCalls: 3, retries: 2 });
    expect(events[0]?.status).toBeUndefined();
    expect(events[0]?.networkError).toMatch(/ECONNRESET|UND_ERR_SOCKET/);
  });

  it('retries a response that never comes (headers timeout)', async () => {
    server.enqueue('hang', ok);
    const { client, events } = fixture({ timeouts: { headersMs: 200 } });

    await expect(client.getCustomerList('643')).resolves.toMatchObject({ id: '643' });
    expect(events[0]?.networkError).toBe('UND_ERR_HEADERS_TIMEOUT');
  });

  it('fails with a network error after maxAttempts when nothing listens', async () => {
    const port = await freePort();
    const { client, sleeps } = fixture({ baseUrl: `http://127.0.0.1:${port}/v5`, retry: { maxAttempts: 3 } });

    // A refused connection never reached Pinterest, so even a create is retried.
    const err = await rejectionOf(client.createCustomerList({ name: 'vip', listType: 'EMAIL', records: [HASH] }));

    expect(err.code).toBe(CODES.network);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).toContain('3 attempts');
    expect(sleeps).toHaveLength(2);
  });
});

describe('creates are not replayed blindly', () => {
  it('surfaces CREATE_UNCERTAIN after a reset instead of risking a duplicate list', async () => {
    server.enqueue('reset', ok);
    const { client } = fixture();

    const err = await rejectionOf(client.createCustomerList({ name: 'vip', listType: 'EMAIL', records: [HASH] }));

    expect(err.code).toBe(CODES.createUncertain);
    expect(err.message).toMatch(/look it up by name/);
    expect(server.requests).toHaveLength(1);
  });

  it('surfaces CREATE_UNCERTAIN after a 500 on an audience create', async () => {
    server.enqueue(serverError, ok);
    const { client } = fixture();

    const err = await rejectionOf(client.createAudience({ name: 'VIP', customerListId: '643' }));

    expect(err.code).toBe(CODES.createUncertain);
    expect(err.status).toBe(500);
    expect(err.requestId).toBe('rid-1');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a create refused with 503 or 429, which were not applied', async () => {
    server.enqueue(
      { status: 503, body: { code: 4197, message: 'ramped down' } },
      { status: 429, body: { code: 8, message: 'rate limit' }, headers: { 'x-ratelimit-reset': '1' } },
      ok,
    );
    const { client, sleeps } = fixture();

    await expect(client.createCustomerList({ name: 'vip', listType: 'EMAIL', records: [HASH] })).resolves.toMatchObject({ id: '643' });
    expect(sleeps).toEqual([250, 1500]);
  });
});

describe('429 rate limits', () => {
  const limited = (reset?: string): Reply => ({
    status: 429,
    body: { code: 8, message: 'This request exceeded a rate limit.' },
    headers: reset === undefined ? {} : { 'x-ratelimit-reset': reset },
  });

  it('waits X-RateLimit-Reset seconds (plus jitter) and retries', async () => {
    server.enqueue(limited('1'), ok);
    const { client, sleeps } = fixture();

    await expect(client.updateCustomerList('643', 'ADD', [HASH])).resolves.toMatchObject({ id: '643' });

    expect(sleeps).toEqual([1000 + 500]); // 1 s + random 0.5 × 1 s jitter
    // The 429 is counted on its own (metrics: pinsync_api_rate_limited_total), besides the retry it caused.
    expect(client.stats()).toEqual({ apiCalls: 2, retries: 1, rateLimited: 1 });
  });

  it('fails at once, naming when the limit lifts, when the reset is a day away', async () => {
    server.enqueue(limited('86400'));
    const { client, sleeps } = fixture();

    const err = await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH]));

    expect(err.code).toBe(CODES.rateLimited);
    expect(err.message).toContain('2025-01-02T12:00:00.000Z');
    expect(err.retryAt).toEqual(new Date(NOW + 86_400_000));
    expect(err.status).toBe(429);
    expect(err.apiCode).toBe(8);
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('respects a configured wait cap', async () => {
    server.enqueue(limited('30'));
    const { client } = fixture({ retry: { rateLimitMaxWaitMs: 10_000 } });

    const err = await rejectionOf(client.getCustomerList('643'));

    expect(err.code).toBe(CODES.rateLimited);
    expect(server.requests).toHaveLength(1);
  });

  it('backs off exponentially when the header is missing', async () => {
    server.enqueue(limited(), limited(), ok);
    const { client, sleeps } = fixture();

    await client.getCustomerList('643');

    expect(sleeps).toEqual([250, 500]);
  });

  it('never retries a 429 that mentions spam', async () => {
    server.enqueue({ status: 429, body: { code: 8, message: 'Request blocked', message_detail: 'Suspected spam activity' } }, ok);
    const { client } = fixture();

    const err = await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH]));

    expect(err.code).toBe(CODES.spam);
    expect(server.requests).toHaveLength(1);
  });
});

describe('4xx fail at once with Pinterest details', () => {
  it('reports a 400 with status, code, message, operation and request id, without retrying', async () => {
    server.enqueue({ status: 400, body: { code: 1, message: "'customer_list_id' value 'x' must match the pattern: ^\\d+$" } }, ok);
    const { client, sleeps } = fixture();

    const err = await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH]));

    expect(err).toBeInstanceOf(PinsyncError);
    expect(err.code).toBe(CODES.rejected);
    expect(err.message).toContain('HTTP 400');
    expect(err.message).toContain('Pinterest code 1');
    expect(err.message).toContain('must match the pattern');
    expect(err.message).toContain('updateCustomerList (PATCH /ad_accounts/549755885175/customer_lists/643)');
    expect(err.message).toContain('x-pinterest-rid rid-1');
    expect(err).toMatchObject({ status: 400, apiCode: 1, requestId: 'rid-1', retryable: false, operation: 'updateCustomerList', attempts: 1 });
    expect(err.apiMessage).toContain('must match the pattern');
    expect(sleeps).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('maps 403 code 29 to FORBIDDEN', async () => {
    server.enqueue({ status: 403, body: { code: 29, message: 'You are not permitted to access that resource.' } });
    const { client } = fixture();

    const err = await rejectionOf(client.getAdAccount());

    expect(err.code).toBe(CODES.forbidden);
    expect(err.message).toContain('not permitted');
  });

  it('turns a 413 or a size-related 400 into TOO_LARGE so core can split the batch', async () => {
    server.enqueue({ status: 413, body: '<html>Request Entity Too Large</html>' }, { status: 400, body: { code: 1, message: 'Too many records in request.' } });
    const { client } = fixture();

    const gateway = await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH]));
    const api = await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH]));

    expect(gateway.code).toBe(CODES.tooLarge);
    expect(gateway.status).toBe(413);
    expect(api.code).toBe(CODES.tooLarge);
    expect(server.requests).toHaveLength(2);
  });

  it('refuses a body over maxBodyBytes locally with TOO_LARGE', async () => {
    const { client } = fixture({ maxBodyBytes: 1_000 });

    const err = await rejectionOf(client.updateCustomerList('643', 'ADD', Array.from({ length: 20 }, () => HASH)));

    expect(err.code).toBe(CODES.tooLarge);
    expect(server.requests).toHaveLength(0);
    expect(client.stats()).toEqual({ apiCalls: 0, retries: 0 });
  });
});

describe('401 and token refresh', () => {
  const unauthorized = { status: 401, body: { code: 2, message: 'Authentication failed.' } };

  it('calls onUnauthorized once and replays the request with the new token', async () => {
    server.enqueue(unauthorized, ok);
    const auth = {
      getAccessToken: vi.fn(() => Promise.resolve(TEST_TOKEN)),
      onUnauthorized: vi.fn(() => Promise.resolve('pina_TEST-ONLY-refreshed-token-0002')),
    } satisfies TokenProvider;
    const { client, sleeps } = fixture({ auth });

    await expect(client.createCustomerList({ name: 'vip', listType: 'EMAIL', records: [HASH] })).resolves.toMatchObject({ id: '643' });

    expect(auth.onUnauthorized).toHaveBeenCalledTimes(1);
    expect(auth.onUnauthorized).toHaveBeenCalledWith(TEST_TOKEN);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${TEST_TOKEN}`,
      'Bearer pina_TEST-ONLY-refreshed-token-0002',
    ]);
    expect(server.requests[1]?.body).toBe(server.requests[0]?.body);
    expect(sleeps).toEqual([]);
    expect(client.stats()).toEqual({ apiCalls: 2, retries: 1 });
  });

  it('refreshes only once: a second 401 fails and asks for re-authorization', async () => {
    server.fallback = unauthorized;
    const onUnauthorized = vi.fn(() => Promise.resolve('pina_TEST-ONLY-refreshed-token-0002'));
    const { client } = fixture({ auth: { getAccessToken: () => Promise.resolve(TEST_TOKEN), onUnauthorized } });

    const err = await rejectionOf(client.getCustomerList('643'));

    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    expect(server.requests).toHaveLength(2);
    expect(err.code).toBe(CODES.auth);
    expect(err.message).toMatch(/access token rejected.*even after refreshing/);
    expect(err.message).not.toContain('refreshed-token');
  });

  it('without a refresh seam fails at once with "access token rejected"', async () => {
    server.enqueue(unauthorized, ok);
    const { client } = fixture();

    const err = await rejectionOf(client.getCustomerList('643'));

    expect(err.code).toBe(CODES.auth);
    expect(err.message).toContain('access token rejected');
    expect(err.message).toContain('Pinterest code 2');
    expect(err.status).toBe(401);
    expect(server.requests).toHaveLength(1);
  });

  it('fails when the refresher has no new token', async () => {
    server.enqueue(unauthorized, ok);
    const { client } = fixture({ auth: { getAccessToken: () => Promise.resolve(TEST_TOKEN), onUnauthorized: () => Promise.resolve(undefined) } });

    const err = await rejectionOf(client.getCustomerList('643'));

    expect(err.code).toBe(CODES.auth);
    expect(server.requests).toHaveLength(1);
  });

  it('treats 401 code 3 (missing scope) as forbidden, without refreshing', async () => {
    server.enqueue({ status: 401, body: { code: 3, message: 'Your token does not have sufficient permissions.' } });
    const onUnauthorized = vi.fn(() => Promise.resolve('pina_TEST-ONLY-refreshed-token-0002'));
    const { client } = fixture({ auth: { getAccessToken: () => Promise.resolve(TEST_TOKEN), onUnauthorized } });

    const err = await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH]));

    expect(err.code).toBe(CODES.forbidden);
    expect(onUnauthorized).not.toHaveBeenCalled();
  });
});

describe('secrets', () => {
  it('never puts the access token in error messages, fields, events or logs', async () => {
    // A server (or proxy) that echoes the credentials back is the worst case.
    const echo = (status: number) => (req: { headers: Record<string, unknown> }) => ({
      status,
      body: { code: 1, message: `bad request with ${String(req.headers.authorization)}`, message_detail: `token=${TEST_TOKEN}` },
    });
    server.enqueue(echo(400), echo(500), echo(500), { status: 401, body: { code: 2, message: `expired ${TEST_TOKEN}` } }, 'reset');
    const { client, events, logs } = fixture({ retry: { maxAttempts: 2 } });

    const errors = [
      await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH])),
      await rejectionOf(client.getCustomerList('643')),
      await rejectionOf(client.getAudience('1234')),
      await rejectionOf(client.createCustomerList({ name: 'vip', listType: 'EMAIL', records: [HASH] })),
    ];

    const token = TEST_TOKEN.slice('pina_'.length);
    for (const err of errors) {
      const dump = [err.message, String(err), err.stack, JSON.stringify(err), String((err.cause as Error | undefined)?.message)].join('\n');
      expect(dump).not.toContain(token);
    }
    expect(errors[0]?.message).toContain('[redacted]');
    expect(JSON.stringify(events)).not.toContain(token);
    expect(JSON.stringify(logs)).not.toContain(token);
  });
});

describe('abort', () => {
  it('stops waiting between retries when the signal aborts', async () => {
    server.fallback = serverError;
    const controller = new AbortController();
    const { client } = fixture({
      sleep: (_ms, signal) => {
        controller.abort(new Error('SIGINT'));
        return Promise.reject(signal?.reason as Error);
      },
    });

    const err = await rejectionOf(client.updateCustomerList('643', 'ADD', [HASH], { signal: controller.signal }));

    expect(err.code).toBe(CODES.aborted);
    expect(server.requests).toHaveLength(1);
  });
});

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
