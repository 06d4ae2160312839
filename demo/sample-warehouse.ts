/**
 * A deterministic sample warehouse for the demo, tests and benchmarks: customers with the kinds of mess real
 * warehouses hold (mixed case, stray whitespace, invalid emails, missing and zeroed device ids, prehashed values).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DEFAULT_AD_ACCOUNT_ID, DEFAULT_TOKEN } from '../emulators/pinterest/emulator-options.js';

/** Creates `customers(customer_id, email, gaid, idfa, subscribed)` with `count` rows. */
export async function buildSampleWarehouse(conn: DuckDBConnection, count: number): Promise<void> {
  await conn.run(`
    CREATE OR REPLACE TABLE customers AS
    SELECT
      i AS customer_id,
      ${emailSql('i')} AS email,
      ${deviceSql('i', "'g'", 3, 211, false)} AS gaid,
      ${deviceSql('i', "'a'", 5, 223, true)} AS idfa,
      (i % 4 <> 0) AS subscribed
    FROM range(1, ${count + 1}) AS t(i)`);
}

/** People join (new rows), leave (unsubscribe) and change email; returns how many of each. */
export async function churnSampleWarehouse(conn: DuckDBConnection, count: number): Promise<{ joined: number; left: number; changedEmail: number }> {
  const joined = Math.max(1, Math.round(count * 0.02));
  await conn.run(`
    INSERT INTO customers
    SELECT i, ${emailSql('i')}, ${deviceSql('i', "'g'", 3, 211, false)}, ${deviceSql('i', "'a'", 5, 223, true)}, true
    FROM range(${count + 1}, ${count + joined + 1}) AS t(i)`);
  const left = await changed(conn, `UPDATE customers SET subscribed = false WHERE subscribed AND customer_id % 53 = 7`);
  const changedEmail = await changed(
    conn,
    `UPDATE customers SET email = 'renamed.' || customer_id || '@example.net' WHERE subscribed AND customer_id % 89 = 5 AND email LIKE '%@%'`,
  );
  return { joined, left, changedEmail };
}

async function changed(conn: DuckDBConnection, sql: string): Promise<number> {
  const result = await conn.run(sql);
  return result.rowsChanged;
}

// Mostly clean addresses, with upper case and padding, ~1% invalid, ~2% missing, and some already SHA-256 hashed.
function emailSql(i: string): string {
  return `CASE
      WHEN ${i} % 50 = 0 THEN NULL
      WHEN ${i} % 97 = 0 THEN 'customer ' || ${i} || ' at example dot com'
      WHEN ${i} % 61 = 0 THEN sha256('customer' || ${i} || '@example.com')
      WHEN ${i} % 13 = 0 THEN '  Customer' || ${i} || '@Example.COM '
      ELSE 'customer' || ${i} || '@example.com'
    END`;
}

// A UUID derived from the id, missing for every `missingEvery`th row, the all-zero id for every `zeroEvery`th.
function deviceSql(i: string, salt: string, missingEvery: number, zeroEvery: number, upper: boolean): string {
  const hex = `md5(${salt} || ${i})`;
  const uuid = `substr(${hex}, 1, 8) || '-' || substr(${hex}, 9, 4) || '-' || substr(${hex}, 13, 4) || '-' || substr(${hex}, 17, 4) || '-' || substr(${hex}, 21, 12)`;
  return `CASE
      WHEN ${i} % ${missingEvery} <> 0 THEN NULL
      WHEN ${i} % ${zeroEvery} = 0 THEN '00000000-0000-0000-0000-000000000000'
      WHEN ${i} % 101 = 0 THEN substr(${hex}, 1, 20)
      ELSE ${upper ? `upper(${uuid})` : uuid}
    END`;
}

/**
 * A pinsync config that syncs the sample warehouse's subscribers into the emulator at `apiBaseUrl` (the demo's and
 * the benchmarks'). Paths are relative to the folder the config is written to. `query`/`identifiers` replace the
 * subscribers' query, `destinationExtra` adds lines under the destination (rate limits, maxInFlight).
 */
export function sampleSyncConfig(opts: {
  apiBaseUrl: string;
  syncName: string;
  audienceName: string;
  maxRecords?: number;
  maxRemovePercent?: number;
  query?: string;
  identifiers?: string;
  destinationExtra?: string[];
}): string {
  return [
    'state: duckdb:state.duckdb',
    'warehouses:',
    '  local: { type: duckdb, path: warehouse.duckdb }',
    'destinations:',
    '  pinterest:',
    '    type: pinterest',
    `    adAccountId: "${DEFAULT_AD_ACCOUNT_ID}"`,
    `    apiBaseUrl: ${opts.apiBaseUrl}`,
    `    auth: { accessToken: "\${PINTEREST_ACCESS_TOKEN:-${DEFAULT_TOKEN}}" }`,
    ...(opts.maxRecords === undefined ? [] : [`    batch: { maxRecords: ${opts.maxRecords} }`]),
    ...(opts.destinationExtra ?? []).map((line) => `    ${line}`),
    'syncs:',
    `  - name: ${opts.syncName}`,
    '    warehouse: local',
    `    query: ${opts.query ?? 'select email, gaid, idfa from customers where subscribed'}`,
    `    identifiers: ${opts.identifiers ?? '{ email: email, gaid: maid, idfa: idfa }'}`,
    `    audience: { name: ${opts.audienceName} }`,
    ...(opts.maxRemovePercent === undefined ? [] : [`    guardrails: { maxRemovePercent: ${opts.maxRemovePercent} }`]),
    '',
  ].join('\n');
}
