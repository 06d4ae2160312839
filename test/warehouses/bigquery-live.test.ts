/**
 * The BigQuery connector against real BigQuery. Off by default: it needs the network and a project, so it runs only
 * with `npx vitest run -c vitest.live.config.ts` (no loopback guard) and these variables:
 *   PINSYNC_LIVE_BIGQUERY_PROJECT   project that runs the jobs (a few MB of bigquery-public-data are scanned)
 *   GOOGLE_APPLICATION_CREDENTIALS  or PINSYNC_LIVE_BIGQUERY_KEY_FILE: a service-account key (else ADC)
 *   PINSYNC_LIVE_BIGQUERY_LOCATION  optional, default US
 *   PINSYNC_LIVE_BIGQUERY_DATASET   optional: an existing dataset for the normalization functions (else the test
 *                                   creates pinsync_live_norm_<random> and drops it; that needs bigquery.datasets.create)
 * The normalization part creates pinsync's SQL functions (sql/bigquery/normalize-*.sql) and checks them against
 * core/normalize with the golden vectors, a few random batches and every code point: what the local fake, which runs
 * the same statements on DuckDB, cannot prove (BigQuery's own RE2, TRANSLATE, TRIM and string escapes). It scans no
 * table but its own few rows.
 */
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeOutcome, encodeOutcome } from '../../core/normalize/outcome-code.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import { WarehouseError } from '../../core/errors.js';
import type { RowBatch } from '../../core/warehouse.js';
import { BigQueryWarehouse } from '../../connectors/warehouses/bigquery/bigquery-warehouse.js';
import {
  allOutcomesStatement, createValuesStatement, dropTableStatement, expectedOutcome, FIXED_CASES, installStatements, nodeCodePointAnswers,
  nodeRow, readRows, typedOutcomesStatement,
} from '../normalize/bigquery-snowflake-normalize-harness.js';
import { identifierValue } from '../normalize/identifier-arbitraries.js';
import { readVectors } from '../normalize/normalize-harness.js';

const project = process.env.PINSYNC_LIVE_BIGQUERY_PROJECT;
const live = process.env.PINSYNC_LIVE === '1' && project !== undefined && project !== '';
const why = live ? '' : ' (skipped: needs network; set PINSYNC_LIVE_BIGQUERY_PROJECT and credentials, then run `npx vitest run -c vitest.live.config.ts`)';
const SYNC = 'live_bigquery';
const SHAKESPEARE = '`bigquery-public-data.samples.shakespeare`';

function liveWarehouse(): BigQueryWarehouse {
  return new BigQueryWarehouse({
    name: 'bq_live',
    projectId: project ?? '',
    location: process.env.PINSYNC_LIVE_BIGQUERY_LOCATION || 'US',
    keyFilename: process.env.PINSYNC_LIVE_BIGQUERY_KEY_FILE || undefined,
    maximumBytesBilled: String(100 * 1024 * 1024),
  });
}

describe.skipIf(!live)(`BigQuery live${why}`, () => {
  const warehouse = liveWarehouse();
  afterAll(() => warehouse.close());

  const readAll = async (sql: string, batchSize: number) => {
    const batches: RowBatch[] = [];
    for await (const b of warehouse.read({ sql, syncName: SYNC, batchSize })) batches.push(b);
    return batches;
  };

  it('checks the credentials and estimates scanned bytes with a dry run', async () => {
    await warehouse.check();
    const bytes = await warehouse.estimateScanBytes({ sql: `SELECT word FROM ${SHAKESPEARE}`, syncName: SYNC });
    expect(bytes).toBeGreaterThan(0);
  });

  it('pages a result into exact batches', async () => {
    const batches = await readAll(`SELECT word, word_count FROM ${SHAKESPEARE} ORDER BY word, corpus LIMIT 2500`, 1000);
    expect(batches.map((b) => b.rowCount)).toEqual([1000, 1000, 500]);
    expect(batches[0]!.columnNames).toEqual(['word', 'word_count']);
  });

  it('keeps INT64 beyond 2^53 exact', async () => {
    const [batch] = await readAll('SELECT 9007199254740993 AS n, CAST(NULL AS INT64) AS z', 10);
    expect(batch!.columns.map((c) => c[0])).toEqual(['9007199254740993', null]);
  });

  // The same cells the local fake sends for these types (test/fakes/bigquery-fake.ts): this is where that is proven.
  it('hands JSON, BYTES, BIGNUMERIC, ARRAY and STRUCT cells over as the fake says BigQuery sends them', async () => {
    const sql =
      `SELECT JSON '"A@b.co"' AS j, JSON 'null' AS jn, SHA256('x') AS b, BIGNUMERIC '12345678901234567890123456789012345678' AS d, ` +
      `['a@b.co'] AS a, CAST(NULL AS ARRAY<STRING>) AS an, STRUCT('s@b.co' AS value) AS s`;
    const [batch] = await readAll(sql, 10);
    const row = Object.fromEntries(batch!.columnNames.map((name, i) => [name, batch!.columns[i]![0]]));
    expect(row).toEqual({
      j: 'A@b.co',
      jn: null,
      b: new Uint8Array(createHash('sha256').update('x').digest()),
      d: '12345678901234567890123456789012345678',
      a: ['a@b.co'],
      an: [],
      s: { value: 's@b.co' },
    });
  });

  it('names the sync and the table when the table does not exist', async () => {
    const err = await readAll(`SELECT * FROM \`${project}.pinsync_no_such_dataset.pinsync_no_such_table\``, 10).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseError);
    expect((err as WarehouseError).message).toContain(SYNC);
    expect((err as WarehouseError).message).toContain('pinsync_no_such');
  });
});

describe.skipIf(!live)(`BigQuery live: normalization SQL identical to Node's${why}`, () => {
  const warehouse = liveWarehouse();
  const own = process.env.PINSYNC_LIVE_BIGQUERY_DATASET || undefined;
  const dataset = own ?? `pinsync_live_norm_${randomBytes(4).toString('hex')}`;
  const table = `${dataset}.norm_values_${randomBytes(4).toString('hex')}`;
  const run = (sql: string) => readRows(warehouse, sql, SYNC);

  beforeAll(async () => {
    if (own === undefined) {
      const location = process.env.PINSYNC_LIVE_BIGQUERY_LOCATION || 'US';
      await run(`CREATE SCHEMA ${dataset} OPTIONS (location = '${location}')`);
    }
    for (const statement of installStatements('bigquery', dataset)) await run(statement);
  });
  afterAll(async () => {
    try {
      if (own === undefined) await run(`DROP SCHEMA IF EXISTS ${dataset} CASCADE`);
      else await run(dropTableStatement(table));
    } finally {
      await warehouse.close();
    }
  });

  it('gives every golden vector its outcome and hash', async () => {
    const vectors = readVectors();
    await run(createValuesStatement('bigquery', table, vectors.map((v) => ({ v: v.input, t: v.type }))));
    const rows = await run(typedOutcomesStatement(dataset, table));
    expect(rows.map((r) => decodeOutcome(r[1] as string))).toEqual(vectors.map(expectedOutcome));
  });

  it('gives a binary digest cell its outcome (32 bytes in a *_sha256 column only)', async () => {
    const cells = ["SHA256('x')", "FROM_HEX('0102')", 'FROM_HEX(CAST(NULL AS STRING))'];
    const bytes = [new Uint8Array(createHash('sha256').update('x').digest()), new Uint8Array([1, 2]), null];
    const cols = cells.flatMap((c, k) => [`${dataset}.pinsync_binary_outcome_v1(${c}, TRUE) AS d${k}`, `${dataset}.pinsync_binary_outcome_v1(${c}, FALSE) AS t${k}`]);
    const [row] = await run(`SELECT ${cols.join(', ')}`);
    expect(row).toEqual(bytes.flatMap((b) => [encodeOutcome(normalizeIdentifier('email_sha256', b)), encodeOutcome(normalizeIdentifier('email', b))]));
  });

  it('agrees with Node on random values and the fixed hard cases', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(identifierValue, { minLength: 1, maxLength: 300 }), async (values) => {
        await run(createValuesStatement('bigquery', table, values.map((v) => ({ v }))));
        const rows = await run(allOutcomesStatement(dataset, table));
        expect(rows.map((r) => r.slice(1))).toEqual(values.map(nodeRow));
      }),
      { numRuns: 5, examples: [[FIXED_CASES]] },
    );
  });

  it('lowercases, trims and email-matches every code point like Node', async () => {
    // Code points 1..0x10FFFF without the surrogates, built from two small arrays (GENERATE_ARRAY is bounded).
    const cps = `cps AS (SELECT cp, SAFE.CODE_POINTS_TO_STRING([cp]) AS c
        FROM (SELECT hi * 1024 + lo AS cp FROM UNNEST(GENERATE_ARRAY(0, 1087)) AS hi CROSS JOIN UNNEST(GENERATE_ARRAY(0, 1023)) AS lo)
        WHERE cp BETWEEN 1 AND 1114111 AND (cp < 55296 OR cp > 57343))`;
    const node = nodeCodePointAnswers();
    const lowered = await run(`WITH ${cps}, chunks AS (SELECT DIV(cp, 64) AS k, STRING_AGG(c, '' ORDER BY cp) AS s FROM cps GROUP BY k)
      SELECT k, ${dataset}.pinsync_js_lower_v1(s) AS l FROM chunks ORDER BY k`);
    const wrong = node.loweredChunks.flatMap((chunk, k) => (lowered[k]?.[1] === chunk ? [] : [`chunk U+${(Number(lowered[k]?.[0] ?? k) * 64).toString(16)}`]));
    expect(wrong.slice(0, 20)).toEqual([]);
    expect(lowered).toHaveLength(node.loweredChunks.length);
    const [[spaces, shaped]] = (await run(`WITH ${cps}
      SELECT STRING_AGG(IF(${dataset}.pinsync_js_trim_v1(c) = '', CAST(cp AS STRING), NULL), ',' ORDER BY cp) AS spaces,
        TO_HEX(MD5(STRING_AGG(IF(${dataset}.pinsync_js_email_shape_v1(CONCAT('a', c, '@b.c')), '1', '0'), '' ORDER BY cp))) AS shaped
      FROM cps`)) as [[string, string]];
    expect(spaces.split(',').map(Number)).toEqual(node.spaces);
    expect(shaped).toBe(node.shaped);
  });
});
