/**
 * State problems a user can hit get an error that names the state path, the cause and the fix, each with its own
 * code: a path that cannot be created, a full disk, a state written by a newer pinsync.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { translateStateIoError } from '../../connectors/state/state-errors.js';
import { STATE_SCHEMA_VERSION } from '../../connectors/state/state-migrations.js';
import { PinsyncError } from '../../core/errors.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-state-errors-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openError(path: string, options: { readOnly?: boolean } = {}): Promise<PinsyncError> {
  const err = await DuckDbStateStore.open(path, options).then(
    async (store) => {
      await store.close();
      throw new Error(`opening ${path} succeeded`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PinsyncError);
  return err as PinsyncError;
}

describe('a state path that cannot be used', () => {
  it('a folder that cannot be created (/proc/nope/…) names the path and says to point state: elsewhere', async () => {
    const err = await openError('/proc/nope/state.duckdb');
    expect(err.code).toBe('PINSYNC_STATE_PATH');
    expect(err.message).toContain('/proc/nope/state.duckdb');
    expect(err.message).toMatch(/cannot create the folder \/proc\/nope/);
    expect(err.message).toMatch(/state: duckdb:/);
  });

  it('a folder on the path that is a file', async () => {
    await writeFile(join(dir, 'afile'), 'x');
    const path = join(dir, 'afile', 'state.duckdb');
    const err = await openError(path);
    expect(err.code).toBe('PINSYNC_STATE_PATH');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/is a file, not a folder/);
  });

  it('a state path that is a folder', async () => {
    const path = join(dir, 'state.duckdb');
    await mkdir(path);
    const err = await openError(path);
    expect(err.code).toBe('PINSYNC_STATE_PATH');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/is a folder/);
  });

  it('a file that is not a pinsync state', async () => {
    const path = join(dir, 'notes.txt');
    await writeFile(path, 'not a database '.repeat(300));
    const err = await openError(path);
    expect(err.code).toBe('PINSYNC_STATE_NOT_STATE');
    expect(err.message).toContain(path);
    expect(err.message).toMatch(/not a DuckDB database/);
  });
});

describe('a state written by a newer pinsync', () => {
  async function newerState(): Promise<string> {
    const path = join(dir, 'state.duckdb');
    const store = await DuckDbStateStore.open(path);
    await store.close();
    const instance = await openDuckDb(path);
    const conn = await instance.connect();
    await conn.run(`INSERT INTO schema_migrations VALUES (${STATE_SCHEMA_VERSION + 7}, 'from-the-future', now())`);
    conn.closeSync();
    instance.closeSync();
    return path;
  }

  it.each([{ mode: 'read-write (sync)', readOnly: false }, { mode: 'read-only (plan, runs)', readOnly: true }])('$mode: says to upgrade pinsync, not to run sync', async ({ readOnly }) => {
    const path = await newerState();
    const err = await openError(path, { readOnly });
    expect(err.code).toBe('PINSYNC_STATE_NEWER');
    expect(err.message).toContain(path);
    expect(err.message).toContain(`schema ${STATE_SCHEMA_VERSION + 7}`);
    expect(err.message).toContain(`knows up to ${STATE_SCHEMA_VERSION}`);
    expect(err.message).toMatch(/upgrade pinsync/);
    expect(err.message).not.toMatch(/pinsync sync/);
  });
});

describe('disk full', () => {
  // DuckDB's own words when the WAL cannot grow (captured on a full 2 MB tmpfs), and what kysely then reported.
  const real = 'TransactionContext Error: Failed to commit: Could not write file "/mnt/full/state.duckdb.wal": No space left on device';

  it('DuckDB’s disk-full error becomes PINSYNC_STATE_DISK_FULL naming the state, the file and the fix', () => {
    const err = translateStateIoError('/mnt/full/state.duckdb', new Error(real)) as PinsyncError;
    expect(err).toBeInstanceOf(PinsyncError);
    expect(err.code).toBe('PINSYNC_STATE_DISK_FULL');
    expect(err.message).toContain('/mnt/full/state.duckdb');
    expect(err.message).toMatch(/no space left/i);
    expect(err.message).toMatch(/free space/i);
    // a spill file on a full disk, found through the cause of a wrapping error
    const spill = new Error('sync s: the warehouse query failed', {
      cause: new Error('IO Error: Could not write file "/x/state.duckdb.tmp/duckdb_temp_storage-0.tmp": No space left on device'),
    });
    expect((translateStateIoError('/x/state.duckdb', spill) as PinsyncError).code).toBe('PINSYNC_STATE_DISK_FULL');
    // anything else passes through untouched
    const other = new Error('Binder Error: no such column');
    expect(translateStateIoError('/x/state.duckdb', other)).toBe(other);
  });
});
