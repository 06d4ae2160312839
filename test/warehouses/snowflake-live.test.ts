/**
 * The Snowflake connector against a real account. Off by default: it needs the network and credentials, so it runs
 * only with `npx vitest run -c vitest.live.config.ts` (no loopback guard) and these variables:
 *   PINSYNC_LIVE_SNOWFLAKE_ACCOUNT, _USERNAME, _WAREHOUSE, _DATABASE, _SCHEMA, and _ROLE (optional)
 *   PINSYNC_LIVE_SNOWFLAKE_PASSWORD, or _PRIVATE_KEY_PATH (with _PRIVATE_KEY_PASSPHRASE when encrypted)
 * It runs a few tiny queries (GENERATOR, literals) on the warehouse; check() also proves the session has a warehouse.
 *   PINSYNC_LIVE_SNOWFLAKE_PLANNER_SCHEMA  optional: an existing schema for the normalization UDFs (else the test
 *                                          creates PINSYNC_LIVE_NORM_<random> in the database and drops it)
 * The normalization part creates pinsync's SQL UDFs (sql/snowflake/normalize-*.sql) and checks them against
 * core/normalize with the golden vectors, a few random batches and every code point (1.1 million generated rows, a
 * few seconds of an X-Small warehouse): what the local fake, which runs the same statements on DuckDB, cannot prove
 * (Snowflake's own regex engine, TRANSLATE, TRIM, CHR and string escapes).
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOutcome, encodeOutcome } from '../../core/normalize/outcome-code.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import { WarehouseError } from '../../core/errors.js';
import type { RowBatch } from '../../core/warehouse.js';
import { SnowflakeWarehouse } from '../../connectors/warehouses/snowflake/snowflake-warehouse.js';
import {
  allOutcomesStatement, createValuesStatement, dropTableStatement, expectedOutcome, FIXED_CASES, installStatements, nodeCodePointAnswers,
  nodeRow, readRows, typedOutcomesStatement,
} from '../normalize/bigquery-snowflake-normalize-harness.js';
import { identifierValue } from '../normalize/identifier-arbitraries.js';
import { readVectors } from '../normalize/normalize-harness.js';

const env = (name: string) => process.env[`PINSYNC_LIVE_SNOWFLAKE_${name}`] || undefined;
const live = process.env.PINSYNC_LIVE === '1' && env('ACCOUNT') !== undefined && env('USERNAME') !== undefined;
const why = live ? '' : ' (skipped: needs network; set PINSYNC_LIVE_SNOWFLAKE_* credentials, then run `npx vitest run -c vitest.live.config.ts`)';
const SYNC = 'live_snowflake';

function liveWarehouse(): SnowflakeWarehouse {
  return new SnowflakeWarehouse({
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
}

describe.skipIf(!live)(`Snowflake live${why}`, () => {
  const warehouse = liveWarehouse();
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

describe.skipIf(!live)(`Snowflake live: normalization SQL identical to Node's${why}`, () => {
  const warehouse = liveWarehouse();
  const own = env('PLANNER_SCHEMA');
  const schema = own ?? `PINSYNC_LIVE_NORM_${randomBytes(4).toString('hex').toUpperCase()}`;
  const table = `${schema}.NORM_VALUES_${randomBytes(4).toString('hex').toUpperCase()}`;
  const run = (sql: string) => readRows(warehouse, sql, SYNC);

  beforeAll(async () => {
    if (own === undefined) await run(`CREATE SCHEMA ${schema}`);
    for (const statement of installStatements('snowflake', schema)) await run(statement);
  });
  afterAll(async () => {
    try {
      if (own === undefined) await run(`DROP SCHEMA IF EXISTS ${schema}`);
      else await run(dropTableStatement(table));
    } finally {
      await warehouse.close();
    }
  });

  it('gives every golden vector its outcome and hash', async () => {
    const vectors = readVectors();
    await run(createValuesStatement('snowflake', table, vectors.map((v) => ({ v: v.input, t: v.type }))));
    const rows = await run(typedOutcomesStatement(schema, table));
    expect(rows.map((r) => decodeOutcome(r[1] as string))).toEqual(vectors.map(expectedOutcome));
  });

  it('gives a binary digest cell its outcome (32 bytes in a *_sha256 column only)', async () => {
    const cells = ["SHA2_BINARY('x', 256)", "TO_BINARY('0102', 'HEX')", "TO_BINARY(CAST(NULL AS VARCHAR), 'HEX')"];
    const bytes = [new Uint8Array(createHash('sha256').update('x').digest()), new Uint8Array([1, 2]), null];
    const cols = cells.flatMap((c, k) => [`${schema}.pinsync_binary_outcome_v1(${c}, TRUE) AS d${k}`, `${schema}.pinsync_binary_outcome_v1(${c}, FALSE) AS t${k}`]);
    const [row] = await run(`SELECT ${cols.join(', ')}`);
    expect(row).toEqual(bytes.flatMap((b) => [encodeOutcome(normalizeIdentifier('email_sha256', b)), encodeOutcome(normalizeIdentifier('email', b))]));
  });

  it('agrees with Node on random values and the fixed hard cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(identifierValue, { minLength: 1, maxLength: 300 }), async (values) => {
        await run(createValuesStatement('snowflake', table, values.map((v) => ({ v }))));
        const rows = await run(allOutcomesStatement(schema, table));
        expect(rows.map((r) => r.slice(1))).toEqual(values.map(nodeRow));
      }),
      { numRuns: 5, examples: [[FIXED_CASES]] },
    );
  });

  it('lowercases, trims and email-matches every code point like Node', async () => {
    // CHR only where the code point is not a surrogate (CHR refuses those, whatever the WHERE is evaluated after).
    const cps = `cps AS (SELECT cp, CASE WHEN cp < 55296 OR cp > 57343 THEN CHR(cp) END AS c
        FROM (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) AS cp FROM TABLE(GENERATOR(ROWCOUNT => 1114111)))
        WHERE cp < 55296 OR cp > 57343)`;
    const node = nodeCodePointAnswers();
    const lowered = await run(`WITH ${cps}, chunks AS (SELECT FLOOR(cp / 64) AS k, LISTAGG(c, '') WITHIN GROUP (ORDER BY cp) AS s FROM cps GROUP BY k)
      SELECT k, ${schema}.pinsync_js_lower_v1(s) AS l FROM chunks ORDER BY k`);
    const wrong = node.loweredChunks.flatMap((chunk, k) => (lowered[k]?.[1] === chunk ? [] : [`chunk U+${(Number(lowered[k]?.[0] ?? k) * 64).toString(16)}`]));
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(lowered).toHaveLength(node.loweredChunks.length);
    const [[spaces, shaped]] = (await run(`WITH ${cps}
      SELECT LISTAGG(IFF(${schema}.pinsync_js_trim_v1(c) = '', cp::VARCHAR, NULL), ',') WITHIN GROUP (ORDER BY cp) AS spaces,
        MD5(LISTAGG(IFF(${schema}.pinsync_js_email_shape_v1('a' || c || '@b.c'), '1', '0'), '') WITHIN GROUP (ORDER BY cp)) AS shaped
      FROM cps`)) as [[string, string]];
    expect(spaces.split(',').map(Number)).toEqual(node.spaces);
    expect(shaped).toBe(node.shaped);
  });
});
