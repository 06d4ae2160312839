/**
 * sql/snowflake/normalize-*.sql against core/normalize. Snowflake has no local engine, so the Snowflake fake executes
 * the statements on DuckDB (test/fakes/dialect-on-duckdb.ts translates Snowflake's literals, $$ bodies and the
 * handful of functions used). The golden vectors and the random values go the whole way a sync's statements would:
 * the real `snowflake-sdk` (through SnowflakeWarehouse) sends the CREATE FUNCTION, CREATE TABLE and SELECT statements
 * over loopback HTTP, the fake runs them, the SDK reads the rows back. The per-code-point check calls
 * the translated functions directly on DuckDB (1.1 million rows is no job for a test's HTTP round trip).
 * What this proves and what only test/warehouses/snowflake-live.test.ts can: see the module doc of the translation.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOutcome, encodeOutcome } from '../../core/normalize/outcome-code.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import type { SnowflakeWarehouse } from '../../connectors/warehouses/snowflake/snowflake-warehouse.js';
import { startSnowflakeFake, type RunningSnowflakeFake } from '../fakes/snowflake-fake.js';
import { openDialectOnDuckDb, type DialectOnDuckDb } from '../fakes/dialect-on-duckdb.js';
import { snowflakeWarehouseFor } from '../warehouses/snowflake-target.js';
import {
  allOutcomesStatement, codePointSql, createValuesStatement, dropTableStatement, expectedOutcome, FIXED_CASES, installStatements, nodeCodePointAnswers,
  nodeRow, readRows, typedOutcomesStatement,
} from './bigquery-snowflake-normalize-harness.js';
import { identifierValue, JS_WHITESPACE, sigmaSoup } from './identifier-arbitraries.js';
import { readVectors, type IdentifierVector } from './normalize-harness.js';

const SCHEMA = 'PINSYNC_PLANNER';
const TABLE = `${SCHEMA}.norm_values_${randomBytes(4).toString('hex')}`;

let fake: RunningSnowflakeFake;
let warehouse: SnowflakeWarehouse;

beforeAll(async () => {
  fake = await startSnowflakeFake({ duckdb: true, pollWaitMs: 1 });
  warehouse = snowflakeWarehouseFor(fake);
  await readRows(warehouse, `CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  for (const statement of installStatements('snowflake', SCHEMA)) await readRows(warehouse, statement);
}, 30_000);

afterAll(async () => {
  await warehouse?.close();
  await fake?.close();
});

const sigmaValue = fc
  .tuple(sigmaSoup, sigmaSoup, fc.constantFrom('', ...JS_WHITESPACE))
  .map(([a, b, ws]) => `${ws}${a}@${b}.c${ws}`);

describe('Snowflake normalization SQL (executed by the fake on DuckDB, over the real SDK)', () => {
  it('creates every function with the statements in sql/snowflake, as Snowflake SQL UDFs', () => {
    const created = fake.duckDbStatements.filter((s) => /^\s*CREATE OR REPLACE FUNCTION/i.test(s));
    expect(created.length).toBe(installStatements('snowflake', SCHEMA).length);
    expect(created.every((s) => s.includes(`${SCHEMA}.pinsync_`) && /\bRETURNS\s+(VARCHAR|BOOLEAN|NUMBER)\s+LANGUAGE SQL IMMUTABLE AS \$\$/.test(s))).toBe(true);
  });

  it('gives every golden vector its outcome and hash', async () => {
    const vectors = readVectors();
    await readRows(warehouse, createValuesStatement('snowflake', TABLE, vectors.map((v) => ({ v: v.input, t: v.type }))));
    const rows = await readRows(warehouse, typedOutcomesStatement(SCHEMA, TABLE));
    const label = (v: IdentifierVector) => `${v.type} ${JSON.stringify(v.input)}`;
    expect(rows.map((r, i) => [label(vectors[i]!), decodeOutcome(r[1] as string)])).toEqual(vectors.map((v) => [label(v), expectedOutcome(v)]));
  });

  it('gives a binary digest cell its outcome (32 bytes in a *_sha256 column only)', async () => {
    const cells = ["SHA2_BINARY('x', 256)", "TO_BINARY('0102', 'HEX')", "TO_BINARY(CAST(NULL AS VARCHAR), 'HEX')"];
    const bytes = [new Uint8Array(createHash('sha256').update('x').digest()), new Uint8Array([1, 2]), null];
    const cols = cells.flatMap((c, k) => [`${SCHEMA}.pinsync_binary_outcome_v1(${c}, TRUE) AS d${k}`, `${SCHEMA}.pinsync_binary_outcome_v1(${c}, FALSE) AS t${k}`]);
    const [row] = await readRows(warehouse, `SELECT ${cols.join(', ')}`);
    expect(row).toEqual(bytes.flatMap((b) => [encodeOutcome(normalizeIdentifier('email_sha256', b)), encodeOutcome(normalizeIdentifier('email', b))]));
  });

  it('agrees with Node on random values (astral, NUL, combining marks, whitespace, Final_Sigma contexts)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ weight: 4, arbitrary: identifierValue }, { weight: 1, arbitrary: sigmaValue }), { minLength: 1, maxLength: 200 }), async (values) => {
        await readRows(warehouse, createValuesStatement('snowflake', TABLE, values.map((v) => ({ v }))));
        const rows = await readRows(warehouse, allOutcomesStatement(SCHEMA, TABLE));
        expect(rows.map((r) => r.slice(1))).toEqual(values.map(nodeRow));
      }),
      { numRuns: 25, examples: [[FIXED_CASES]] },
    );
    await readRows(warehouse, dropTableStatement(TABLE));
  }, 120_000);
});

describe('Snowflake normalization SQL, every code point (translated functions called on DuckDB directly)', () => {
  let engine: DialectOnDuckDb;
  beforeAll(async () => {
    engine = await openDialectOnDuckDb('snowflake');
    await engine.run(`CREATE SCHEMA ${SCHEMA}`);
    for (const statement of installStatements('snowflake', SCHEMA)) await engine.run(statement);
  });
  afterAll(() => engine?.close());

  it('lowercases, trims and email-matches every code point like Node', async () => {
    const [row] = await engine.runDuckDb(codePointSql(SCHEMA));
    const [lowered, spaces, shaped] = row as [string[], number[], string];
    const node = nodeCodePointAnswers();
    const wrong = node.loweredChunks.flatMap((chunk, k) => (lowered[k] === chunk ? [] : [`chunk U+${(k * 64).toString(16)}`]));
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(lowered).toHaveLength(node.loweredChunks.length);
    expect(spaces.map(Number)).toEqual(node.spaces);
    expect(shaped).toBe(node.shaped);
  }, 120_000);
});

