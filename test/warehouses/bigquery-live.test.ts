/**
 * The BigQuery connector against real BigQuery. Off by default: it needs the network and a project, so it runs only
 * with `npx vitest run -c vitest.live.config.ts` (no loopback guard) and these variables:
 *   PINSYNC_LIVE_BIGQUERY_PROJECT   project that runs the jobs (a few MB of bigquery-public-data are scanned)
 *   GOOGLE_APPLICATION_CREDENTIALS  or PINSYNC_LIVE_BIGQUERY_KEY_FILE: a service-account key (else ADC)
 *   PINSYNC_LIVE_BIGQUERY_LOCATION  optional, default US
 */
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../../core/errors.js';
import type { RowBatch } from '../../core/warehouse.js';
import { BigQueryWarehouse } from '../../connectors/warehouses/bigquery/bigquery-warehouse.js';

const project = process.env.PINSYNC_LIVE_BIGQUERY_PROJECT;
const live = process.env.PINSYNC_LIVE === '1' && project !== undefined && project !== '';
const why = live ? '' : ' (skipped: needs network; set PINSYNC_LIVE_BIGQUERY_PROJECT and credentials, then run `npx vitest run -c vitest.live.config.ts`)';
const SYNC = 'live_bigquery';
const SHAKESPEARE = '`bigquery-public-data.samples.shakespeare`';

describe.skipIf(!live)(`BigQuery live${why}`, () => {
  const warehouse = new BigQueryWarehouse({
    name: 'bq_live',
    projectId: project ?? '',
    location: process.env.PINSYNC_LIVE_BIGQUERY_LOCATION || 'US',
    keyFilename: process.env.PINSYNC_LIVE_BIGQUERY_KEY_FILE || undefined,
    maximumBytesBilled: String(100 * 1024 * 1024),
  });
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
