/**
 * The conformance target for BigQuery: the real `@google-cloud/bigquery` client against the local BigQuery fake
 * (test/fakes/bigquery-fake.ts), with an injected OAuth2 client holding a preset token so google-auth-library never
 * looks for Application Default Credentials (which would probe the metadata server).
 */
import { OAuth2Client } from 'google-auth-library';
import { BigQueryWarehouse, type BigQueryWarehouseOptions } from '../../connectors/warehouses/bigquery/bigquery-warehouse.js';
import { startBigQueryFake, type BigQueryFakeOptions, type RunningBigQueryFake } from '../fakes/bigquery-fake.js';
import type { FakeTable } from '../fakes/fake-sql.js';
import type { SeedColumnType, SeedTable, SeedValue, WarehouseConformanceTarget } from './warehouse-conformance.js';

// `decimal` holds 38 digits: NUMERIC stops at 29 before the point, BIGNUMERIC holds 38 (and more).
const BIGQUERY_TYPES: Record<SeedColumnType, string> = {
  text: 'STRING',
  int32: 'INT64',
  int64: 'INT64',
  float64: 'FLOAT64',
  json: 'JSON',
  binary: 'BYTES',
  decimal: 'BIGNUMERIC',
  text_array: 'ARRAY<STRING>',
  struct: 'STRUCT<value STRING>',
};
const DATASET = 'conformance';

/** An auth client that always presents `token` (valid for an hour) and never refreshes or probes anything. */
export function presetAuthClient(token: string): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: token, expiry_date: Date.now() + 3_600_000 });
  return client;
}

/** A connector pointed at `fake`, with fast polling and no client-side retries; `overrides` adjust it. */
export function bigQueryWarehouseFor(fake: RunningBigQueryFake, overrides: Partial<BigQueryWarehouseOptions> = {}): BigQueryWarehouse {
  return new BigQueryWarehouse({
    name: 'bq_test',
    projectId: fake.projectId,
    location: 'US',
    apiEndpoint: fake.url,
    authClient: presetAuthClient(fake.accessToken),
    pollIntervalMs: 5,
    maxRetries: 0,
    ...overrides,
  });
}

/** A fake table from seed rows, cells in the fake's storage form (see test/fakes/bigquery-fake.ts). */
export function bigQueryTable(table: Pick<SeedTable, 'columns' | 'rows'>): FakeTable {
  return {
    columns: table.columns.map((c) => ({ name: c.name, type: BIGQUERY_TYPES[c.type] })),
    rows: table.rows.map((row) => row.map(fakeCell)),
  };
}

// BYTES travel as base64; arrays and structs as the JSON text of their value; everything else as its text.
function fakeCell(value: SeedValue): string | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Polls until no job of the fake is still running. */
export async function waitForNoRunningJobs(fake: RunningBigQueryFake, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = [...fake.jobs.values()].filter((j) => j.state === 'RUNNING');
    if (running.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${running.length} BigQuery job(s) still running: ${running.map((j) => j.query).join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function makeBigQueryTarget(fakeOptions: BigQueryFakeOptions = {}): Promise<WarehouseConformanceTarget> {
  // Every job answers one `jobComplete:false` poll first, so each read goes through the polling path.
  const fake = await startBigQueryFake({ pendingPolls: 1, pollWaitMs: 5, ...fakeOptions });
  const warehouse = bigQueryWarehouseFor(fake, { name: 'bq_conformance' });
  const tableRef = (name: string) => `\`${DATASET}.${name}\``;

  return {
    warehouse,
    tableRef,
    async seedTable(table: SeedTable): Promise<string> {
      fake.tables[`${DATASET}.${table.name}`] = bigQueryTable(table);
      return tableRef(table.name);
    },
    midStreamErrorSql(okRows) {
      const sql = `SELECT n FROM \`${DATASET}.mid_stream_${okRows}\``;
      fake.queries[sql] = {
        result: bigQueryTable({ columns: [{ name: 'n', type: 'int64' }], rows: Array.from({ length: okRows * 4 }, (_, i) => [i + 1]) }),
        failAfterRows: { rows: okRows, error: { code: 503, reason: 'backendError', message: 'Error encountered during execution. Retrying may solve the problem.' } },
      };
      return sql;
    },
    streamsRowsBeforeError: true,
    // "BigQuery translates a NULL ARRAY into an empty ARRAY in the query result" (GoogleSQL docs, Arrays).
    nullArraysReadAsEmpty: true,
    slowSql() {
      const sql = 'SELECT n FROM `conformance.slow_query`';
      fake.queries[sql] = { pendingPolls: Number.POSITIVE_INFINITY, result: { columns: [{ name: 'n', type: 'INT64' }], rows: [['1']] } };
      return sql;
    },
    assertReleased: () => waitForNoRunningJobs(fake),
    async assertNothingRunning() {
      await waitForNoRunningJobs(fake);
      const slow = [...fake.jobs.values()].filter((j) => j.query.includes('slow_query'));
      if (!slow.every((j) => j.cancelled)) throw new Error('the slow BigQuery job was not cancelled');
    },
    async dispose() {
      await warehouse.close();
      await fake.close();
    },
  };
}
