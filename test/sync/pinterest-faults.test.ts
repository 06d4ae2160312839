/**
 * Issue-3 fault rehearsals over real HTTP, through the CLI: token expiry mid-run with rotation persisted, a failed
 * refresh, 429 storms, 5xx, connection resets mid-batch. Each ends with exact membership, or with a clear failure
 * and a state no further ahead than Pinterest.
 */
import { describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { expectedHashes, makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const OAUTH = '{ accessToken: "${PINTEREST_ACCESS_TOKEN}", refreshToken: pinsync-emulator-refresh-token, clientId: pinsync-emulator-client, clientSecret: pinsync-emulator-secret }';

const fx = useSyncFixture();

async function storedTokens() {
  const store = await DuckDbStateStore.open(fx().statePath);
  try {
    return await store.getTokens(`pinterest:pinsync-emulator-client:549755885175`);
  } finally {
    await store.close();
  }
}

function stateNotAhead(stored: Set<string>): void {
  const pinterest = fx().membership();
  for (const h of stored) expect(pinterest.has(h)).toBe(true);
}

describe('token expiry', () => {
  it('mid-run: refreshes once, persists the rotated tokens, and the next run uses them instead of the config’s', async () => {
    const people = makePeople(1, 1_500);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100, auth: OAUTH });
    fx().emulator.faults.expireAccessToken({ afterRequests: 5, match: { method: 'PATCH' } });
    const first = await fx().syncJson();
    expect(first.code, first.stderr).toBe(0);
    expect(fx().membership()).toEqual(expectedHashes(people));
    const tokens = await storedTokens();
    expect(tokens?.refreshToken).toBeTruthy();
    expect(tokens?.refreshToken).not.toBe('pinsync-emulator-refresh-token'); // rotated
    expect(tokens?.accessExpiresAt).toBeInstanceOf(Date);

    // The config still holds the original refresh token, which Pinterest retired at the rotation: a second
    // expiry can only be survived with the stored one.
    await fx().setPeople(makePeople(1, 1_700));
    fx().emulator.faults.expireAccessToken();
    const second = await fx().syncJson();
    expect(second.code, second.stderr).toBe(0);
    expect(fx().membership()).toEqual(expectedHashes(makePeople(1, 1_700)));
    const rotatedAgain = await storedTokens();
    expect(rotatedAgain?.refreshToken).not.toBe(tokens?.refreshToken);
  });

  it('a refused refresh fails with re-authorization advice, loses nothing, and never prints a token', async () => {
    const people = makePeople(1, 1_000);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100, auth: OAUTH });
    fx().emulator.faults.expireRefreshToken();
    fx().emulator.faults.expireAccessToken({ afterRequests: 3, match: { method: 'PATCH' } });
    const res = await fx().syncJson();
    expect(res.code).toBe(1);
    expect(res.report.error?.message).toMatch(/pinsync auth/);
    expect(res.stderr + JSON.stringify(res.report)).not.toMatch(/pinsync-emulator-refresh-token|pinsync-emulator-secret|pinsync-emulator-token/);
    stateNotAhead(await fx().storedMembership());
  });
});

describe('an unreliable Pinterest', () => {
  it('a 429 storm and 5xx bursts end with exact membership', async () => {
    const people = makePeople(1, 1_500);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 250 });
    fx().emulator.faults.failEvery(3, { status: 429, code: 8, headers: { 'X-RateLimit-Reset': '1' }, match: { method: 'PATCH' } });
    fx().emulator.faults.failNext({ status: 500, count: 2, match: { method: 'PATCH' } });
    fx().emulator.faults.failNext({ status: 503, code: 4197, count: 2, match: { method: 'PATCH' } });
    const res = await fx().syncJson();
    expect(res.code, res.stderr).toBe(0);
    expect(res.report.pinterest.retries).toBeGreaterThanOrEqual(5);
    expect(fx().membership()).toEqual(expectedHashes(people));
    expect(await fx().storedMembership()).toEqual(expectedHashes(people));
  }, 60_000);

  it('connection resets mid-batch (before and after Pinterest applied it) end with exact membership', async () => {
    const people = makePeople(1, 1_500);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    fx().emulator.faults.dropNext({ count: 2, match: { method: 'PATCH' } });
    fx().emulator.faults.dropNext({ count: 2, afterApply: true, match: { method: 'PATCH' } });
    const res = await fx().syncJson();
    expect(res.code, res.stderr).toBe(0);
    expect(fx().membership()).toEqual(expectedHashes(people));
    expect(await fx().storedMembership()).toEqual(expectedHashes(people));
  });

  it('a daily quota fails fast, saying when it lifts, with the state behind Pinterest', async () => {
    await fx().setPeople(makePeople(1, 1_000));
    await fx().writeConfig({ maxRecords: 100 });
    fx().emulator.faults.failEvery(1, { status: 429, code: 8, headers: { 'X-RateLimit-Reset': '40000' }, match: { method: 'PATCH' } });
    const started = Date.now();
    const res = await fx().syncJson();
    expect(res.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(res.report.error?.message).toMatch(/rate limit/i);
    expect(res.report.error?.message).toMatch(/\d{4}-\d{2}-\d{2}T/);
    stateNotAhead(await fx().storedMembership());
  });
});
