/**
 * Rotated tokens are the one thing pinsync cannot get back if they are lost (Pinterest has already retired the old
 * refresh token), so `saveTokens` on the DuckDB state makes them part of the state file itself at once, instead of
 * leaving them only in the write-ahead log until the run ends.
 */
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-token-durability-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readIfExists(path: string): Promise<string> {
  return readFile(path, 'latin1').catch(() => '');
}

describe('DuckDbStateStore.saveTokens', () => {
  it('writes rotated tokens into the state file itself while the run goes on, not only into the WAL', async () => {
    const path = join(dir, 'state.duckdb');
    const store = await DuckDbStateStore.open(path);
    try {
      await store.saveSync('vip', { adAccountId: '1', normalizationVersion: 1 });
      await store.saveTokens('pinterest:app:1', {
        accessToken: 'rotated-access-0001',
        accessExpiresAt: null,
        refreshToken: 'rotated-refresh-0001',
        refreshExpiresAt: null,
        configFingerprint: 'f',
      });
      // The store stays open, as during a sync. What is on disk now is what survives a crash that loses the WAL
      // (or a backup that copies only state.duckdb), and the WAL no longer holds the tokens.
      await copyFile(path, join(dir, 'copy.duckdb'));
      expect(await readIfExists(`${path}.wal`)).not.toContain('rotated-refresh-0001');
    } finally {
      await store.close();
    }
    const copy = await DuckDbStateStore.open(join(dir, 'copy.duckdb'));
    try {
      expect(await copy.getTokens('pinterest:app:1')).toMatchObject({ accessToken: 'rotated-access-0001', refreshToken: 'rotated-refresh-0001' });
    } finally {
      await copy.close();
    }
  });
});
