/**
 * The conformance target for Snowflake: the real `snowflake-sdk` against the local Snowflake fake
 * (test/fakes/snowflake-fake.ts). Results are split into chunks of 50 rows, so every read larger than that also
 * exercises the SDK's chunk downloads (and prefetching) the way a large result from cloud storage would.
 */
import { SnowflakeWarehouse, type SnowflakeWarehouseOptions } from '../../connectors/warehouses/snowflake/snowflake-warehouse.js';
import type { FakeTable } from '../fakes/fake-sql.js';
import { startSnowflakeFake, type RunningSnowflakeFake, type SnowflakeFakeOptions } from '../fakes/snowflake-fake.js';
import type { SeedColumnType, SeedTable, SeedValue, WarehouseConformanceTarget } from './warehouse-conformance.js';

// rowtype types: json is a VARIANT (PARSE_JSON), decimal a NUMBER(38,0), text_array a semi-structured ARRAY and struct
// an OBJECT, as a table built with those Snowflake types reports them.
const SNOWFLAKE_TYPES: Record<SeedColumnType, string> = {
  text: 'text',
  int32: 'fixed',
  int64: 'fixed',
  float64: 'real',
  json: 'variant',
  binary: 'binary',
  decimal: 'fixed',
  text_array: 'array',
  struct: 'object',
};

/** The login the fake accepts by default. */
export const FAKE_USER = { username: 'pinsync', password: 'fake-password' } as const;

/** A connector pointed at `fake` with password login and no login retries; `overrides` adjust it. */
export function snowflakeWarehouseFor(fake: RunningSnowflakeFake, overrides: Partial<SnowflakeWarehouseOptions> = {}): SnowflakeWarehouse {
  return new SnowflakeWarehouse({
    name: 'sf_test',
    account: fake.account,
    ...FAKE_USER,
    warehouse: 'PINSYNC_WH',
    database: 'ANALYTICS',
    schema: 'PUBLIC',
    role: 'PINSYNC_READER',
    accessUrl: fake.url,
    loginRetries: 0,
    ...overrides,
  });
}

/** A fake table from seed rows: Snowflake's JSON result format sends every cell as a string (or null). */
export function snowflakeTable(table: Pick<SeedTable, 'columns' | 'rows'>): FakeTable {
  return {
    columns: table.columns.map((c) => ({ name: c.name, type: SNOWFLAKE_TYPES[c.type] })),
    rows: table.rows.map((row) => row.map((v, i) => snowflakeWireCell(table.columns[i]!.type, v))),
  };
}

/**
 * A seed value as Snowflake's JSON result format carries it: BINARY as upper-case hex (whatever BINARY_OUTPUT_FORMAT
 * says), VARIANT/ARRAY/OBJECT as JSON text with Snowflake's two-space indentation, numbers as their digits.
 */
export function snowflakeWireCell(type: SeedColumnType, value: SeedValue): string | null {
  if (value === null) return null;
  switch (type) {
    case 'binary':
      return Buffer.from(value as Uint8Array).toString('hex').toUpperCase();
    case 'json':
      return JSON.stringify(JSON.parse(value as string), null, 2);
    case 'text_array':
    case 'struct':
      return JSON.stringify(value, null, 2);
    default:
      return String(value);
  }
}

/** Polls until the client has logged out of every session. */
export async function waitForSessionsClosed(fake: RunningSnowflakeFake, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (fake.openSessions() > 0) {
    if (Date.now() > deadline) throw new Error(`${fake.openSessions()} Snowflake session(s) still open`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls until no statement is still running (pending and not cancelled). */
export async function waitForNoRunningQueries(fake: RunningSnowflakeFake, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = fake.queries.filter((q) => q.pendingPolls > 0 && !q.cancelled);
    if (running.length === 0) return;
    if (Date.now() > deadline) throw new Error(`${running.length} Snowflake statement(s) still running: ${running.map((q) => q.sqlText).join(' | ')}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function makeSnowflakeTarget(fakeOptions: SnowflakeFakeOptions = {}): Promise<WarehouseConformanceTarget> {
  const fake = await startSnowflakeFake({ rowsPerChunk: 50, pollWaitMs: 10, ...fakeOptions });
  const warehouse = snowflakeWarehouseFor(fake, { name: 'sf_conformance' });
  // Quoted, so the lower-case names the suite uses are the names (Snowflake would upper-case them unquoted).
  const tableRef = (name: string) => `"${name}"`;

  return {
    warehouse,
    tableRef,
    async seedTable(table: SeedTable): Promise<string> {
      fake.tables[table.name] = snowflakeTable(table);
      return tableRef(table.name);
    },
    midStreamErrorSql(okRows) {
      const sql = `SELECT N FROM MID_STREAM_${okRows}`;
      fake.scripts[sql] = {
        result: snowflakeTable({ columns: [{ name: 'N', type: 'int64' }], rows: Array.from({ length: okRows * 4 }, (_, i) => [i + 1]) }),
        failAfterRows: okRows,
      };
      return sql;
    },
    streamsRowsBeforeError: true,
    slowSql() {
      const sql = 'SELECT SYSTEM$WAIT(60)';
      fake.scripts[sql] = { pendingPolls: Number.POSITIVE_INFINITY, result: { columns: [{ name: 'SYSTEM$WAIT(60)', type: 'text' }], rows: [['waited']] } };
      return sql;
    },
    assertReleased: () => waitForSessionsClosed(fake),
    async assertNothingRunning() {
      await waitForNoRunningQueries(fake);
      const slow = fake.queries.filter((q) => q.sqlText.includes('SYSTEM$WAIT'));
      if (!slow.every((q) => q.cancelled)) throw new Error('the slow Snowflake statement was not cancelled');
    },
    async dispose() {
      await warehouse.close();
      await fake.close();
    },
  };
}
