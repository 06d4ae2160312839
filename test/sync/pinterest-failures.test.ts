/** Pinterest misbehaving during a sync, over real HTTP: retried where safe, a clear failure otherwise, nothing lost. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedHashes, makePeople, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
});

afterEach(async () => {
  await fx.close();
});

describe('Pinterest failures during a push', () => {
  it('5xx and rate limits mid-run are retried and the sync ends exact', async () => {
    const people = makePeople(1, 1_000);
    await fx.setPeople(people);
    await fx.writeConfig({ maxRecords: 100 });
    fx.emulator.faults.failNext({ status: 503, code: 4197, count: 2, match: { method: 'PATCH' } });
    fx.emulator.faults.failNext({ status: 429, code: 8, count: 1, match: { method: 'PATCH' }, headers: { 'X-RateLimit-Reset': '0' } });
    fx.emulator.faults.dropNext({ count: 1, afterApply: true, match: { method: 'PATCH' } });
    const res = await fx.syncJson();
    expect(res.code).toBe(0);
    expect(res.report.pinterest.retries).toBeGreaterThanOrEqual(4);
    expect(fx.membership()).toEqual(expectedHashes(people));
    expect(await fx.storedMembership()).toEqual(expectedHashes(people));
  });

  it('a 400 fails the sync with Pinterest’s code, message and request id; the state stays behind Pinterest', async () => {
    const people = makePeople(1, 1_000);
    await fx.setPeople(people);
    await fx.writeConfig({ maxRecords: 100 });
    fx.emulator.faults.failNext({ status: 400, code: 1, message: 'Invalid request: something odd', count: 1, match: { method: 'PATCH' } });
    const res = await fx.syncJson();
    expect(res.code).toBe(1);
    expect(res.report.status).toBe('failed');
    expect(res.report.error?.message).toMatch(/400/);
    expect(res.report.error?.message).toMatch(/something odd/);
    expect(res.report.error?.message).toMatch(/x-pinterest-rid|request id/i);
    const stored = await fx.storedMembership();
    for (const h of stored) expect(fx.membership().has(h)).toBe(true);
    // the next run completes exactly
    const rerun = await fx.syncJson();
    expect(rerun.code).toBe(0);
    expect(fx.membership()).toEqual(expectedHashes(people));
  });

  it('a rejected access token fails with a clear message and never prints the token', async () => {
    await fx.setPeople(makePeople(1, 50));
    await fx.writeConfig();
    const res = await fx.syncJson([], { PINTEREST_ACCESS_TOKEN: 'pina_not-a-valid-token-123' });
    expect(res.code).toBe(1);
    expect(res.report.error?.message).toMatch(/access token/i);
    expect(JSON.stringify(res.report)).not.toContain('pina_not-a-valid-token-123');
    expect(res.stderr).not.toContain('pina_not-a-valid-token-123');
  });
});
