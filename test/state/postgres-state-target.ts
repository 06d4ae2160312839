/**
 * The Postgres state conformance target: the run's throwaway server (test/setup/global-setup.ts), one schema per
 * test location, so test files running in parallel never collide.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { escapeIdentifier, type Client } from 'pg';
import { afterEach, beforeEach } from 'vitest';
import { PostgresStateStore } from '../../connectors/state/postgres/postgres-state-store.js';
import { STATE_MIGRATIONS } from '../../connectors/state/state-migrations.js';
import { loadSql, splitStatements } from '../../connectors/sql-files.js';
import type { StateStore } from '../../core/state-store.js';
import { SyncFixture } from '../helpers/sync-fixture.js';
import { pgAdmin, pgTestUrl } from '../warehouses/postgres-target.js';
import type { StateLocationHandle } from './state-conformance.js';

/** A `state:` URL for `schema` on the test server. */
export function stateUrl(schema: string): string {
  const url = new URL(pgTestUrl());
  url.searchParams.set('schema', schema);
  return url.href;
}

/** A fresh schema name (not created). */
export function freshSchema(): string {
  return `state_${randomBytes(5).toString('hex')}`;
}

/** Terminates the connection holding `syncName`'s lock in `schema`, as a crash of its runner would. */
export async function killLockConnection(admin: Client, schema: string, syncName: string): Promise<void> {
  const { rows } = await admin.query<{ pid: number }>(`SELECT backend_pid AS pid FROM ${escapeIdentifier(schema)}.locks WHERE sync_name = $1`, [syncName]);
  const pid = rows[0]?.pid;
  if (pid === undefined) throw new Error(`no lock row for ${syncName}`);
  await admin.query('SELECT pg_terminate_backend($1)', [pid]);
  for (let i = 0; i < 200; i++) {
    const alive = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
    if (alive.rowCount === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`backend ${pid} did not go away`);
}

/**
 * End-to-end syncs on Postgres state: a fresh `SyncFixture` and a fresh schema name (not created) before each test;
 * after it, the fixture is closed and the schema dropped. Call at the top of a test file; the getters give the
 * current test's fixture and schema.
 */
export function useSyncOnPostgresState(): { fx: () => SyncFixture; schema: () => string } {
  let fx: SyncFixture | undefined;
  let schema: string | undefined;
  beforeEach(async () => {
    fx = await SyncFixture.create();
    schema = freshSchema();
  });
  afterEach(async () => {
    await fx!.close();
    const admin = await pgAdmin();
    await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema!)} CASCADE`);
    await admin.end();
  });
  return {
    fx: () => {
      if (!fx) throw new Error('useSyncOnPostgresState: no fixture outside a test');
      return fx;
    },
    schema: () => {
      if (schema === undefined) throw new Error('useSyncOnPostgresState: no schema outside a test');
      return schema;
    },
  };
}

/** Points the fixture's written config at the state URL in `PINSYNC_TEST_STATE` instead of its DuckDB state file. */
export async function stateFromTestEnv(fx: SyncFixture): Promise<void> {
  const text = await readFile(fx.configPath, 'utf8');
  await writeFile(fx.configPath, text.replace('state: duckdb:state.duckdb', 'state: "${PINSYNC_TEST_STATE}"'));
}

export async function postgresStateLocation(): Promise<StateLocationHandle & { schema: string; url: string; admin: Client }> {
  const schema = freshSchema();
  const url = stateUrl(schema);
  const admin = await pgAdmin();
  const inSchema = async (statements: string[]) => {
    await admin.query(`SET search_path TO ${escapeIdentifier(schema)}`);
    try {
      for (const s of statements) await admin.query(s);
    } finally {
      await admin.query('RESET search_path');
    }
  };
  return {
    schema,
    url,
    admin,
    open: (opts = {}) => PostgresStateStore.open(url, { cipher: opts.cipher, readOnly: opts.readOnly }),
    async createAtVersion(version) {
      const statements = [
        `CREATE SCHEMA ${escapeIdentifier(schema)}`,
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)',
      ];
      for (const m of STATE_MIGRATIONS.filter((x) => x.version <= version)) {
        statements.push(...splitStatements(loadSql('postgres', m.file)));
        statements.push(`INSERT INTO schema_migrations VALUES (${m.version}, '${m.name}', now())`);
      }
      await inSchema(statements);
    },
    exec: inSchema,
    async dump() {
      const { rows } = await admin.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
      const parts: string[] = [];
      for (const { table_name } of rows) {
        const data = await admin.query<{ j: string }>(`SELECT row_to_json(t)::text AS j FROM ${escapeIdentifier(schema)}.${escapeIdentifier(table_name)} t`);
        parts.push(...data.rows.map((r) => r.j));
      }
      return parts.join('\n');
    },
    crashLockHolder: (_store: StateStore, syncName: string) => killLockConnection(admin, schema, syncName),
    async cleanup() {
      await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
      await admin.end();
    },
  };
}

/**
 * The acknowledged membership of `syncName` stored in `schema`, as hex digests (read through `admin`, any server):
 * the membership rows with the acknowledged records not applied yet (a killed run's) applied, as the next run sees it.
 */
export async function storedHashes(admin: Client, schema: string, syncName = 'people_sync'): Promise<Set<string>> {
  const s = escapeIdentifier(schema);
  const { rows } = await admin.query<{ h: string }>(
    `SELECT encode(m.h, 'hex') AS h FROM ${s}.membership m JOIN ${s}.syncs y ON y.id = m.sync_id WHERE y.name = $1`,
    [syncName],
  );
  const hashes = new Set(rows.map((r) => r.h));
  const { rows: pending } = await admin.query<{ op: string; h: string }>(
    `SELECT a.op, encode(a.h, 'hex') AS h FROM ${s}.acked_records a JOIN ${s}.syncs y ON y.id = a.sync_id WHERE y.name = $1`,
    [syncName],
  );
  for (const { op, h } of pending) {
    if (op === 'ADD') hashes.add(h);
    else hashes.delete(h);
  }
  return hashes;
}

/** One run's counters as stored, beside the sums of its acknowledged `batches` rows. */
export interface StoredRunCounters {
  /** Run id. */
  id: number;
  /** `runs.status`. */
  status: string;
  /** `runs.adds_sent`. */
  addsSent: number;
  /** `runs.removes_sent`. */
  removesSent: number;
  /** `runs.batches`. */
  batches: number;
  /** Records of the run's ADD rows in `batches`. */
  loggedAdds: number;
  /** Records of the run's REMOVE rows in `batches`. */
  loggedRemoves: number;
  /** The run's rows in `batches`. */
  loggedBatches: number;
}

/** Every run of `schema`, oldest first, with its counters and the acknowledgement log's sums. */
export async function storedRunCounters(admin: Client, schema: string): Promise<StoredRunCounters[]> {
  const s = escapeIdentifier(schema);
  const { rows } = await admin.query<Record<string, string>>(
    `SELECT r.id, r.status, r.adds_sent, r.removes_sent, r.batches,
            coalesce(sum(b.records) FILTER (WHERE b.op = 'ADD'), 0) AS logged_adds,
            coalesce(sum(b.records) FILTER (WHERE b.op = 'REMOVE'), 0) AS logged_removes,
            count(b.run_id) AS logged_batches
       FROM ${s}.runs r LEFT JOIN ${s}.batches b ON b.run_id = r.id
      GROUP BY r.id ORDER BY r.id`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    status: r.status!,
    addsSent: Number(r.adds_sent),
    removesSent: Number(r.removes_sent),
    batches: Number(r.batches),
    loggedAdds: Number(r.logged_adds),
    loggedRemoves: Number(r.logged_removes),
    loggedBatches: Number(r.logged_batches),
  }));
}

/** How a spawned CLI process ended, with everything it printed. */
export interface ChildOutcome {
  /** Exit code; null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** All of stdout. */
  stdout: string;
  /** All of stderr. */
  stderr: string;
}

/** Collects a spawned process's output from now on and resolves when it exits. */
export function outcomeOf(child: ChildProcess): Promise<ChildOutcome> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}
