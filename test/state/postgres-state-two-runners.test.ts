/**
 * Two `pinsync sync` processes (the real CLI, as two machines' cron jobs would) started at the same moment on one
 * sync of shared Postgres state: exactly one runs, the other exits 1 naming the holder, and Pinterest receives
 * each member exactly once.
 */
import { hostname } from 'node:os';
import { escapeIdentifier } from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStateStore } from '../../connectors/state/postgres/postgres-state-store.js';
import { TokenCipher } from '../../connectors/state/token-cipher.js';
import { expectedHashes, makePeople } from '../helpers/sync-fixture.js';
import { pgAdmin } from '../warehouses/postgres-target.js';
import { outcomeOf, stateFromTestEnv, stateUrl, storedHashes, storedRunCounters, useSyncOnPostgresState } from './postgres-state-target.js';

const { fx, schema } = useSyncOnPostgresState();

describe('two runners started at once on one sync', () => {
  it('one runs, the other exits 1 naming the holder (host, pid, run), and every member is sent exactly once', { timeout: 180_000 }, async () => {
    const people = makePeople(1, 500);
    const expected = expectedHashes(people);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    await stateFromTestEnv(fx());
    const env = { PINSYNC_TEST_STATE: stateUrl(schema()) };
    // The schema exists before the race, so both runners find it migrated.
    await (await PostgresStateStore.open(stateUrl(schema()), { cipher: TokenCipher.fromEnv('') }))!.close();

    // Writes to `syncs` wait behind this transaction. A runner reads `syncs` before it takes the lock and first
    // writes it just after, so the winner stays parked holding the lock (named, with its run) until the loser
    // has come and gone, whatever order the two processes reach the server in.
    const admin = await pgAdmin();
    try {
      await admin.query('BEGIN');
      await admin.query(`LOCK TABLE ${escapeIdentifier(schema())}.syncs IN EXCLUSIVE MODE`);
      const children = [fx().spawnCli(['sync', '--json'], env), fx().spawnCli(['sync', '--json'], env)];
      const outcomes = children.map((c) => outcomeOf(c));
      let loserIndex: number;
      try {
        loserIndex = await Promise.race(outcomes.map((o, i) => o.then(() => i)));
      } finally {
        await admin.query('COMMIT');
      }
      const loser = await outcomes[loserIndex]!;
      const winnerIndex = 1 - loserIndex;
      const winner = await outcomes[winnerIndex]!;

      expect(winner.code, winner.stderr).toBe(0);
      expect(loser.code, loser.stderr).toBe(1);
      const runs = await storedRunCounters(admin, schema());
      expect(runs).toHaveLength(1); // the loser never started a run
      const named = /already running \(run (\d+), pid (\d+) on ([^,)]+)/.exec(loser.stdout + loser.stderr);
      expect(named, loser.stdout + loser.stderr).not.toBeNull();
      expect({ run: Number(named![1]), pid: Number(named![2]), host: named![3] }).toEqual({ run: runs[0]!.id, pid: children[winnerIndex]!.pid, host: hostname() });

      const applied = fx().emulator.requests.filter((r) => r.applied && r.records > 0);
      expect(applied.reduce((n, r) => n + r.records, 0)).toBe(expected.size);
      expect(fx().membership()).toEqual(expected);
      expect(await storedHashes(admin, schema())).toEqual(expected);
      expect(fx().emulator.lists()).toHaveLength(1);
    } finally {
      await admin.end();
    }
  });
});
