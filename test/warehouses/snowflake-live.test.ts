/**
 * The Snowflake connector against a real account. Off by default: it needs the network and credentials, so it runs
 * only with `npx vitest run -c vitest.live.config.ts` (no loopback guard) and these variables:
 *   PINSYNC_LIVE_SNOWFLAKE_ACCOUNT, _USERNAME, _WAREHOUSE, _DATABASE, _SCHEMA, and _ROLE (optional)
 *   PINSYNC_LIVE_SNOWFLAKE_PASSWORD, or _PRIVATE_KEY_PATH (with _PRIVATE_KEY_PASSPHRASE when encrypted)
 * It runs a few tiny queries (GENERATOR, literals) on the warehouse; check() also proves the session has a warehouse.
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../../core/errors.js';
import type { RowBatch } from '../../core/warehouse.js';
import { SnowflakeWarehouse } from '../../connectors/warehouses/snowflake/snowflake-warehouse.js';

const env = (name: string) => process.env[`PINSYNC_LIVE_SNOWFLAKE_${name}`] || undefined;
const live = process.env.PINSYNC_LIVE === '1' && env('ACCOUNT') !== undefined && env('USERNAME') !== undefined;
const why = live ? '' : ' (skipped: needs network; set PINSYNC_LIVE_SNOWFLAKE_* credentials, then run `npx vitest run -c vitest.live.config.ts`)';
const SYNC = 'live_snowflake';

describe.skipIf(!live)(`Snowflake live${why}`, () => {
  const warehouse = new SnowflakeWarehouse({
    name: 'sf_live',
    account: env('ACCOUNT') ?? '',
    username: env('USERNAME') ?? '',
    password: env('PASSWORD'),
    privateKeyPath: env('PRIVATE_KEY_PATH'),
    privateKeyPassphrase: env('PRIVATE_KEY_PASSPHRASE'),
    warehouse: env('WAREHOUSE') ?? '',
    database: env('DATABASE') ?? '',
    schema: env('SCHEMA') ?? '',
    role: env('ROLE'),
    statementTimeoutSeconds: 60,
  });
  afterAll(() => warehouse.close());

  const readAll = async (sql: string, batchSize: number) => {
    const batches: RowBatch[] = [];
    for await (const b of warehouse.read({ sql, syncName: SYNC, batchSize })) batches.push(b);
    return batches;
  };

  it('logs in and runs a query', async () => {
    await warehouse.check();
  });

  it('streams a generated result into exact batches, with upper-case column names', async () => {
    const batches = await readAll("SELECT SEQ8() AS n, 'row' AS label FROM TABLE(GENERATOR(ROWCOUNT => 25000))", 10000);
    expect(batches.map((b) => b.rowCount)).toEqual([10000, 10000, 5000]);
    expect(batches[0]!.columnNames).toEqual(['N', 'LABEL']);
  });

  it('keeps NUMBER exact and NULL as null', async () => {
    const [batch] = await readAll('SELECT 9223372036854775807::NUMBER(19,0) AS n, NULL::NUMBER AS z', 10);
    expect(batch!.columns.map((c) => c[0])).toEqual(['9223372036854775807', null]);
  });

  it('hands typed cells over as the connector contract says: JSON unwrapped, BINARY as bytes, NUMBER(38,0) exact, nested as JS values', async () => {
    const [batch] = await readAll(
      `SELECT PARSE_JSON('"A@Example.com"') AS j, SHA2_BINARY('binary@example.com', 256) AS b,
              12345678901234567890123456789012345678::NUMBER(38,0) AS d, PARSE_JSON('{"x":1}') AS o, ARRAY_CONSTRUCT('a') AS a`,
      10,
    );
    const [j, b, d, o, a] = batch!.columns.map((c) => c[0]);
    expect(j).toBe('A@Example.com');
    expect(Buffer.from(b as Uint8Array).toString('hex')).toBe(createHash('sha256').update('binary@example.com').digest('hex'));
    expect(d).toBe('12345678901234567890123456789012345678');
    expect(o).toEqual({ x: 1 });
    expect(a).toEqual(['a']);
  });

  it('names the sync and the table when the table does not exist', async () => {
    const err = await readAll('SELECT * FROM PINSYNC_NO_SUCH_TABLE', 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as WarehouseError).code).toBe('PINSYNC_WAREHOUSE_TABLE_NOT_FOUND');
    expect((err as WarehouseError).message).toContain(SYNC);
    expect((err as WarehouseError).message).toContain('PINSYNC_NO_SUCH_TABLE');
  });
});
