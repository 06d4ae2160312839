/**
 * sql/bigquery/normalize-*.sql against core/normalize. BigQuery has no local engine, so the BigQuery fake executes
 * the statements on DuckDB (test/fakes/dialect-on-duckdb.ts translates GoogleSQL's literals and the handful of
 * functions used). The golden vectors and the random values go the whole way a sync's statements would: the real
 * `@google-cloud/bigquery` client (through BigQueryWarehouse) sends the CREATE FUNCTION, CREATE TABLE and SELECT
 * statements over loopback HTTP, the fake runs them, the client reads the pages back. The per-code-point check calls
 * the translated functions directly on DuckDB (1.1 million rows is no job for a test's HTTP round trip).
 * What this proves and what only test/warehouses/bigquery-live.test.ts can: see the module doc of the translation.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOutcome, encodeOutcome } from '../../core/normalize/outcome-code.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import type { BigQueryWarehouse } from '../../connectors/warehouses/bigquery/bigquery-warehouse.js';
import { startBigQueryFake, type RunningBigQueryFake } from '../fakes/bigquery-fake.js';
import { openDialectOnDuckDb, type DialectOnDuckDb } from '../fakes/dialect-on-duckdb.js';
import { bigQueryWarehouseFor } from '../warehouses/bigquery-target.js';
import {
  allOutcomesStatement, codePointSql, createValuesStatement, dropTableStatement, expectedOutcome, FIXED_CASES, installStatements, nodeCodePointAnswers,
  nodeRow, readRows, typedOutcomesStatement,
} from './bigquery-snowflake-normalize-harness.js';
import { identifierValue, JS_WHITESPACE, sigmaSoup } from './identifier-arbitraries.js';
import { readVectors, type IdentifierVector } from './normalize-harness.js';

const DATASET = 'pinsync_planner';
const TABLE = `${DATASET}.norm_values_${randomBytes(4).toString('hex')}`;

let fake: RunningBigQueryFake;
let warehouse: BigQueryWarehouse;

beforeAll(async () => {
  fake = await startBigQueryFake({ duckdb: true, pollWaitMs: 1 });
  warehouse = bigQueryWarehouseFor(fake, { pollIntervalMs: 1 });
  await readRows(warehouse, `CREATE SCHEMA IF NOT EXISTS ${DATASET}`);
  for (const statement of installStatements('bigquery', DATASET)) await readRows(warehouse, statement);
}, 30_000);

afterAll(async () => {
  await warehouse?.close();
  await fake?.close();
});

const sigmaValue = fc
  .tuple(sigmaSoup, sigmaSoup, fc.constantFrom('', ...JS_WHITESPACE))
  .map(([a, b, ws]) => `${ws}${a}@${b}.c${ws}`);

describe('BigQuery normalization SQL (executed by the fake on DuckDB, over the real client)', () => {
  it('creates every function with the statements in sql/bigquery, as GoogleSQL', () => {
    const created = fake.duckDbStatements.filter((s) => /^\s*CREATE OR REPLACE FUNCTION/i.test(s));
    expect(created.length).toBe(installStatements('bigquery', DATASET).length);
    expect(created.every((s) => s.includes(`${DATASET}.pinsync_`) && /\bRETURNS\s+(STRING|BOOL|INT64)\s+AS\s*\(/.test(s))).toBe(true);
  });

  it('gives every golden vector its outcome and hash', async () => {
    const vectors = readVectors();
    await readRows(warehouse, createValuesStatement('bigquery', TABLE, vectors.map((v) => ({ v: v.input, t: v.type }))));
    const rows = await readRows(warehouse, typedOutcomesStatement(DATASET, TABLE));
    const label = (v: IdentifierVector) => `${v.type} ${JSON.stringify(v.input)}`;
    expect(rows.map((r, i) => [label(vectors[i]!), decodeOutcome(r[1] as string)])).toEqual(vectors.map((v) => [label(v), expectedOutcome(v)]));
  });

  it('gives a binary digest cell its outcome (32 bytes in a *_sha256 column only)', async () => {
    const cells = ["SHA256('x')", "FROM_HEX('0102')", 'FROM_HEX(CAST(NULL AS STRING))'];
    const bytes = [new Uint8Array(createHash('sha256').update('x').digest()), new Uint8Array([1, 2]), null];
    const cols = cells.flatMap((c, k) => [`${DATASET}.pinsync_binary_outcome_v1(${c}, TRUE) AS d${k}`, `${DATASET}.pinsync_binary_outcome_v1(${c}, FALSE) AS t${k}`]);
    const [row] = await readRows(warehouse, `SELECT ${cols.join(', ')}`);
    expect(row).toEqual(bytes.flatMap((b) => [encodeOutcome(normalizeIdentifier('email_sha256', b)), encodeOutcome(normalizeIdentifier('email', b))]));
  });

  it('agrees with Node on random values (astral, NUL, combining marks, whitespace, Final_Sigma contexts)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof({ weight: 4, arbitrary: identifierValue }, { weight: 1, arbitrary: sigmaValue }), { minLength: 1, maxLength: 200 }), async (values) => {
        await readRows(warehouse, createValuesStatement('bigquery', TABLE, values.map((v) => ({ v }))));
        const rows = await readRows(warehouse, allOutcomesStatement(DATASET, TABLE));
        expect(rows.map((r) => r.slice(1))).toEqual(values.map(nodeRow));
      }),
      { numRuns: 25, examples: [[FIXED_CASES]] },
    );
    await readRows(warehouse, dropTableStatement(TABLE));
  }, 120_000);
});

describe('BigQuery normalization SQL, every code point (translated functions called on DuckDB directly)', () => {
  let engine: DialectOnDuckDb;
  beforeAll(async () => {
    engine = await openDialectOnDuckDb('bigquery');
    await engine.run(`CREATE SCHEMA ${DATASET}`);
    for (const statement of installStatements('bigquery', DATASET)) await engine.run(statement);
  });
  afterAll(() => engine?.close());

  it('lowercases, trims and email-matches every code point like Node', async () => {
    const [row] = await engine.runDuckDb(codePointSql(DATASET));
    const [lowered, spaces, shaped] = row as [string[], number[], string];
    const node = nodeCodePointAnswers();
    const wrong = node.loweredChunks.flatMap((chunk, k) => (lowered[k] === chunk ? [] : [`chunk U+${(k * 64).toString(16)}`]));
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(lowered).toHaveLength(node.loweredChunks.length);
    expect(spaces.map(Number)).toEqual(node.spaces);
    expect(shaped).toBe(node.shaped);
  }, 120_000);
});

