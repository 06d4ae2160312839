/** The DuckDB state store on a real file: migrations, permissions, tokens, runs. */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-state-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DuckDbStateStore', () => {
  it('creates the file readable by its owner only and reopens it without re-migrating', async () => {
    const path = join(dir, 'nested', 'state.duckdb');
    const store = await DuckDbStateStore.open(path);
    await store.saveSync('a', { adAccountId: '1', normalizationVersion: 1 });
    await store.close();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const again = await DuckDbStateStore.open(path);
    expect(await again.getSync('a')).toMatchObject({ name: 'a', adAccountId: '1', membershipCount: 0 });
    await again.close();
  });

  it('stores and replaces tokens durably', async () => {
    const path = join(dir, 'state.duckdb');
    const store = await DuckDbStateStore.open(path);
    const expires = new Date('2027-01-01T00:00:00.000Z');
    await store.saveTokens('app:1', { accessToken: 'a1', accessExpiresAt: expires, refreshToken: 'r1', refreshExpiresAt: null, configFingerprint: 'f' });
    await store.saveTokens('app:1', { accessToken: 'a2', accessExpiresAt: expires, refreshToken: 'r2', refreshExpiresAt: expires, configFingerprint: 'f' });
    await store.close();
    const reopened = await DuckDbStateStore.open(path);
    const tokens = await reopened.getTokens('app:1');
    expect(tokens).toMatchObject({ accessToken: 'a2', refreshToken: 'r2', configFingerprint: 'f' });
    expect(tokens?.accessExpiresAt?.toISOString()).toBe(expires.toISOString());
    expect(await reopened.getTokens('other')).toBeUndefined();
    await reopened.close();
  });

  it('marks a run that never finished as interrupted when the next one starts', async () => {
    const store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
    const first = await store.startRun('s', new Date());
    const second = await store.startRun('s', new Date());
    const runs = await store.listRuns({ syncNames: ['s'] });
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      [second, 'running'],
      [first, 'interrupted'],
    ]);
    await store.close();
  });

  it('a read-only open sees the data and cannot change it', async () => {
    const path = join(dir, 'state.duckdb');
    const store = await DuckDbStateStore.open(path);
    await store.saveSync('a', { adAccountId: '1', normalizationVersion: 1 });
    await store.close();
    const ro = await DuckDbStateStore.open(path, { readOnly: true });
    expect(await ro.getSync('a')).toBeDefined();
    await expect(ro.saveSync('b', { normalizationVersion: 1 })).rejects.toThrow(/read-only/i);
    await ro.close();
  });
});
