/**
 * The state's PostgreSQL server restarted while `pinsync sync` (the real CLI in a child process) pushes: the run
 * fails clearly (exit 1, naming the state, what to do, never the password), Pinterest keeps what it applied, and
 * the rerun once the server is back ends exact. It needs a server of its own: the run's shared one serves the
 * other test files meanwhile.
 */
import pg, { escapeIdentifier } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isListPatch, watchArrivals } from '../helpers/request-arrivals.js';
import { expectedHashes, makePeople, useSyncFixture } from '../helpers/sync-fixture.js';
import { PG_PASSWORD, PG_PASSWORD_USER, startPostgresServer, type PostgresServer } from '../setup/postgres-server.js';
import { freshSchema, outcomeOf, stateFromTestEnv, storedHashes, storedRunCounters } from './postgres-state-target.js';

const fx = useSyncFixture();
let server: PostgresServer;

beforeAll(async () => {
  server = await startPostgresServer();
  const admin = await connectAdmin();
  try {
    // The state logs in with a password, so the test can check that no message ever shows it.
    await admin.query(`GRANT CREATE ON DATABASE postgres TO ${PG_PASSWORD_USER}`);
  } finally {
    await admin.end();
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

async function connectAdmin(): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: server.url, application_name: 'pinsync-test-admin' });
  // The server is stopped under this connection on purpose.
  admin.on('error', () => undefined);
  await admin.connect();
  return admin;
}

/** Resolves once a pinsync connection waits on a lock (an acknowledgement parked behind the admin's table lock). */
async function waitForBlockedAcknowledgement(admin: pg.Client, child: { exitCode: number | null }): Promise<void> {
  for (let i = 0; i < 6_000; i++) {
    const { rowCount } = await admin.query("SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'pinsync-state%' AND wait_event_type = 'Lock'");
    if (rowCount! > 0) return;
    if (child.exitCode !== null) throw new Error(`the sync ended (exit ${child.exitCode}) before an acknowledgement was parked`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('no acknowledgement was parked behind the lock');
}

describe('the state server restarted mid-push', () => {
  it('fails the run clearly without the password, and the rerun after the restart ends exact', { timeout: 240_000 }, async () => {
    const schema = freshSchema();
    const url = new URL(server.url);
    url.username = PG_PASSWORD_USER;
    url.password = PG_PASSWORD;
    url.searchParams.set('schema', schema);
    const env = { PINSYNC_TEST_STATE: url.href };
    const shown = `postgres://${PG_PASSWORD_USER}@127.0.0.1:${server.port}/postgres?schema=${schema}`;

    const people = makePeople(1, 1_000);
    const expected = expectedHashes(people);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 100 });
    await stateFromTestEnv(fx());

    // Once 3 PATCHes went through, acknowledgements (which insert into `batches`) park behind a table lock, so the
    // server goes down with Pinterest ahead of the state and an acknowledgement in flight.
    const admin = await connectAdmin();
    const arrivals = watchArrivals(fx().emulator);
    const locked = new Promise<void>((resolve, reject) => {
      arrivals.onArrival(isListPatch, 4, () => {
        admin
          .query('BEGIN')
          .then(() => admin.query(`LOCK TABLE ${escapeIdentifier(schema)}.batches IN EXCLUSIVE MODE`))
          .then(() => resolve(), reject);
      });
    });
    const child = fx().spawnCli(['sync', '--json'], env);
    const outcome = outcomeOf(child);
    await Promise.race([locked, outcome.then((o) => Promise.reject(new Error(`the sync ended first (exit ${o.code}): ${o.stderr}`)))]);
    await waitForBlockedAcknowledgement(admin, child);
    await server.halt('fast');
    await admin.end().catch(() => undefined);

    const failed = await outcome;
    expect(failed.code, failed.stderr).toBe(1);
    const said = failed.stdout + failed.stderr;
    // The report (what a scheduler keeps) names the state and says what to do.
    const error = (JSON.parse(failed.stdout) as { syncs: { error: { code: string; message: string } }[] }).syncs[0]!.error;
    expect(error.code).toBe('PINSYNC_STATE_POSTGRES_LOST');
    expect(error.message).toContain(shown);
    expect(error.message).toContain('run again once the server is reachable');
    expect(said).not.toContain(PG_PASSWORD);
    expect(said).not.toContain(encodeURIComponent(PG_PASSWORD));

    await server.resume();
    const check = await connectAdmin();
    try {
      const pinterest = fx().membership();
      const stored = await storedHashes(check, schema);
      expect(stored.size).toBeGreaterThan(0);
      expect(pinterest.size).toBeGreaterThan(stored.size); // the parked batch reached Pinterest only
      expect([...stored].filter((h) => !pinterest.has(h))).toEqual([]);

      const rerun = await outcomeOf(fx().spawnCli(['sync', '--json'], env));
      expect(rerun.code, rerun.stderr).toBe(0);
      const report = (JSON.parse(rerun.stdout) as { syncs: { sent: { adds: number } }[] }).syncs[0]!;
      expect(report.sent.adds).toBe(expected.size - stored.size);
      expect(fx().membership()).toEqual(expected);
      expect(await storedHashes(check, schema)).toEqual(expected);
      expect(fx().emulator.lists()).toHaveLength(1);
      const runs = await storedRunCounters(check, schema);
      expect(runs.map((r) => r.status)).toEqual(['interrupted', 'succeeded']);
      expect(runs.reduce((n, r) => n + r.addsSent, 0)).toBe(expected.size);
    } finally {
      await check.end();
    }
  });
});
