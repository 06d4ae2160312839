/**
 * Every warehouse connector's errors go through the same scrubber: the value a failed cast or a violated constraint
 * quotes never reaches the WarehouseError's message, in the shape each engine really reports it. Real Postgres;
 * the real BigQuery and Snowflake SDKs against their fakes answering their engines' error shapes.
 */
import { DatabaseError } from 'pg';
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../../core/errors.js';
import { toWarehouseError } from '../../connectors/warehouses/postgres/postgres-errors.js';
import { PostgresWarehouse } from '../../connectors/warehouses/postgres/postgres-warehouse.js';
import type { Warehouse } from '../../core/warehouse.js';
import { startBigQueryFake } from '../fakes/bigquery-fake.js';
import { startSnowflakeFake } from '../fakes/snowflake-fake.js';
import { bigQueryTable, bigQueryWarehouseFor } from './bigquery-target.js';
import { pgAdmin, pgTestUrl } from './postgres-target.js';
import { snowflakeTable, snowflakeWarehouseFor } from './snowflake-target.js';

const MARKER = 'RawMarker0@Example.com';
const SYNC = 'scrub_sync';

async function readFailure(warehouse: Warehouse, sql: string): Promise<WarehouseError> {
  try {
    for await (const _ of warehouse.read({ sql, syncName: SYNC, batchSize: 100 })) void _;
  } catch (err) {
    expect(err).toBeInstanceOf(WarehouseError);
    return err as WarehouseError;
  }
  throw new Error('expected the read to fail');
}

function expectScrubbed(err: WarehouseError): void {
  expect(err.message).toContain(`sync ${SYNC}`);
  expect(err.message.toLowerCase()).not.toContain('rawmarker0');
  expect(err.message).toContain('<redacted>');
}

describe('Postgres', () => {
  const TABLE = 'pinsync_scrub_unique';
  let admin: Client;
  beforeAll(async () => {
    admin = await pgAdmin();
    await admin.query(`DROP TABLE IF EXISTS ${TABLE}; CREATE TABLE ${TABLE} (id integer NOT NULL, email text UNIQUE)`);
    await admin.query(`INSERT INTO ${TABLE} VALUES (1, $1)`, [MARKER]);
  });
  afterAll(async () => {
    await admin.query(`DROP TABLE IF EXISTS ${TABLE}`);
    await admin.end();
  });

  it('scrubs the value of a failed cast', async () => {
    const err = await readFailure(new PostgresWarehouse({ name: 'pg', url: pgTestUrl() }), `SELECT cast(email AS integer) FROM ${TABLE}`);
    expectScrubbed(err);
    expect(err.message).toContain('invalid input syntax for type integer: "<redacted>" (SQLSTATE 22P02)');
  });

  it("never shows a constraint's detail raw (Key (email)=(…), Failing row contains (…))", async () => {
    const ctx = { who: `sync ${SYNC}`, server: 'localhost/postgres', user: undefined, phase: 'query' as const, statementTimeoutMs: undefined };
    const duplicate = await admin.query(`INSERT INTO ${TABLE} VALUES (2, $1)`, [MARKER]).catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(DatabaseError);
    expect((duplicate as DatabaseError).detail).toContain(MARKER);
    const unique = toWarehouseError(duplicate, ctx);
    expectScrubbed(unique);
    expect(unique.message).toContain('Key (email)=(<redacted>) already exists');
    expect(unique.message).toContain('SQLSTATE 23505');

    const nullId = await admin.query(`INSERT INTO ${TABLE} VALUES (NULL, $1)`, ['other.person@example.com']).catch((e: unknown) => e);
    const notNull = toWarehouseError(nullId, ctx);
    expect(notNull.message).not.toContain('other.person');
    expect(notNull.message).toContain('Failing row contains (<redacted>)');
  });
});

describe('BigQuery (fake)', () => {
  it('scrubs "Bad int64 value: …"', async () => {
    const sql = 'SELECT CAST(email AS INT64) AS n FROM `crm.people`';
    const fake = await startBigQueryFake({
      tables: { 'crm.people': bigQueryTable({ columns: [{ name: 'email', type: 'text' }], rows: [[MARKER]] }) },
      queries: { [sql]: { error: { code: 400, reason: 'invalidQuery', message: `Bad int64 value: ${MARKER}` }, errorAt: 'results' } },
    });
    const warehouse = bigQueryWarehouseFor(fake);
    try {
      const err = await readFailure(warehouse, sql);
      expectScrubbed(err);
      expect(err.message).toContain('Bad int64 value: <redacted>');
    } finally {
      await warehouse.close();
      await fake.close();
    }
  });
});

describe('Snowflake (fake)', () => {
  it("scrubs \"Numeric value '…' is not recognized\"", async () => {
    const sql = 'SELECT TO_NUMBER(EMAIL) AS N FROM PEOPLE';
    const fake = await startSnowflakeFake({
      tables: { PEOPLE: snowflakeTable({ columns: [{ name: 'EMAIL', type: 'text' }], rows: [[MARKER]] }) },
      queries: { [sql]: { error: { code: '100038', sqlState: '22018', message: `Numeric value '${MARKER}' is not recognized` } } },
    });
    const warehouse = snowflakeWarehouseFor(fake);
    try {
      const err = await readFailure(warehouse, sql);
      expectScrubbed(err);
      expect(err.message).toContain("Numeric value '<redacted>' is not recognized (Snowflake 100038, SQLSTATE 22018)");
    } finally {
      await warehouse.close();
      await fake.close();
    }
  });
});
