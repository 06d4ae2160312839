/**
 * End-to-end syncs from the run's PostgreSQL server (test/setup/postgres-server.ts): a seeded table, and a fixture
 * config whose sync reads it through a `pg` warehouse.
 */
import { writeFile } from 'node:fs/promises';
import { pgAdmin, pgTestUrl } from '../warehouses/postgres-target.js';
import { AD_ACCOUNT, type SyncFixture } from './sync-fixture.js';

/** Drops and recreates `table` with `columns` (SQL, e.g. `email text, gaid text`) and inserts `rows`, one value per column. */
export async function seedPgTable(table: string, columns: string, rows: (string | null)[][]): Promise<void> {
  const admin = await pgAdmin();
  try {
    await admin.query(`DROP TABLE IF EXISTS ${table}; CREATE TABLE ${table} (${columns})`);
    for (const row of rows) await admin.query(`INSERT INTO ${table} VALUES (${row.map((_, i) => `$${i + 1}`).join(', ')})`, row);
  } finally {
    await admin.end();
  }
}

/** The `destinations:` lines of a config: Pinterest at the fixture's emulator, with a plain access token. */
export function pinterestDestinationLines(fx: SyncFixture): string[] {
  return [
    'destinations:',
    '  pinterest:',
    '    type: pinterest',
    `    adAccountId: "${AD_ACCOUNT}"`,
    `    apiBaseUrl: ${fx.emulator.baseUrl}`,
    '    auth: { accessToken: "${PINTEREST_ACCESS_TOKEN}" }',
  ];
}

/** Writes the fixture's config: DuckDB state, a `pg` warehouse on the run's server, and `people_sync` running `query` there. */
export function writePostgresSyncConfig(fx: SyncFixture, sync: { query: string; identifiers: string }): Promise<void> {
  return writeFile(
    fx.configPath,
    [
      'state: duckdb:state.duckdb',
      'warehouses:',
      `  pg: { type: postgres, url: "${pgTestUrl()}" }`,
      ...pinterestDestinationLines(fx),
      'syncs:',
      '  - name: people_sync',
      '    warehouse: pg',
      `    query: ${sync.query}`,
      `    identifiers: ${sync.identifiers}`,
      '    audience: { name: From postgres }',
      '',
    ].join('\n'),
  );
}
