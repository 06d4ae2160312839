/**
 * The translation the BigQuery and Snowflake fakes run statements through (test/fakes/dialect-on-duckdb.ts): each
 * dialect's string escapes decode to the characters the engine would store, the few rewritten functions mean what
 * the engine's do, SQL functions become macros, and anything else is refused rather than guessed. Also the fakes'
 * own handling of statements that go to DuckDB: dry runs without side effects, errors in each engine's shape.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBigQueryFake, type RunningBigQueryFake } from '../fakes/bigquery-fake.js';
import { openDialectOnDuckDb, translateToDuckDb, type DialectOnDuckDb } from '../fakes/dialect-on-duckdb.js';
import { startSnowflakeFake, type RunningSnowflakeFake } from '../fakes/snowflake-fake.js';
import { bigQueryWarehouseFor } from '../warehouses/bigquery-target.js';
import { snowflakeWarehouseFor } from '../warehouses/snowflake-target.js';
import { readRows, sqlLiteral } from './bigquery-snowflake-normalize-harness.js';
import { anyChar } from './identifier-arbitraries.js';

describe.each([['bigquery' as const], ['snowflake' as const]])('%s statements on DuckDB', (dialect) => {
  let engine: DialectOnDuckDb;
  beforeAll(async () => {
    engine = await openDialectOnDuckDb(dialect);
  });
  afterAll(() => engine?.close());

  it('reads back every string exactly as the test wrote it as a literal (NUL, quotes, backslashes, astral)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: anyChar, maxLength: 12 }), { minLength: 1, maxLength: 30 }), async (values) => {
        const { rows } = await engine.run(`SELECT ${values.map((v, k) => `${sqlLiteral(dialect, v)} AS c${k}`).join(', ')}`);
        expect(rows[0]).toEqual(values);
      }),
      { numRuns: 30, examples: [[['', "'", "''", '\\', '\\0', '\u0000', '\u0000' + '12', '\ufeffx', '😀', '\u2028']]] },
    );
  });

  it('turns a SQL function into a macro of the same body', async () => {
    const create =
      dialect === 'bigquery'
        ? 'CREATE OR REPLACE FUNCTION f_test(s STRING, n INT64) RETURNS STRING AS (CONCAT(s, CAST(n AS STRING)))'
        : 'CREATE OR REPLACE FUNCTION f_test(s VARCHAR, n NUMBER) RETURNS VARCHAR LANGUAGE SQL IMMUTABLE AS $$ s || CAST(n AS VARCHAR) $$';
    expect(translateToDuckDb(create, dialect)).toMatch(/^CREATE OR REPLACE MACRO f_test\(s, n\) AS \(/);
    await engine.run(create);
    expect((await engine.run("SELECT f_test('a', 1) AS x")).rows).toEqual([['a1']]);
  });

  it('rewrites only the listed functions, each to what the engine computes', async () => {
    const sql =
      dialect === 'bigquery'
        ? `SELECT TO_HEX(SHA256('abc')) AS h, REGEXP_REPLACE('aXbX', r'X', '-') AS r, REGEXP_CONTAINS('abc', r'^b') AS c, BYTE_LENGTH('é') AS n`
        : `SELECT SHA2('abc', 256) AS h, REGEXP_REPLACE('aXbX', 'X', '-') AS r, REGEXP_LIKE('abc', 'b') AS c, OCTET_LENGTH('é') AS n, REGEXP_COUNT('aXbX', 'X') AS k`;
    const { rows } = await engine.run(sql);
    const sha = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    // REGEXP_REPLACE replaces every match; REGEXP_CONTAINS is unanchored, REGEXP_LIKE matches the whole subject.
    expect(rows[0]!.slice(0, 4).map(String)).toEqual([sha, 'a-b-', 'false', '2']);
    if (dialect === 'snowflake') expect(String(rows[0]![4])).toBe('2');
  });

  it('folds constant CONCAT and CHR pieces into one literal', () => {
    expect(translateToDuckDb("SELECT CONCAT('[', CHR(66560), '-', CHR(66599), ']') AS c", dialect)).toBe("SELECT '[𐐀-𐐧]' AS c");
  });

  it('refuses what it does not translate instead of guessing', () => {
    const [unsupported, badArity] =
      dialect === 'bigquery'
        ? ["SELECT '''triple'''", "SELECT REGEXP_REPLACE('a', 'b')"]
        : ["SELECT SHA2('a', 512)", "SELECT REGEXP_LIKE('a', 'b', 'i')"];
    expect(() => translateToDuckDb(unsupported, dialect)).toThrow(/not translated/);
    expect(() => translateToDuckDb(badArity, dialect)).toThrow(/not translated/);
  });
});

describe('the fakes on DuckDB', () => {
  let bq: RunningBigQueryFake;
  let sf: RunningSnowflakeFake;
  beforeAll(async () => {
    bq = await startBigQueryFake({ duckdb: true, pollWaitMs: 1 });
    sf = await startSnowflakeFake({ duckdb: true, pollWaitMs: 1 });
  });
  afterAll(async () => {
    await bq?.close();
    await sf?.close();
  });

  it('BigQuery: a dry run only prepares (nothing is created), a job runs; errors are invalidQuery and notFound', async () => {
    const warehouse = bigQueryWarehouseFor(bq, { pollIntervalMs: 1 });
    try {
      await readRows(warehouse, 'CREATE SCHEMA ds');
      const create = 'CREATE OR REPLACE TABLE ds.t AS SELECT 1 AS n';
      expect(await warehouse.estimateScanBytes({ sql: create, syncName: 's' })).toBe(0);
      await expect(readRows(warehouse, 'SELECT n FROM ds.t')).rejects.toThrow(/not found|does not exist/i);
      await readRows(warehouse, create);
      expect(await readRows(warehouse, 'SELECT n, n + 1 AS m FROM ds.t')).toEqual([['1', '2']]);
      await expect(readRows(warehouse, 'SELECT NO_SUCH_FUNCTION(1)')).rejects.toThrow(/NO_SUCH_FUNCTION/i);
      expect([...bq.jobs.values()].map((j) => j.error?.reason).filter(Boolean)).toEqual(['notFound', 'invalidQuery']);
      // Every statement that went to DuckDB, failed ones included; the dry run is not one.
      expect(bq.duckDbStatements).toEqual(['CREATE SCHEMA ds', 'SELECT n FROM ds.t', create, 'SELECT n, n + 1 AS m FROM ds.t', 'SELECT NO_SUCH_FUNCTION(1)']);
    } finally {
      await warehouse.close();
    }
  });

  it('Snowflake: DDL answers a status row, a query upper-cases its unquoted names; errors are 002003 and 001003', async () => {
    const warehouse = snowflakeWarehouseFor(sf);
    try {
      expect(await readRows(warehouse, 'CREATE SCHEMA PL')).toEqual([['Statement executed successfully.']]);
      await readRows(warehouse, "CREATE OR REPLACE TABLE PL.T AS SELECT 1 AS n, 'x' AS s");
      const batches = [];
      for await (const b of warehouse.read({ sql: 'SELECT n, s FROM PL.T', syncName: 's', batchSize: 10 })) batches.push(b);
      expect(batches[0]!.columnNames).toEqual(['N', 'S']);
      await expect(readRows(warehouse, 'SELECT * FROM PL.NO_SUCH_TABLE')).rejects.toMatchObject({ message: expect.stringMatching(/does not exist/) });
      await expect(readRows(warehouse, "SELECT SHA2('a', 512)")).rejects.toThrow(/not translated/);
      const codes = sf.queries.flatMap((q) => ('error' in q.outcome ? [q.outcome.error.code] : []));
      expect(codes).toEqual(['002003', '001003']);
    } finally {
      await warehouse.close();
    }
  });
});
