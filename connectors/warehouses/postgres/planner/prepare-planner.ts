/**
 * Makes the planner schema ready for a session: the schema, pinsync's tables (sql/postgres/planner-schema.sql) and
 * the normalization functions (sql/postgres/normalize-*.sql), each created only when missing and the functions
 * replaced only when pinsync ships different ones (their digest is kept in `installed`). Concurrent runners take a
 * transaction-level advisory lock, so the second finds the work done. A plan creates nothing: it uses what is
 * there, or installs the functions as TEMP functions of its own connection.
 */
import { createHash } from 'node:crypto';
import { escapeIdentifier } from 'pg';
import { WarehouseError } from '../../../../core/errors.js';
import { loadSql, renderSql, splitStatements } from '../../../sql-files.js';
import type { PlannerConnection } from './planner-connection.js';
import { plannerSchemaNotCreatable, plannerSchemaNotWritable, plannerTablesNotWritable, type PlannerGrantContext } from './planner-errors.js';

/** The normalization SQL, in install order (the Unicode tables first: the rules call them). */
const FUNCTION_FILES = ['normalize-unicode-v1', 'normalize-v1'] as const;

/** What a session works with once the planner is prepared. */
export interface PlannerLayout {
  /** Quoted schema of the normalization functions: the planner schema, or pg_temp for a plan that creates nothing. */
  functions: string;
  /** Whether the membership table exists (not before the first sync, for a plan). */
  hasMembership: boolean;
  /** Whether the `deltas` table exists (where a plan looks for a killed run's unapplied batches). */
  hasDeltas: boolean;
}

/** Digest of the functions' SQL as pinsync ships it: a different one means the installed functions are stale. */
export function functionsDigest(): string {
  const hash = createHash('sha256');
  for (const file of FUNCTION_FILES) hash.update(loadSql('postgres', file));
  return hash.digest('hex');
}

interface Probe {
  role: string;
  database: string;
  present: boolean;
  can_create_schema: boolean;
}

interface SchemaProbe {
  usage: boolean;
  can_create: boolean;
  has_membership: boolean;
  has_deltas: boolean;
  has_installed: boolean;
}

/** Prepares the planner; with `create` false (a plan) nothing is created or changed outside the connection's TEMP space. */
export async function preparePlanner(conn: PlannerConnection, schema: string, who: string, create: boolean): Promise<PlannerLayout> {
  const [probe] = await conn.query<Probe>(
    `SELECT current_user AS role, current_database() AS database,
            EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS present,
            has_database_privilege(current_database(), 'CREATE') AS can_create_schema`,
    { values: [schema] },
  );
  const grant: PlannerGrantContext = { who, schema, role: probe!.role, database: probe!.database };
  const quoted = escapeIdentifier(schema);
  if (!probe!.present) {
    if (!create) return installTempFunctions(conn);
    if (!probe!.can_create_schema) throw plannerSchemaNotCreatable(grant);
    await conn.query(`CREATE SCHEMA IF NOT EXISTS ${quoted}`);
  }
  const schemaProbe = await probeSchema(conn, schema);
  if (!schemaProbe.usage) {
    if (!create && !probe!.present) return installTempFunctions(conn);
    throw plannerSchemaNotWritable(grant, 'use objects');
  }
  const digest = functionsDigest();
  if (!create) {
    const current = schemaProbe.has_installed && (await installedDigest(conn, quoted)) === digest;
    const layout = current ? { functions: quoted, hasMembership: schemaProbe.has_membership, hasDeltas: schemaProbe.has_deltas } : await installTempFunctions(conn);
    return { ...layout, hasMembership: schemaProbe.has_membership, hasDeltas: schemaProbe.has_deltas };
  }
  try {
    await conn.transaction(async () => {
      await conn.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', { values: [`pinsync-planner:${schema}`] });
      const now = await probeSchema(conn, schema);
      if (!now.has_membership || !now.has_deltas || !now.has_installed) {
        if (!now.can_create) throw plannerSchemaNotWritable(grant, 'create tables');
        for (const statement of splitStatements(renderSql(loadSql('postgres', 'planner-schema'), { schema: quoted }))) await conn.query(statement);
      }
      if ((await installedDigest(conn, quoted)) !== digest) {
        if (!now.can_create) throw plannerSchemaNotWritable(grant, 'create functions');
        await installFunctions(conn, quoted);
        await conn.query(
          `INSERT INTO ${quoted}.installed (item, value) VALUES ('functions', $1) ON CONFLICT (item) DO UPDATE SET value = EXCLUDED.value`,
          { values: [digest] },
        );
      }
    });
  } catch (err) {
    if (err instanceof WarehouseError && err.code === 'PINSYNC_WAREHOUSE_PERMISSION') throw plannerTablesNotWritable(grant);
    throw err;
  }
  return { functions: quoted, hasMembership: true, hasDeltas: true };
}

async function probeSchema(conn: PlannerConnection, schema: string): Promise<SchemaProbe> {
  const quoted = escapeIdentifier(schema);
  const [row] = await conn.query<SchemaProbe>(
    `SELECT has_schema_privilege($1, 'USAGE') AS usage, has_schema_privilege($1, 'CREATE') AS can_create,
            to_regclass($2) IS NOT NULL AS has_membership, to_regclass($3) IS NOT NULL AS has_deltas,
            to_regclass($4) IS NOT NULL AS has_installed`,
    { values: [schema, `${quoted}.membership`, `${quoted}.deltas`, `${quoted}.installed`] },
  );
  return row!;
}

async function installedDigest(conn: PlannerConnection, quoted: string): Promise<string | undefined> {
  const rows = await conn.query<{ value: string }>(`SELECT value FROM ${quoted}.installed WHERE item = 'functions'`);
  return rows[0]?.value;
}

async function installFunctions(conn: PlannerConnection, quoted: string): Promise<void> {
  for (const file of FUNCTION_FILES) {
    for (const statement of splitStatements(renderSql(loadSql('postgres', file), { schema: quoted }))) await conn.query(statement);
  }
}

// TEMP functions live in the connection's own pg_temp schema and vanish with it: a plan normalizes without
// leaving anything behind, even where the role may create nothing.
async function installTempFunctions(conn: PlannerConnection): Promise<PlannerLayout> {
  await installFunctions(conn, 'pg_temp');
  return { functions: 'pg_temp', hasMembership: false, hasDeltas: false };
}
