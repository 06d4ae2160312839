/**
 * DuckDB creates the state's spill folder (`<state>.tmp/`) and WAL on its own, with modes we cannot pass it: the
 * store keeps them private whatever the umask, tightens what an older pinsync left readable, and gives the umask
 * back when it closes.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import type { IdentifierFamily } from '../../core/identifier-types.js';

let dir: string;
let umask: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-state-perm-'));
  // The most permissive umask there is: any mode the store does not control shows up as group/world bits.
  umask = process.umask(0);
});

afterEach(async () => {
  process.umask(umask);
  await rm(dir, { recursive: true, force: true });
});

describe('state file permissions', () => {
  it('the spill folder and its files are private under umask 000, and the umask is given back at close', async () => {
    const path = join(dir, 'state.duckdb');
    const store = await DuckDbStateStore.open(path, { memoryLimit: '64MB', threads: 1 });
    const session = await store.openDiff('s');
    const families: IdentifierFamily[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const hashes = Array.from({ length: 10_000 }, (_, i) => createHash('sha256').update(`${batch}:${i}`).digest('hex'));
      families.length = hashes.length;
      families.fill('email' as IdentifierFamily);
      await session.appendRecords(hashes, families);
    }
    await session.computeDiff({ fullResync: false });
    const spill = `${path}.tmp`;
    const folder = await stat(spill); // the 64MB limit made DuckDB spill
    expect(folder.mode & 0o777).toBe(0o700);
    for (const name of await readdir(spill)) expect(((await stat(join(spill, name))).mode & 0o777).toString(8), name).toBe('600');
    await session.dispose();
    await store.close();
    expect(process.umask(0)).toBe(0);
  });

  it('tightens a WAL and a spill folder an older pinsync left readable', async () => {
    const path = join(dir, 'state.duckdb');
    const store = await DuckDbStateStore.open(path);
    await store.close();
    await writeFile(`${path}.wal`, '');
    await chmod(`${path}.wal`, 0o644);
    await chmod(path, 0o644);
    await rm(`${path}.tmp`, { recursive: true, force: true });
    const { mkdir } = await import('node:fs/promises');
    await mkdir(`${path}.tmp`, { mode: 0o755 });
    await writeFile(join(`${path}.tmp`, 'duckdb_temp_storage-0.tmp'), 'x', { mode: 0o644 });
    const again = await DuckDbStateStore.open(path);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(`${path}.tmp`)).mode & 0o777).toBe(0o700);
    expect((await stat(join(`${path}.tmp`, 'duckdb_temp_storage-0.tmp'))).mode & 0o777).toBe(0o600);
    await again.close();
  });
});
