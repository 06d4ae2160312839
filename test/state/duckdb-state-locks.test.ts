/**
 * Locks in the DuckDB state file: liveness rests on the engine's file lock and this process's own lock tokens, never
 * on a PID (containers reuse PID 1); two locks of one sync still exclude each other within a process.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { PinsyncError } from '../../core/errors.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-locks-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('state locks', () => {
  it('refuses a second lock of a sync in the same process, naming the holder’s run, pid, host and process start', async () => {
    const store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
    try {
      const lock = await store.acquireLock('s', { pid: process.pid, host: 'box-1', runId: null });
      const runId = await store.startRun('s', new Date());
      await lock.setRun(runId);
      const err = (await store.acquireLock('s', { pid: process.pid, host: 'box-1', runId: null }).catch((e: unknown) => e)) as PinsyncError;
      expect(err).toBeInstanceOf(PinsyncError);
      expect(err.code).toBe('PINSYNC_LOCKED');
      expect(err.message).toContain(`run ${runId}`);
      expect(err.message).toContain(`pid ${process.pid} on box-1`);
      expect(err.message).toMatch(/process started \d{4}-\d\d-\d\dT/);
      expect(err.message).not.toContain('run ?');
      // another sync is not blocked, and a released lock can be taken again
      const other = await store.acquireLock('t', { pid: process.pid, host: 'box-1', runId: null });
      await other.release();
      await lock.release();
      const again = await store.acquireLock('s', { pid: process.pid, host: 'box-1', runId: null });
      await again.release();
    } finally {
      await store.close();
    }
  });

  it('takes over a lock left by a process instance that is gone, even when its pid is alive (PID reuse)', async () => {
    const path = join(dir, 'state.duckdb');
    const crashed = await DuckDbStateStore.open(path);
    // Same host, and a pid that is certainly alive (ours): only the owner token says the holder is gone.
    await crashed.acquireLock('s', { pid: process.pid, host: 'box-1', runId: null });
    await crashed.close();
    const next = await DuckDbStateStore.open(path);
    try {
      const lock = await next.acquireLock('s', { pid: process.pid, host: 'box-1', runId: null });
      await lock.release();
    } finally {
      await next.close();
    }
  });

  it('lists a running run as held while its lock lives, and as holder-gone once nothing holds it', async () => {
    const store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
    try {
      const lock = await store.acquireLock('s', { pid: process.pid, host: 'box-1', runId: null });
      const runId = await store.startRun('s', new Date());
      await lock.setRun(runId);
      expect((await store.listRuns({}))[0]).toMatchObject({ id: runId, status: 'running', holderGone: false });
      await lock.release();
      expect((await store.listRuns({}))[0]).toMatchObject({ id: runId, status: 'running', holderGone: true });
    } finally {
      await store.close();
    }
  });
});
