/**
 * kill -9 at arbitrary moments of a push (a child process running the real CLI), then a rerun: the state must never
 * be ahead of Pinterest, and the rerun must end with exactly the source's membership.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { isListPatch, watchArrivals } from '../helpers/request-arrivals.js';
import { expectedHashes, makePeople, useSyncFixture } from '../helpers/sync-fixture.js';

const fx = useSyncFixture();

function writesSoFar(op?: 'ADD' | 'REMOVE'): number {
  return fx().emulator.requests.filter((r) => r.method === 'PATCH' && r.status === 200 && (op === undefined || r.operation === op)).length;
}

async function killAfter(writes: number, op?: 'ADD' | 'REMOVE'): Promise<void> {
  const child = fx().spawnCli(['sync']);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 30_000;
  while (writesSoFar(op) < writes) {
    if (child.exitCode !== null) throw new Error(`the sync ended before it could be killed (exit ${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error('timed out waiting for writes');
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await exited;
}

describe('kill -9 during a push', () => {
  it('during adds: state is behind Pinterest, and the rerun sends exactly what is missing', async () => {
    const people = makePeople(1, 3_000);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    fx().emulator.faults.latency(40);
    await killAfter(6, 'ADD');
    fx().emulator.faults.clear();

    const pinterest = fx().membership();
    const stored = await fx().storedMembership();
    for (const h of stored) expect(pinterest.has(h)).toBe(true); // never ahead
    const expected = expectedHashes(people);
    expect(pinterest.size).toBeLessThan(expected.size);

    const rerun = await fx().syncJson();
    expect(rerun.code).toBe(0);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
    // it only sent what the state had not acknowledged
    expect(rerun.report.sent.adds).toBe(expected.size - stored.size);
    expect(fx().emulator.lists()).toHaveLength(1);
  });

  it('during removes: state never claims a removal Pinterest has not applied', async () => {
    const people = makePeople(1, 3_000);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100, syncExtra: ['guardrails: { maxRemovePercent: 100 }'] });
    expect((await fx().syncJson()).code).toBe(0);
    const remaining = people.slice(0, 1_000);
    await fx().setPeople(remaining);
    const removesBefore = writesSoFar('REMOVE');
    fx().emulator.faults.latency(40);
    await killAfter(removesBefore + 5, 'REMOVE');
    fx().emulator.faults.clear();

    const pinterest = fx().membership();
    const stored = await fx().storedMembership();
    for (const h of pinterest) expect(stored.has(h)).toBe(true); // a removal is stored only after Pinterest applied it
    const expected = expectedHashes(remaining);
    expect(pinterest.size).toBeGreaterThan(expected.size);

    const rerun = await fx().syncJson();
    expect(rerun.code).toBe(0);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
    expect(rerun.report.sent.removes).toBe(stored.size - expected.size);
  });

  it('killed while Pinterest holds the 4th PATCH unanswered: nothing of that batch is stored, and the rerun is exact', async () => {
    const people = makePeople(1, 1_000);
    await fx().setPeople(people);
    // One request at a time, so the 4th arrives only once the 3rd was acknowledged (several in flight:
    // test/sync/pipelined-push.test.ts).
    await fx().writeConfig({ maxRecords: 100, maxInFlight: 1 });
    // the first 3 PATCHes pass; the 4th arrives and gets no answer while the process is alive
    const arrivals = watchArrivals(fx().emulator);
    fx().emulator.faults.latency(1, { count: 3, match: { method: 'PATCH' } });
    fx().emulator.faults.latency(600_000, { match: { method: 'PATCH' } });
    const child = fx().spawnCli(['sync']);
    const exited = once(child, 'exit');
    await arrivals.waitFor(isListPatch, 4);
    child.kill('SIGKILL');
    await exited;
    fx().emulator.faults.clear();

    // the create and 3 PATCHes were answered and acknowledged; the held batch was neither applied nor stored
    const pinterest = fx().membership();
    const stored = await fx().storedMembership();
    expect(pinterest.size).toBe(400);
    expect([...stored].filter((h) => !pinterest.has(h))).toEqual([]); // never ahead of Pinterest
    expect(stored).toEqual(pinterest);

    const expected = expectedHashes(people);
    const rerun = await fx().syncJson();
    expect(rerun.code, rerun.report.error?.message).toBe(0);
    expect(rerun.report.sent.adds).toBe(expected.size - 400);
    expect(fx().membership()).toEqual(expected);
    expect(await fx().storedMembership()).toEqual(expected);
    expect(fx().emulator.lists()).toHaveLength(1);
  });

  it('killed between creating the list and acknowledging it: the rerun adopts that list instead of making a second', async () => {
    const people = makePeople(1, 500);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    // the create is applied but its response never arrives, then the process dies
    fx().emulator.faults.dropNext({ count: 1, afterApply: true, match: { method: 'POST', pathIncludes: '/customer_lists' } });
    fx().emulator.faults.latency(40);
    const child = fx().spawnCli(['sync']);
    const exited = once(child, 'exit');
    const deadline = Date.now() + 30_000;
    while (fx().emulator.lists().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGKILL');
    await exited;
    fx().emulator.faults.clear();
    expect(fx().emulator.lists()).toHaveLength(1);

    const rerun = await fx().syncJson();
    expect(rerun.code).toBe(0);
    expect(fx().emulator.lists()).toHaveLength(1);
    expect(fx().membership()).toEqual(expectedHashes(people));
    expect(rerun.report.warnings.join(' ')).toMatch(/adopted customer list/);
  });
});

describe('an uncertain create', () => {
  it('a create whose response is lost is found by name and adopted in the same run', async () => {
    const people = makePeople(1, 500);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    fx().emulator.faults.dropNext({ count: 1, afterApply: true, match: { method: 'POST', pathIncludes: '/customer_lists' } });
    const res = await fx().syncJson();
    expect(res.code).toBe(0);
    expect(fx().emulator.lists()).toHaveLength(1);
    expect(fx().membership()).toEqual(expectedHashes(people));
    expect(await fx().storedMembership()).toEqual(expectedHashes(people));
  });
});

describe('one run at a time', () => {
  it('a second process on the same state exits 1 with a clear message', async () => {
    await fx().setPeople(makePeople(1, 2_000));
    await fx().writeConfig({ maxRecords: 100 });
    fx().emulator.faults.latency(50);
    const arrivals = watchArrivals(fx().emulator);
    const child = fx().spawnCli(['sync']);
    const exited = once(child, 'exit');
    await arrivals.waitFor(isListPatch);
    const second = await fx().cli(['sync']);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/in use by another pinsync process/);
    child.kill('SIGKILL');
    await exited;
  });

  it('the lock table refuses a second holder of one sync and frees a dead holder’s lock', async () => {
    const { DuckDbStateStore } = await import('../../connectors/state/duckdb/duckdb-state-store.js');
    const store = await DuckDbStateStore.open(`${fx().dir}/locks.duckdb`);
    try {
      const lock = await store.acquireLock('a', { pid: process.pid, host: 'h', runId: 1 });
      await expect(store.acquireLock('a', { pid: process.pid, host: 'h', runId: 2 })).rejects.toThrow(/already running/);
      await lock.release();
      // a lock left by a process that no longer exists (its store is gone) is taken over, whatever its pid
      await store.acquireLock('b', { pid: process.pid, host: 'h', runId: 3 });
    } finally {
      await store.close();
    }
    const next = await DuckDbStateStore.open(`${fx().dir}/locks.duckdb`);
    try {
      const taken = await next.acquireLock('b', { pid: process.pid, host: 'h', runId: 4 });
      await taken.release();
    } finally {
      await next.close();
    }
  });
});
