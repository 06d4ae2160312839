/**
 * Versioned migrations of the state schema. kysely's Migrator needs an introspector, which DuckDB lacks, and our
 * needs are small: apply each numbered SQL file once, in order, in its own transaction.
 */
import { type Kysely, sql } from 'kysely';
import { StateError } from '../../core/errors.js';
import { loadSql, splitStatements } from '../sql-files.js';
import type { StateDatabase } from './state-tables.js';

interface Migration {
  version: number;
  name: string;
  /** File under sql/<engine>/ or sql/default/. */
  file: string;
}

/** Every migration ever shipped, oldest first. Never edit a shipped one: add the next. */
export const STATE_MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial', file: 'state-schema-v1' },
  { version: 2, name: 'adoption-and-leases', file: 'state-schema-v2' },
  { version: 3, name: 'lock-backends', file: 'state-schema-v3' },
  { version: 4, name: 'acknowledged-records', file: 'state-schema-v4' },
  { version: 5, name: 'dbt-requests', file: 'state-schema-v5' },
  { version: 6, name: 'planner-ranges', file: 'state-schema-v6' },
];

export const STATE_SCHEMA_VERSION = STATE_MIGRATIONS[STATE_MIGRATIONS.length - 1]!.version;

/**
 * Applies pending migrations; refuses a state written by a newer pinsync rather than misreading it. With `schema`
 * (shared Postgres state) everything runs in ONE transaction under a transaction-level advisory lock, which also
 * creates the schema: two runners starting on a fresh database at once both succeed, and the second finds the work
 * done. A DuckDB file has a single writer, so each migration simply gets its own transaction.
 */
export async function migrateState(db: Kysely<StateDatabase>, engine: string, where: string, opts: { schema?: string } = {}): Promise<number[]> {
  const schema = opts.schema;
  if (schema === undefined) return applyPending(db, engine, where, (run) => db.transaction().execute(run));
  return db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`pinsync-migrate:${schema}`}, 0))`.execute(trx);
    await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(schema)}`.execute(trx);
    return applyPending(trx, engine, where, (run) => run(trx));
  });
}

async function applyPending(
  db: Kysely<StateDatabase>,
  engine: string,
  where: string,
  inTransaction: (run: (trx: Kysely<StateDatabase>) => Promise<void>) => Promise<void>,
): Promise<number[]> {
  await sql`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)`.execute(db);
  const applied = new Set((await db.selectFrom('schema_migrations').select('version').execute()).map((r) => Number(r.version)));
  const newest = Math.max(0, ...applied);
  if (newest > STATE_SCHEMA_VERSION) throw newerStateError(where, newest);
  const done: number[] = [];
  for (const m of STATE_MIGRATIONS) {
    if (applied.has(m.version)) continue;
    await inTransaction(async (trx) => {
      for (const statement of splitStatements(loadSql(engine, m.file))) await sql.raw(statement).execute(trx);
      await trx.insertInto('schema_migrations').values({ version: m.version, name: m.name, applied_at: new Date() }).execute();
    });
    done.push(m.version);
  }
  // Fold the schema change into the database file at once. DuckDB 1.5 cannot replay some DDL from its WAL
  // ("GetDefaultDatabase with no default database set" after ALTER TABLE): a kill -9 before the next automatic
  // checkpoint would otherwise leave a state file that no longer opens.
  if (done.length > 0 && engine === 'duckdb') await sql`CHECKPOINT`.execute(db);
  return done;
}

/** For read-only opens: the schema must already be current, since nothing may be changed. */
export async function checkStateVersion(db: Kysely<StateDatabase>, where: string): Promise<void> {
  const rows = await db.selectFrom('schema_migrations').select('version').execute();
  const newest = Math.max(0, ...rows.map((r) => Number(r.version)));
  if (newest > STATE_SCHEMA_VERSION) throw newerStateError(where, newest);
  if (newest < STATE_SCHEMA_VERSION) {
    throw new StateError(
      'PINSYNC_STATE_OUTDATED',
      `the state ${where} has schema ${newest}, this pinsync needs ${STATE_SCHEMA_VERSION}; \`plan\` and \`runs\` never change the state, ` +
        'so it is upgraded by the next `pinsync sync` (it upgrades the state first, then syncs)',
    );
  }
}

function newerStateError(where: string, newest: number): StateError {
  return new StateError(
    'PINSYNC_STATE_NEWER',
    `the state ${where} was written by a newer pinsync (state schema ${newest}, this one knows up to ${STATE_SCHEMA_VERSION}); ` +
      'upgrade pinsync to use it (this version left it unchanged rather than misread it)',
  );
}
