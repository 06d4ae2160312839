/**
 * Fault hooks: scripted error answers, latency, dropped connections (before and after applying the request), and
 * the request log tests use to count calls.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';
import { call, createList, hexRecords, listsPath } from './helpers/emulator-http.js';
import { watchArrivals } from '../helpers/request-arrivals.js';

let em: RunningEmulator;
beforeAll(async () => {
  em = await startEmulator();
});
afterAll(async () => {
  await em.close();
});
beforeEach(() => {
  em.reset();
});

describe('failNext', () => {
  it('answers with the scripted error, count times, then handles requests again', async () => {
    em.faults.failNext({ status: 503, count: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await call(em, 'GET', listsPath(em));
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ code: 4197, message: 'The endpoint has been ramped down and is currently not accepting any traffic.' });
      expect(res.headers.get('x-pinterest-rid')).toBeTruthy();
      expect(res.headers.get('content-type')).toBe('application/json');
    }
    expect((await call(em, 'GET', listsPath(em))).status).toBe(200);
    expect(em.faults.pending()).toBe(0);
  });

  it('sends 429 code 8 with the given headers, 500 and 401 defaults, and custom code/message', async () => {
    em.faults.failNext({ status: 429, headers: { 'X-RateLimit-Reset': '3' } });
    const limited = await call(em, 'GET', listsPath(em));
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe(8);
    expect(limited.headers.get('x-ratelimit-reset')).toBe('3');

    em.faults.failNext({ status: 500 });
    expect((await call(em, 'GET', listsPath(em))).body.code).toBe(500);
    em.faults.failNext({ status: 401 });
    expect((await call(em, 'GET', listsPath(em))).body).toEqual({ code: 2, message: 'Authentication failed.' });
    em.faults.failNext({ status: 400, code: 77, message: 'custom' });
    expect((await call(em, 'GET', listsPath(em))).body).toEqual({ code: 77, message: 'custom' });
  });

  it('only fails matching requests, and the failed write is not applied', async () => {
    const list = await createList(em, 'f', ['a']);
    em.faults.failNext({ status: 500, match: { method: 'PATCH', pathIncludes: '/customer_lists/' } });
    expect((await call(em, 'GET', listsPath(em, list.id))).status).toBe(200);
    const failed = await call(em, 'PATCH', listsPath(em, list.id), { json: { operation_type: 'ADD', records: 'b,c' } });
    expect(failed.status).toBe(500);
    expect(em.membership(list.id)).toEqual(new Set(['a']));
    expect(em.list(list.id)?.num_batches).toBe(1);
    const log = em.requests.at(-1)!;
    expect(log).toMatchObject({ method: 'PATCH', status: 500, fault: 'fail', records: 2, applied: false, operation: 'ADD', operationId: 'customer_lists/update' });
  });
});

describe('dropNext', () => {
  it('destroys the connection without applying the request', async () => {
    const list = await createList(em, 'd', ['a']);
    em.faults.dropNext(1);
    await expect(call(em, 'PATCH', listsPath(em, list.id), { json: { operation_type: 'ADD', records: 'b' } })).rejects.toThrow();
    expect(em.membership(list.id)).toEqual(new Set(['a']));
    expect(em.requests.at(-1)).toMatchObject({ status: null, outcome: 'dropped', fault: 'drop', applied: false });
    // the next request goes through
    expect((await call(em, 'GET', listsPath(em, list.id))).status).toBe(200);
  });

  it('after-apply variant: Pinterest applied the batch but the ack was lost', async () => {
    const list = await createList(em, 'd', ['a']);
    em.faults.dropAfterApplyNext(1, { match: { method: 'PATCH' } });
    await expect(call(em, 'PATCH', listsPath(em, list.id), { json: { operation_type: 'ADD', records: 'b' } })).rejects.toThrow();
    expect(em.membership(list.id)).toEqual(new Set(['a', 'b']));
    expect(em.list(list.id)?.num_uploaded_user_records).toBe(2);
    expect(em.requests.at(-1)).toMatchObject({ status: 200, outcome: 'dropped-after-apply', applied: true });

    // the object form does the same
    em.faults.dropNext({ count: 1, afterApply: true, match: { method: 'POST', pathIncludes: '/customer_lists' } });
    await expect(call(em, 'POST', listsPath(em), { json: { name: 'x', records: 'z' } })).rejects.toThrow();
    expect(em.lists()).toHaveLength(2);
  });
});

describe('latency and the request log', () => {
  it('holds many delayed requests at once without a listener-leak warning (a bench keeps 16 or more waiting)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      em.faults.latency(50, { match: { method: 'GET' } });
      const answers = await Promise.all(Array.from({ length: 24 }, () => call(em, 'GET', listsPath(em))));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      em.faults.latency(0);
    }
  });

  it('delays matching requests by at least the given time', async () => {
    em.faults.latency(120, { match: { method: 'GET' } });
    expect((await call(em, 'GET', listsPath(em))).status).toBe(200);
    // a lower bound only: a loaded machine can make a request slower, never faster than its latency
    expect(em.requests.at(-1)!.durationMs).toBeGreaterThanOrEqual(110);
  });

  it('holds only matching requests, and clear() stops delaying the ones that come after', async () => {
    // Event-driven, no upper time bound: a request held for a minute is still unanswered while others complete.
    const arrivals = watchArrivals(em);
    em.faults.latency(60_000, { count: 1, match: { method: 'GET' } });
    let heldAnswered = false;
    const held = call(em, 'GET', listsPath(em)).then(
      () => (heldAnswered = true),
      () => undefined, // the emulator closes under it at the end of the file
    );
    await arrivals.waitFor((a) => a.method === 'GET');
    expect((await call(em, 'POST', listsPath(em), { json: { name: 'not held', records: 'a' } })).status).toBe(200);
    expect(heldAnswered).toBe(false);
    em.faults.latency(60_000, { match: { method: 'GET' } });
    em.faults.clear();
    expect((await call(em, 'GET', listsPath(em))).status).toBe(200);
    expect(heldAnswered).toBe(false);
    void held;
  });

  it('logs method, path, status, records and timestamp of every request', async () => {
    em.clearRequests();
    const before = Date.now();
    const list = await createList(em, 'log', hexRecords(3));
    await call(em, 'PATCH', listsPath(em, list.id), { json: { operation_type: 'REMOVE', records: `${hexRecords(1)[0]},,` } });
    await call(em, 'GET', `${listsPath(em)}?page_size=5`, { token: 'bad' });
    expect(em.requests.map((r) => [r.method, r.operationId, r.operation, r.status, r.records, r.applied])).toEqual([
      ['POST', 'customer_lists/create', undefined, 200, 3, true],
      ['PATCH', 'customer_lists/update', 'REMOVE', 200, 1, true],
      ['GET', 'customer_lists/list', undefined, 401, 0, false],
    ]);
    const last = em.requests.at(-1)!;
    expect(last.path).toBe(`/v5${listsPath(em)}`);
    expect(last.query).toBe('?page_size=5');
    expect(last.errorCode).toBe(2);
    expect(last.timestamp).toBeGreaterThanOrEqual(before);
    expect(last.requestId).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('scheduled and random faults', () => {
  it('failEvery answers every Nth matching request until cleared', async () => {
    em.faults.failEvery(3, { status: 429, headers: { 'X-RateLimit-Reset': '1' }, match: { method: 'GET' } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await call(em, 'GET', listsPath(em))).status);
    expect(statuses).toEqual([200, 200, 429, 200, 200, 429, 200]);
    // other methods do not count toward the schedule
    expect((await call(em, 'POST', listsPath(em), { json: { name: 'a', records: 'x' } })).status).toBe(200);
    expect((await call(em, 'GET', listsPath(em))).status).toBe(200);
    expect((await call(em, 'GET', listsPath(em))).status).toBe(429);
    em.faults.clear();
    for (let i = 0; i < 3; i++) expect((await call(em, 'GET', listsPath(em))).status).toBe(200);
  });

  it('failRate and dropRate hit the share of requests that the random source picks', async () => {
    const draws = [0.01, 0.9, 0.04, 0.5];
    let i = 0;
    const e = await startEmulator({ random: () => draws[i++ % draws.length] as number });
    try {
      e.faults.failRate(0.05, { statuses: [503] });
      const statuses: number[] = [];
      for (let n = 0; n < 4; n++) statuses.push((await call(e, 'GET', listsPath(e))).status);
      // draws below 0.05 fail
      expect(statuses).toEqual([503, 200, 503, 200]);
      e.faults.clear();
      e.faults.dropRate(0.05);
      i = 0;
      await expect(call(e, 'GET', listsPath(e))).rejects.toThrow();
      expect((await call(e, 'GET', listsPath(e))).status).toBe(200);
    } finally {
      await e.close();
    }
  });

  it('refuses nonsense schedules', () => {
    expect(() => em.faults.failEvery(0, { status: 500 })).toThrow(RangeError);
    expect(() => em.faults.failRate(1.5)).toThrow(RangeError);
    expect(() => em.faults.failNext({ status: 200 })).toThrow(RangeError);
  });
});

describe('token expiry faults', () => {
  it('expires the access token after N requests: "401 mid-run"', async () => {
    em.addToken('mid-run');
    em.faults.expireAccessToken({ token: 'mid-run', afterRequests: 2 });
    expect(em.faults.pending()).toBe(1);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await call(em, 'GET', listsPath(em), { token: 'mid-run' })).status);
    expect(statuses).toEqual([200, 200, 401, 401]);
    expect(em.faults.pending()).toBe(0);
    // the default token was not touched
    expect((await call(em, 'GET', listsPath(em))).status).toBe(200);
    // clear() removes faults, but an expired token stays expired
    em.faults.clear();
    expect((await call(em, 'GET', listsPath(em), { token: 'mid-run' })).status).toBe(401);
  });

  it('expires refresh tokens through the fault API too', async () => {
    em.faults.expireRefreshToken('pinsync-emulator-refresh-token');
    const res = await call(em, 'POST', '/oauth/token', {
      basic: [em.oauth.clientId, em.oauth.clientSecret],
      form: { grant_type: 'refresh_token', refresh_token: 'pinsync-emulator-refresh-token' },
    });
    expect(res.body).toEqual({ code: 283, message: 'The authorization grant is invalid' });
  });
});
