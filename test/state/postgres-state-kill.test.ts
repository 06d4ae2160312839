/**
 * kill -9 of `pinsync sync` (the real CLI in a child process) on shared Postgres state, at the worst moment of a
 * push: some batches acknowledged, one batch applied by Pinterest whose answer was lost, and its retry in flight.
 * The state must never be ahead of Pinterest; the next runner must not be locked out; the rerun must end with
 * exactly the source's membership on Pinterest and in the state, and every counter must agree with the log.
 */
import { describe, expect, it } from 'vitest';
import { isListPatch, watchArrivals } from '../helpers/request-arrivals.js';
import { expectedHashes, makePeople, type Person } from '../helpers/sync-fixture.js';
import { pgAdmin } from '../warehouses/postgres-target.js';
import { outcomeOf, stateFromTestEnv, stateUrl, storedHashes, storedRunCounters, useSyncOnPostgresState } from './postgres-state-target.js';

const { fx, schema } = useSyncOnPostgresState();

const env = () => ({ PINSYNC_TEST_STATE: stateUrl(schema()) });

/** Records in every request Pinterest applied (the create carries the first batch), by operation. */
function appliedRecords(op: 'ADD' | 'REMOVE'): number {
  return fx()
    .emulator.requests.filter((r) => r.applied && r.records > 0 && (op === 'ADD' ? r.method === 'POST' || r.operation === 'ADD' : r.operation === 'REMOVE'))
    .reduce((n, r) => n + r.records, 0);
}

/**
 * Runs the sync in a child process and kills it with SIGKILL once its `nth` list PATCH has been applied
 * by Pinterest with its answer dropped, and the client's retry of it has arrived (held unanswered).
 */
async function killWithRetryInFlight(nth: number): Promise<void> {
  const { emulator } = fx();
  const arrivals = watchArrivals(emulator);
  // Runs synchronously as the nth PATCH arrives, before the emulator plans it: this one is applied, its answer
  // dropped; everything after it (the retry) is held.
  arrivals.onArrival(isListPatch, nth, () => {
    emulator.faults.dropNext({ count: 1, afterApply: true, match: { method: 'PATCH' } });
    emulator.faults.latency(1, { count: 1, match: { method: 'PATCH' } });
    emulator.faults.latency(600_000, { match: { method: 'PATCH' } });
  });
  const child = fx().spawnCli(['sync'], env());
  const outcome = outcomeOf(child);
  try {
    await arrivals.waitFor(isListPatch, nth + 1, 90_000);
  } catch (err) {
    child.kill('SIGKILL');
    const o = await outcome;
    throw new Error(`${(err as Error).message}; the sync exited ${o.code}: ${o.stderr}; arrivals ${JSON.stringify(arrivals.arrivals)}`);
  }
  child.kill('SIGKILL');
  expect((await outcome).signal).toBe('SIGKILL');
  emulator.faults.clear();
}

async function stored(): Promise<Set<string>> {
  const admin = await pgAdmin();
  try {
    return await storedHashes(admin, schema());
  } finally {
    await admin.end();
  }
}

/** Each run's counters equal the sums of its acknowledgement log, and all runs together add up to `finalSize`. */
async function expectCountersAgree(finalSize: number): Promise<void> {
  const admin = await pgAdmin();
  try {
    const runs = await storedRunCounters(admin, schema());
    for (const r of runs) {
      expect({ adds: r.addsSent, removes: r.removesSent, batches: r.batches }, `run ${r.id}`).toEqual({ adds: r.loggedAdds, removes: r.loggedRemoves, batches: r.loggedBatches });
    }
    expect(runs.reduce((n, r) => n + r.addsSent - r.removesSent, 0)).toBe(finalSize);
    expect(runs.map((r) => r.status)).toContain('interrupted');
    expect(runs.at(-1)!.status).toBe('succeeded');
  } finally {
    await admin.end();
  }
}

async function rerunExact(people: Person[], killedStored: Set<string>, op: 'ADD' | 'REMOVE'): Promise<void> {
  const expected = expectedHashes(people);
  const rerun = await outcomeOf(fx().spawnCli(['sync', '--json'], env()));
  expect(rerun.code, rerun.stderr).toBe(0);
  const report = (JSON.parse(rerun.stdout) as { syncs: { sent: { adds: number; removes: number } }[] }).syncs[0]!;
  // Only what the state had not acknowledged is sent again (the batch Pinterest applied unacknowledged included).
  if (op === 'ADD') expect(report.sent).toEqual(expect.objectContaining({ adds: expected.size - killedStored.size, removes: 0 }));
  else expect(report.sent).toEqual(expect.objectContaining({ adds: 0, removes: killedStored.size - expected.size }));
  expect(fx().membership()).toEqual(expected);
  expect(await stored()).toEqual(expected);
  expect(fx().emulator.lists()).toHaveLength(1);
  await expectCountersAgree(expected.size);
}

describe('kill -9 of a sync on Postgres state', { timeout: 180_000 }, () => {
  it('during adds, with a batch applied unacknowledged and its retry in flight: the state stays behind, and the rerun ends exact', async () => {
    const people = makePeople(1, 1_000);
    await fx().setPeople(people);
    // one request at a time, so the killed run acknowledged exactly the batches before the dropped one
    await fx().writeConfig({ maxRecords: 100, maxInFlight: 1 });
    await stateFromTestEnv(fx());

    await killWithRetryInFlight(4);

    // Pinterest applied the create and 4 PATCHes; the state acknowledged at most the create and 3 of them (how many
    // depends on how far the acknowledgements, which trail the requests, had got), never the 4th.
    const pinterest = fx().membership();
    const killedStored = await stored();
    expect(pinterest.size).toBe(500);
    expect(killedStored.size).toBeLessThanOrEqual(400);
    expect(killedStored.size % 100).toBe(0); // whole batches only
    expect([...killedStored].filter((h) => !pinterest.has(h))).toEqual([]); // never ahead of Pinterest
    expect(appliedRecords('ADD')).toBe(500);

    await rerunExact(people, killedStored, 'ADD');
  });

  it('during removes, with a batch applied unacknowledged and its retry in flight: no removal is claimed early, and the rerun ends exact', async () => {
    const people = makePeople(1, 1_000);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100, maxInFlight: 1, syncExtra: ['guardrails: { maxRemovePercent: 100 }'] });
    await stateFromTestEnv(fx());
    const first = await outcomeOf(fx().spawnCli(['sync'], env()));
    expect(first.code, first.stderr).toBe(0);
    const all = expectedHashes(people);
    expect(fx().membership()).toEqual(all);

    const remaining = people.slice(0, 200);
    await fx().setPeople(remaining);
    await killWithRetryInFlight(4);

    // Pinterest applied 4 REMOVE batches; the state acknowledged at most 3 of them, never the 4th.
    const pinterest = fx().membership();
    const killedStored = await stored();
    expect(pinterest.size).toBe(all.size - 400);
    expect(killedStored.size).toBeGreaterThanOrEqual(all.size - 300);
    expect((all.size - killedStored.size) % 100).toBe(0); // whole batches only
    expect([...pinterest].filter((h) => !killedStored.has(h))).toEqual([]); // a removal is stored only once applied
    expect(appliedRecords('REMOVE')).toBe(400);

    await rerunExact(remaining, killedStored, 'REMOVE');
  });
});
