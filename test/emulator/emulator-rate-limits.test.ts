/**
 * Rate limits: token buckets per (user, app, category) that refill on the emulator clock, 429 code 8 with
 * X-RateLimit-Reset / -Limit / -Remaining, the universal per-second limit, and the "daily quota spent" fault.
 */
import { describe, expect, it, onTestFinished, vi } from 'vitest';

import { MESSAGES } from '../../emulators/pinterest/api-errors.js';
import { call, listsPath, tokenRequest } from './helpers/emulator-http.js';
import { useEmulator } from './helpers/use-emulator.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';
import { startEmulator } from '../../emulators/pinterest/emulator-server.js';

const start = useEmulator();
const write = (e: RunningEmulator, token?: string) => call(e, 'POST', listsPath(e), { json: { name: 'l', records: 'a' }, ...(token ? { token } : {}) });

describe('per-category buckets', () => {
  it('admits a minute of quota, then answers 429 code 8 with the seconds until the next request fits', async () => {
    const e = await start({ rateLimits: { ads_write: 3 } });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await write(e);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit')).toBe('3');
      remaining.push(res.headers.get('x-ratelimit-remaining'));
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await write(e);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ code: 8, message: MESSAGES.rateLimited });
    // 3 per minute = one every 20 s
    expect(refused.headers.get('x-ratelimit-reset')).toBe('20');
    expect(refused.headers.get('x-ratelimit-limit')).toBe('3');
    expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(e.lists()).toHaveLength(3);

    // reads are another category, untouched
    expect((await call(e, 'GET', listsPath(e))).status).toBe(200);

    e.advanceTime(20_000);
    expect((await write(e)).status).toBe(200);
    expect((await write(e)).status).toBe(429);
  });

  it('refills continuously up to a full bucket, and a refused request spends nothing', async () => {
    // The wall clock stands still (only Date; sockets and timers stay real): on a loaded machine the 60 requests
    // take over a second, and a token refilled meanwhile would let the 61st through.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const e = await start({ rateLimits: { ads_read: 60 } });
    for (let i = 0; i < 60; i++) expect((await call(e, 'GET', listsPath(e))).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await call(e, 'GET', listsPath(e))).headers.get('x-ratelimit-reset')).toBe('1');
    e.advanceTime(10_000);
    for (let i = 0; i < 10; i++) expect((await call(e, 'GET', listsPath(e))).status).toBe(200);
    expect((await call(e, 'GET', listsPath(e))).status).toBe(429);
    e.advanceTime(3_600_000);
    expect((await call(e, 'GET', listsPath(e))).headers.get('x-ratelimit-remaining')).toBe('59');
  });

  it('keeps separate buckets per user and per app', async () => {
    const e = await start({
      rateLimits: { ads_write: 1 },
      oauthApps: [{ clientId: 'a', clientSecret: 's' }, { clientId: 'b', clientSecret: 't' }],
      tokens: ['user1-app-a', { token: 'user2-app-a', userId: '2' }, { token: 'user1-app-b', clientId: 'b' }],
    });
    expect((await write(e, 'user1-app-a')).status).toBe(200);
    expect((await write(e, 'user1-app-a')).status).toBe(429);
    expect((await write(e, 'user2-app-a')).status).toBe(200);
    expect((await write(e, 'user1-app-b')).status).toBe(200);
  });

  it('limits the token endpoint (org_read) per app', async () => {
    const e = await start({ rateLimits: { org_read: 1 } });
    expect((await tokenRequest(e, { grant_type: 'client_credentials', scope: 'ads:read' })).status).toBe(200);
    const refused = await tokenRequest(e, { grant_type: 'client_credentials', scope: 'ads:read' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-reset')).toBe('60');
  });

  it('applies the universal per-second limit across categories', async () => {
    const e = await start({ rateLimits: { universalPerSecond: 2 } });
    expect((await call(e, 'GET', listsPath(e))).status).toBe(200);
    expect((await write(e)).status).toBe(200);
    const refused = await call(e, 'GET', '/ad_accounts');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-reset')).toBe('1');
    // no per-category limit: no headers on success
    e.advanceTime(1_000);
    expect((await call(e, 'GET', listsPath(e))).headers.get('x-ratelimit-limit')).toBeNull();
  });

  it('is off by default', async () => {
    const e = await start();
    for (let i = 0; i < 50; i++) expect((await write(e)).status).toBe(200);
  });

  it('refuses nonsense limits', async () => {
    await expect(startEmulator({ rateLimits: { ads_write: 0 } })).rejects.toThrow(/rateLimits.ads_write must be a positive number/);
  });
});

describe('quotaExhausted', () => {
  it('refuses a category with a far X-RateLimit-Reset that counts down, until it passes or is cleared', async () => {
    const e = await start();
    e.faults.quotaExhausted({ category: 'ads_write', resetSeconds: 40_000 });
    const refused = await write(e);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe(8);
    expect(Number(refused.headers.get('x-ratelimit-reset'))).toBeGreaterThan(39_990);
    expect((await call(e, 'GET', listsPath(e))).status).toBe(200);

    e.advanceTime(30_000_000);
    expect(Number((await write(e)).headers.get('x-ratelimit-reset'))).toBeLessThanOrEqual(10_000);
    e.advanceTime(10_001_000);
    expect((await write(e)).status).toBe(200);

    e.faults.quotaExhausted();
    expect((await call(e, 'GET', listsPath(e))).status).toBe(429);
    e.faults.clear();
    expect((await call(e, 'GET', listsPath(e))).status).toBe(200);
  });
});
