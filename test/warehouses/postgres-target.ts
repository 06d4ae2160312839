/**
 * The conformance target for Postgres: the run's throwaway server (test/setup/postgres-server.ts), one schema per
 * target so test files running in parallel never collide, and a unique application_name so `pg_stat_activity`
 * shows exactly the sessions this target's connector opened.
 */
import { randomBytes } from 'node:crypto';
import { Client, escapeIdentifier } from 'pg';
import { inject } from 'vitest';
import { PostgresWarehouse, type PostgresWarehouseOptions } from '../../connectors/warehouses/postgres/postgres-warehouse.js';
import type { SeedColumnType, SeedTable, SeedValue, WarehouseConformanceTarget } from './warehouse-conformance.js';

// `struct` is a one-field composite type that each target creates in its own schema (see STRUCT_TYPE).
const PG_TYPES: Record<Exclude<SeedColumnType, 'struct'>, string> = {
  text: 'text',
  int32: 'integer',
  int64: 'bigint',
  float64: 'double precision',
  json: 'jsonb',
  binary: 'bytea',
  decimal: 'numeric(38,0)',
  text_array: 'text[]',
};
const STRUCT_TYPE = 'pinsync_struct';

/** The URL of the run's PostgreSQL server; throws why it is missing (e.g. binaries not installed). */
export function pgTestUrl(): string {
  const url = inject('pinsyncPgUrl');
  if (!url) throw new Error(`no PostgreSQL server for the tests: ${inject('pinsyncPgError') || 'unknown reason'}`);
  return url;
}

/** A connected superuser client for setting up and inspecting the server. */
export async function pgAdmin(): Promise<Client> {
  const client = new Client({ connectionString: pgTestUrl(), application_name: 'pinsync-test-admin' });
  await client.connect();
  return client;
}

/** A seed value in the text form Postgres casts from: array and composite literals, `\\x…` hex for bytea. */
function seedText(value: SeedValue): string | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return `{${value.map(quoteLiteralElement).join(',')}}`;
  if (typeof value === 'object') return `(${quoteLiteralElement((value as { value: string }).value)})`;
  return String(value);
}

// Inside array and composite literals, double quotes protect commas, braces and parentheses; a backslash escapes `"` and itself.
function quoteLiteralElement(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/** Polls until no session with this application_name exists (or one is still `active`, with `activeOnly`). */
export async function waitForSessions(admin: Client, applicationName: string, opts: { activeOnly?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 3000);
  for (;;) {
    const { rows } = await admin.query<{ n: string; queries: string | null }>(
      `SELECT count(*) AS n, string_agg(state || ': ' || query, ' | ') AS queries FROM pg_stat_activity
        WHERE application_name = $1 ${opts.activeOnly ? "AND state = 'active'" : ''}`,
      [applicationName],
    );
    if (rows[0]!.n === '0') return;
    if (Date.now() > deadline) throw new Error(`${rows[0]!.n} session(s) of ${applicationName} still open: ${rows[0]!.queries}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Builds a target; `overrides` adjust the connector's options (e.g. `maxFetchRows`). */
export async function makePostgresTarget(overrides: Partial<PostgresWarehouseOptions> = {}): Promise<WarehouseConformanceTarget> {
  const url = pgTestUrl();
  const suffix = randomBytes(4).toString('hex');
  const schema = `conformance_${suffix}`;
  const applicationName = `pinsync-conformance-${suffix}`;
  const admin = await pgAdmin();
  await admin.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
  const tableRef = (name: string) => `${escapeIdentifier(schema)}.${escapeIdentifier(name)}`;
  await admin.query(`CREATE TYPE ${tableRef(STRUCT_TYPE)} AS (value text)`);
  const pgType = (type: SeedColumnType) => (type === 'struct' ? tableRef(STRUCT_TYPE) : PG_TYPES[type]);
  const warehouse = new PostgresWarehouse({ name: 'pg_conformance', url, applicationName, ...overrides });

  return {
    warehouse,
    tableRef,
    async seedTable(table: SeedTable): Promise<string> {
      const ref = tableRef(table.name);
      const columns = table.columns.map((c) => `${escapeIdentifier(c.name)} ${pgType(c.type)}`).join(', ');
      await admin.query(`DROP TABLE IF EXISTS ${ref}; CREATE TABLE ${ref} (${columns})`);
      if (table.rows.length > 0) {
        // One text[] parameter per column holding each value's text form, expanded by unnest and cast to the
        // column's type: a single statement whatever the row count, and the same path for every type.
        const arrays = table.columns.map((_, c) => table.rows.map((row) => seedText(row[c] ?? null)));
        const params = table.columns.map((_, i) => `$${i + 1}::text[]`).join(', ');
        const aliases = table.columns.map((_, i) => `c${i}`);
        const casts = table.columns.map((c, i) => `${aliases[i]}::${pgType(c.type)}`).join(', ');
        await admin.query(`INSERT INTO ${ref} SELECT ${casts} FROM unnest(${params}) AS u(${aliases.join(', ')})`, arrays);
      }
      return ref;
    },
    midStreamErrorSql: (okRows) => `SELECT n, 1 / (n - ${okRows + 1}) AS boom FROM generate_series(1, ${okRows * 4}) AS n`,
    streamsRowsBeforeError: true,
    slowSql: () => 'SELECT pg_sleep(60) AS slept',
    assertReleased: () => waitForSessions(admin, applicationName),
    assertNothingRunning: () => waitForSessions(admin, applicationName, { activeOnly: true }),
    async dispose() {
      await warehouse.close();
      await admin.query(`DROP SCHEMA ${escapeIdentifier(schema)} CASCADE`);
      await admin.end();
    },
  };
}
