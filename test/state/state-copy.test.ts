/**
 * `pinsync state copy` end to end: real DuckDB files, the run's real Postgres server, syncs into the emulator over
 * HTTP. After a copy, the next sync on the new state sends nothing and `runs` shows the copied history.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { escapeIdentifier } from 'pg';
import { describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { digestMembership, forEachMembershipPage, writeMembershipPage } from '../../connectors/state/membership-pages.js';
import { PostgresStateStore } from '../../connectors/state/postgres/postgres-state-store.js';
import { type SyncSnapshot, verifyStateCopy } from '../../connectors/state/verify-state-copy.js';
import { isListPatch, watchArrivals } from '../helpers/request-arrivals.js';
import { runCli } from '../helpers/run-cli.js';
import { type SyncFixture, expectedHashes, makePeople } from '../helpers/sync-fixture.js';
import { pgAdmin } from '../warehouses/postgres-target.js';
import { outcomeOf, stateFromTestEnv, stateUrl, useSyncOnPostgresState } from './postgres-state-target.js';

const { fx, schema } = useSyncOnPostgresState();

/** A password the trusted test server ignores: it must never be printed. */
const URL_PASSWORD = 'pw-Secret-42xyz';

function urlWithPassword(s: string): string {
  const url = new URL(stateUrl(s));
  url.password = URL_PASSWORD;
  return url.href;
}

function stateCopy(args: string[], env: Record<string, string> = {}) {
  return runCli(['state', 'copy', ...args], { env: { PINSYNC_LOG_LEVEL: 'warn', ...env }, cwd: fx().dir });
}

/** Requests that changed something on Pinterest. */
const writes = (f: SyncFixture) => f.emulator.requests.filter((r) => r.method !== 'GET');

async function syncTwiceOnDuckDb(): Promise<Set<string>> {
  const people = makePeople(1, 300);
  await fx().setPeople(people);
  await fx().writeConfig({ maxRecords: 100 });
  expect((await fx().syncJson()).code).toBe(0);
  const churned = [...people.slice(25), ...makePeople(5_000, 40)];
  await fx().setPeople(churned);
  expect((await fx().syncJson()).code).toBe(0);
  return expectedHashes(churned);
}

interface RunSummary {
  id: number;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  addsSent: number;
  removesSent: number;
  customerListId: string | null;
}

async function runHistory(env: Record<string, string>): Promise<RunSummary[]> {
  const runs = await fx().cli(['runs', '--json'], env);
  expect(runs.code, runs.stderr).toBe(0);
  return (JSON.parse(runs.stdout) as { runs: RunSummary[] }).runs;
}

describe('state copy from a DuckDB file to Postgres', () => {
  it('copies, verifies, prints no secret; the next sync on Postgres sends nothing and runs shows the history', async () => {
    const members = await syncTwiceOnDuckDb();
    const before = await runHistory({});
    const to = urlWithPassword(schema());

    const copy = await stateCopy(['--from', `duckdb:${fx().statePath}`, '--to', to]);
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.stdout).toMatch(/^sync +members +runs +digest ok/m);
    expect(copy.stdout).toMatch(new RegExp(`^people_sync +${members.size} +2 +yes`, 'm'));
    expect(copy.stdout).toMatch(/and verified it/);
    expect(copy.stderr).toMatch(/people_sync: \d+\/\d+ members copied/);
    expect(copy.stdout + copy.stderr).not.toContain(URL_PASSWORD);

    // The target holds exactly what Pinterest holds.
    const admin = await pgAdmin();
    try {
      const { rows } = await admin.query<{ h: string }>(`SELECT encode(h, 'hex') AS h FROM ${escapeIdentifier(schema())}.membership`);
      expect(new Set(rows.map((r) => r.h))).toEqual(fx().membership());
    } finally {
      await admin.end();
    }

    await stateFromTestEnv(fx());
    const env = { PINSYNC_TEST_STATE: stateUrl(schema()) };
    fx().emulator.clearRequests();
    const next = await fx().syncJson([], env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.report.sent).toMatchObject({ adds: 0, removes: 0 });
    expect(writes(fx())).toEqual([]);
    expect(fx().membership()).toEqual(members);

    const history = await runHistory(env);
    expect(history.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(history[0]!.id).toBeGreaterThan(history[1]!.id);
    // The copied runs as they were: times, counts, list.
    const copied = (r: RunSummary) => ({ startedAt: r.startedAt, finishedAt: r.finishedAt, addsSent: r.addsSent, removesSent: r.removesSent, customerListId: r.customerListId });
    expect(history.slice(1).map(copied)).toEqual(before.map(copied));
  });

  it('--json gives the per-sync verdict; a non-empty target is refused without --force and replaced with it', async () => {
    const members = await syncTwiceOnDuckDb();
    const args = ['--from', `duckdb:${fx().statePath}`, '--to', urlWithPassword(schema())];
    const first = await stateCopy([...args, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const json = JSON.parse(first.stdout) as { ok: boolean; to: string; syncs: { sync: string; members: number; runs: number; digestOk: boolean; ok: boolean }[] };
    expect(json.ok).toBe(true);
    expect(json.syncs).toEqual([expect.objectContaining({ sync: 'people_sync', members: members.size, runs: 2, digestOk: true, ok: true })]);
    expect(json.to).not.toContain(URL_PASSWORD);

    const refused = await stateCopy(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already holds pinsync data \(1 sync, 2 runs\).*--force/);
    expect(refused.stdout + refused.stderr).not.toContain(URL_PASSWORD);

    // Another sync in the target is left alone by --force; people_sync's data is replaced, not doubled.
    const admin = await pgAdmin();
    const s = escapeIdentifier(schema());
    try {
      await admin.query(`INSERT INTO ${s}.syncs (name, normalization_version, created_at, updated_at) VALUES ('other_sync', 1, now(), now())`);
      const forced = await stateCopy([...args, '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(new RegExp(`^people_sync +${members.size} +2 +yes`, 'm'));
      const names = await admin.query<{ name: string }>(`SELECT name FROM ${s}.syncs ORDER BY name`);
      expect(names.rows.map((r) => r.name)).toEqual(['other_sync', 'people_sync']);
      const counts = await admin.query<{ runs: string; members: string }>(
        `SELECT (SELECT count(*) FROM ${s}.runs) AS runs, (SELECT count(*) FROM ${s}.membership) AS members`,
      );
      expect(counts.rows[0]).toEqual({ runs: '2', members: String(members.size) });
    } finally {
      await admin.end();
    }
  });

  it('refuses a source holding nothing (exit 1, named) and usage errors (exit 2) before opening anything', async () => {
    const missing = await stateCopy(['--from', 'duckdb:nope/missing.duckdb', '--to', stateUrl(schema())]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nothing to copy: the source state duckdb:\S*nope\/missing\.duckdb: the file does not exist/);

    // A DuckDB database that is not a pinsync state, and a pinsync state that holds nothing yet.
    const other = await openDuckDb(join(fx().dir, 'other.duckdb'));
    const conn = await other.connect();
    await conn.run('CREATE TABLE t (x INTEGER)');
    conn.closeSync();
    other.closeSync();
    const notState = await stateCopy(['--from', 'other.duckdb', '--to', 'duckdb:copy.duckdb']);
    expect(notState.code).toBe(1);
    expect(notState.stderr).toMatch(/nothing to copy: the source state duckdb:\S*other\.duckdb: it has no pinsync state tables/);
    await (await DuckDbStateStore.open(join(fx().dir, 'empty.duckdb'))).close();
    const empty = await stateCopy(['--from', 'duckdb:empty.duckdb', '--to', 'duckdb:copy.duckdb']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/nothing to copy: the source state duckdb:\S*empty\.duckdb: it holds no syncs, runs or tokens/);

    const noSchema = await stateCopy(['--from', urlWithPassword(schema()), '--to', 'duckdb:copy.duckdb']);
    expect(noSchema.code).toBe(1);
    expect(noSchema.stderr).toMatch(new RegExp(`nothing to copy: the source state postgres://\\S+\\?schema=${schema()}: the database has no pinsync schema`));
    expect(noSchema.stdout + noSchema.stderr).not.toContain(URL_PASSWORD);

    const noTarget = await stateCopy(['--from', 'duckdb:a.duckdb']);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/Missing required argument: to/);
    const badForm = await stateCopy(['--from', 'mysql://x', '--to', 'duckdb:b.duckdb']);
    expect(badForm.code).toBe(2);
    expect(badForm.stderr).toMatch(/--from must be duckdb:PATH/);
    const same = await stateCopy(['--from', 'duckdb:a.duckdb', '--to', join(fx().dir, 'a.duckdb')]);
    expect(same.code).toBe(2);
    expect(same.stderr).toMatch(/name the same state/);
    const badSchema = await stateCopy(['--from', 'duckdb:a.duckdb', '--to', `${stateUrl(schema())}-x`]);
    expect(badSchema.code).toBe(2);
    expect(await schemaExists(schema())).toBe(false);
  });
});

describe('state copy from a DuckDB file a sync is writing', () => {
  it('refuses, naming the process, and copies once the sync is done', async () => {
    await fx().setPeople(makePeople(1, 120));
    await fx().writeConfig({ maxRecords: 50 });
    const arrivals = watchArrivals(fx().emulator);
    // The sync's first PATCH is held (for long enough to try a copy; clearing the fault does not cut it short): the
    // run is mid-push, its state file open for writing.
    fx().emulator.faults.latency(10_000, { count: 1, match: { method: 'PATCH' } });
    const child = fx().spawnCli(['sync']);
    const done = outcomeOf(child);
    await arrivals.waitFor(isListPatch);

    const copy = await stateCopy(['--from', `duckdb:${fx().statePath}`, '--to', 'duckdb:moved.duckdb']);
    expect(copy.code).toBe(1);
    expect(copy.stderr).toMatch(new RegExp(`the state file \\S+state\\.duckdb is in use by another pinsync process \\(pid ${child.pid}\\)`));

    fx().emulator.faults.clear();
    expect((await done).code).toBe(0);
    const after = await stateCopy(['--from', `duckdb:${fx().statePath}`, '--to', 'duckdb:moved.duckdb']);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(new RegExp(`^people_sync +${fx().membership().size} +1 +yes`, 'm'));
  }, 120_000);
});

describe('state copy of handled dbt sync requests', () => {
  it('carries them over with their runs renumbered, so `sync --requested` on the target does not run them again', async () => {
    await syncTwiceOnDuckDb();
    const source = await DuckDbStateStore.open(fx().statePath);
    const [latest] = await source.listRuns({ syncNames: ['people_sync'], limit: 1 });
    const key = 'inv-1/model.analytics.people/people_sync';
    await source.markRequestsHandled!([{ key, syncName: 'people_sync', runId: latest!.id, handledAt: new Date() }]);
    await source.close();

    const copy = await stateCopy(['--from', `duckdb:${fx().statePath}`, '--to', stateUrl(schema())]);
    expect(copy.code, copy.stderr).toBe(0);
    const target = (await PostgresStateStore.open(stateUrl(schema())))!;
    try {
      expect(await target.handledRequests!([key, 'inv-2/model.analytics.people/people_sync'])).toEqual(new Set([key]));
      const [copiedLatest] = await target.listRuns({ syncNames: ['people_sync'], limit: 1 });
      const { rows } = await sql<{ run_id: number | string }>`SELECT run_id FROM dbt_requests WHERE request_key = ${key}`.execute(target.stateTables);
      expect(Number(rows[0]!.run_id)).toBe(copiedLatest!.id);
    } finally {
      await target.close();
    }
  }, 120_000);
});

describe('state copy of a run killed before it applied its acknowledged batches', () => {
  it('copies them as applied: the next sync on the target sends exactly what Pinterest lacks', async () => {
    const people = makePeople(1, 400);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 50, maxInFlight: 1 });
    const arrivals = watchArrivals(fx().emulator);
    // The 4th PATCH is held; the process dies while it waits, before the run's acknowledged ranges were applied.
    arrivals.onArrival(isListPatch, 4, () => fx().emulator.faults.latency(600_000, { match: { method: 'PATCH' } }));
    const child = fx().spawnCli(['sync']);
    const done = outcomeOf(child);
    await arrivals.waitFor(isListPatch, 4);
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    fx().emulator.faults.clear();

    const killed = (await runHistory({}))[0]!;
    expect(killed.addsSent).toBeGreaterThanOrEqual(50);
    const copy = await stateCopy(['--from', `duckdb:${fx().statePath}`, '--to', stateUrl(schema()), '--json']);
    expect(copy.code, copy.stderr).toBe(0);
    const copied = (JSON.parse(copy.stdout) as { syncs: { sync: string; members: number }[] }).syncs[0]!;
    expect(copied.members).toBe(killed.addsSent);

    fx().emulator.clearRequests();
    const next = await fx().syncJson([], { PINSYNC_TEST_STATE: stateUrl(schema()) });
    expect(next.code, next.stderr).toBe(0);
    expect(next.report.sent).toMatchObject({ adds: expectedHashes(people).size - killed.addsSent, removes: 0 });
    expect(fx().membership()).toEqual(expectedHashes(people));
  }, 120_000);
});

describe('state copy from Postgres to a DuckDB file', () => {
  it('copies; the next sync on the file sends nothing and runs shows the history', async () => {
    const people = makePeople(1, 200);
    await fx().setPeople(people);
    await fx().writeConfig({ maxRecords: 50 });
    await stateFromTestEnv(fx());
    const pgEnv = { PINSYNC_TEST_STATE: stateUrl(schema()) };
    expect((await fx().syncJson([], pgEnv)).code).toBe(0);
    await fx().setPeople(people.slice(10));
    expect((await fx().syncJson([], pgEnv)).code).toBe(0);

    const copy = await stateCopy(['--from', urlWithPassword(schema()), '--to', 'duckdb:moved/state.duckdb']);
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.stdout).toMatch(new RegExp(`^people_sync +${expectedHashes(people.slice(10)).size} +2 +yes`, 'm'));
    expect(copy.stdout + copy.stderr).not.toContain(URL_PASSWORD);

    const fileEnv = { PINSYNC_TEST_STATE: `duckdb:${join(fx().dir, 'moved/state.duckdb')}` };
    fx().emulator.clearRequests();
    const next = await fx().syncJson([], fileEnv);
    expect(next.code, next.stderr).toBe(0);
    expect(next.report.sent).toMatchObject({ adds: 0, removes: 0 });
    expect(writes(fx())).toEqual([]);
    expect((await runHistory(fileEnv)).map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('refuses while a run holds a sync’s lock on the source, naming the holder', async () => {
    await fx().setPeople(makePeople(1, 20));
    await fx().writeConfig();
    await stateFromTestEnv(fx());
    expect((await fx().syncJson([], { PINSYNC_TEST_STATE: stateUrl(schema()) })).code).toBe(0);

    const holder = (await PostgresStateStore.open(stateUrl(schema())))!;
    const lock = await holder.acquireLock('people_sync', { pid: 4242, host: 'runner-7', runId: 99 });
    try {
      const copy = await stateCopy(['--from', stateUrl(schema()), '--to', 'duckdb:moved.duckdb']);
      expect(copy.code).toBe(1);
      expect(copy.stderr).toMatch(/sync people_sync is already running \(run 99, pid 4242 on runner-7/);
    } finally {
      await lock.release();
      await holder.close();
    }
    const after = await stateCopy(['--from', stateUrl(schema()), '--to', 'duckdb:moved.duckdb']);
    expect(after.code, after.stderr).toBe(0);
  });
});

describe('state copy of stored OAuth tokens', () => {
  it('refuses Postgres without PINSYNC_STATE_KEY; with it, stores them encrypted and the next sync refreshes with the copied token', async () => {
    const { oauth } = fx().emulator;
    await fx().setPeople(makePeople(1, 30));
    await fx().writeConfig({
      auth: `{ accessToken: "\${PINTEREST_ACCESS_TOKEN}", refreshToken: ${oauth.refreshToken}, clientId: ${oauth.clientId}, clientSecret: ${oauth.clientSecret} }`,
    });
    // The first sync refreshes: Pinterest rotates the refresh token, so only the stored one is still valid.
    fx().emulator.expireAccessToken();
    expect((await fx().syncJson()).code).toBe(0);
    const args = ['--from', `duckdb:${fx().statePath}`, '--to', stateUrl(schema())];

    const refused = await stateCopy(args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/PINSYNC_STATE_KEY is not set/);

    const key = randomBytes(32).toString('base64');
    const copy = await stateCopy(args, { PINSYNC_STATE_KEY: key });
    expect(copy.code, copy.stderr).toBe(0);
    expect(copy.stdout).toMatch(/tokens: 1 destination, verified/);

    const admin = await pgAdmin();
    try {
      const dump = JSON.stringify((await admin.query(`SELECT * FROM ${escapeIdentifier(schema())}.tokens`)).rows);
      expect(dump).toMatch(/pinsync-aes256gcm:v1:/);
      const stored = await storedPlainTokens();
      for (const secret of [stored.accessToken, stored.refreshToken!]) {
        expect(dump).not.toContain(secret);
        expect(copy.stdout + copy.stderr).not.toContain(secret);
      }
    } finally {
      await admin.end();
    }

    // Encrypted tokens cannot be read back without the key: the copy stops before creating the target.
    const locked = await stateCopy(['--from', stateUrl(schema()), '--to', 'duckdb:back.duckdb']);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toMatch(/tokens stored in the state .* are encrypted and PINSYNC_STATE_KEY is not set/);
    expect(existsSync(join(fx().dir, 'back.duckdb'))).toBe(false);

    await stateFromTestEnv(fx());
    fx().emulator.expireAccessToken();
    fx().emulator.clearRequests();
    const next = await fx().syncJson([], { PINSYNC_TEST_STATE: stateUrl(schema()), PINSYNC_STATE_KEY: key });
    expect(next.code, next.stderr).toBe(0);
    expect(fx().emulator.requests.filter((r) => r.path.includes('oauth/token') && r.status === 200)).toHaveLength(1);
    expect(next.report.sent).toMatchObject({ adds: 0, removes: 0 });
  });
});

describe('membership pages', () => {
  it('read in the same (digest, family) order page by page on both engines, whatever the page size, and give one digest', async () => {
    const duck = await DuckDbStateStore.open(join(fx().dir, 'pages.duckdb'));
    const pg = (await PostgresStateStore.open(stateUrl(schema())))!;
    try {
      // 103 digests, one of them twice (two families), inserted out of order.
      const hashes = Array.from({ length: 103 }, (_, i) => createHash('sha256').update(`p${i}`).digest('hex'));
      const page = { hashes: [...hashes, hashes[50]!].reverse(), families: [...hashes.map((_, i) => 1 + (i % 3)), 3].reverse() };
      await writeMembershipPage(duck.stateTables, 'duckdb', 1, page);
      await writeMembershipPage(pg.stateTables, 'postgres', 1, page);
      const read = async (db: typeof duck.stateTables, engine: 'duckdb' | 'postgres', size: number) => {
        const out: string[] = [];
        await forEachMembershipPage(db, engine, 1, async (p) => {
          expect(p.hashes.length).toBeLessThanOrEqual(size);
          p.hashes.forEach((h, i) => out.push(`${h}:${p.families[i]}`));
        }, size);
        return out;
      };
      const whole = await read(duck.stateTables, 'duckdb', 1_000);
      expect(whole).toHaveLength(104);
      expect(whole).toEqual([...whole].sort());
      for (const size of [1, 7, 52, 104]) {
        expect(await read(duck.stateTables, 'duckdb', size)).toEqual(whole);
        expect(await read(pg.stateTables, 'postgres', size)).toEqual(whole);
      }
      const digests = await Promise.all([digestMembership(duck.stateTables, 'duckdb', 1), digestMembership(pg.stateTables, 'postgres', 1)]);
      expect(digests[0]).toEqual(digests[1]);
      expect(digests[0].members).toBe(104);
      await expect(digestMembership(duck.stateTables, 'duckdb', 2)).resolves.toEqual({ members: 0, digest: createHash('sha256').digest('hex') });
    } finally {
      await duck.close();
      await pg.close();
    }
  });
});

describe('verifyStateCopy', () => {
  const snap = (over: Partial<SyncSnapshot> = {}): SyncSnapshot => ({ sync: 'a', members: 3, digest: 'd1', runs: 2, batches: 4, record: '{"x":1}', ...over });

  it('passes identical snapshots', () => {
    expect(verifyStateCopy([snap()], [snap()])).toEqual([expect.objectContaining({ sync: 'a', ok: true, digestOk: true, historyOk: true, problems: [] })]);
  });

  it('fails a missing row, a different digest, missing runs or batches, a different record, a missing sync', () => {
    const [fewer] = verifyStateCopy([snap()], [snap({ members: 2, digest: 'd0' })]);
    expect(fewer).toMatchObject({ ok: false, digestOk: false, historyOk: true, targetMembers: 2, problems: ['2 members in the target, 3 in the source'] });
    const [changed] = verifyStateCopy([snap()], [snap({ digest: 'd2' })]);
    expect(changed).toMatchObject({ ok: false, digestOk: false, problems: ['the membership digest differs'] });
    const [history] = verifyStateCopy([snap()], [snap({ runs: 1, batches: 3, record: '{"x":2}' })]);
    expect(history).toMatchObject({ ok: false, digestOk: true, historyOk: false });
    expect(history!.problems).toHaveLength(3);
    const [missing] = verifyStateCopy([snap()], []);
    expect(missing).toMatchObject({ ok: false, problems: ['missing from the target'] });
  });
});

async function schemaExists(s: string): Promise<boolean> {
  const admin = await pgAdmin();
  try {
    return (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [s])).rowCount === 1;
  } finally {
    await admin.end();
  }
}

/** The tokens the fixture's DuckDB state stores (plain: no key there). */
async function storedPlainTokens(): Promise<{ accessToken: string; refreshToken: string | null }> {
  const store = await DuckDbStateStore.open(fx().statePath, { readOnly: true });
  try {
    const row = await store.stateTables.selectFrom('tokens').selectAll().executeTakeFirstOrThrow();
    return { accessToken: row.access_token, refreshToken: row.refresh_token };
  } finally {
    await store.close();
  }
}


describe('state copy of a diff: warehouse sync with acknowledged batches not yet applied in the warehouse', () => {
  it('refuses (nothing copied, the ranges named) rather than drop the only record of what Pinterest accepted', async () => {
    await syncTwiceOnDuckDb();
    const source = await DuckDbStateStore.open(fx().statePath);
    await sql`INSERT INTO planner_ranges VALUES ('people_sync', 1, 'REMOVE', 0, 100, 'delta_1_people_sync')`.execute(source.stateTables);
    await source.close();
    const copy = await stateCopy(['--from', `duckdb:${fx().statePath}`, '--to', stateUrl(schema())]);
    expect(copy.code).toBe(1);
    expect(copy.stderr).toContain('PINSYNC_STATE_COPY_PLANNER_RANGES');
    expect(copy.stderr).toContain('people_sync');
    const admin = await pgAdmin();
    try {
      const { rows } = await admin.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`${escapeIdentifier(schema())}.syncs`]);
      if (rows[0]!.ok) expect((await admin.query(`SELECT 1 FROM ${escapeIdentifier(schema())}.syncs`)).rowCount).toBe(0);
    } finally {
      await admin.end();
    }
  }, 120_000);
});
