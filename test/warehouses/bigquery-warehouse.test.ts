/**
 * BigQuery specifics beyond the shared conformance suite, with the real `@google-cloud/bigquery` client against the
 * local fake: what the client sends (job configuration, paging, polling, cancel, dry runs), how each kind of failure
 * is reported, and how BigQuery's types arrive as cells.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WarehouseError } from '../../core/errors.js';
import type { RowBatch } from '../../core/warehouse.js';
import { BigQueryWarehouse } from '../../connectors/warehouses/bigquery/bigquery-warehouse.js';
import { createWarehouse } from '../../connectors/warehouses/create-warehouse.js';
import { FAKE_SUBJECT_TOKEN, startBigQueryFake, type RunningBigQueryFake } from '../fakes/bigquery-fake.js';
import { minimalConfig, parse } from '../config/config-fixtures.js';
import { bigQueryTable, bigQueryWarehouseFor, presetAuthClient } from './bigquery-target.js';

const SYNC = 'bq_sync';
const PEOPLE = bigQueryTable({
  columns: [
    { name: 'id', type: 'int64' },
    { name: 'email', type: 'text' },
  ],
  rows: Array.from({ length: 25 }, (_, i) => [BigInt(i + 1), `user${i + 1}@example.com`]),
});

let fake: RunningBigQueryFake;
let warehouse: BigQueryWarehouse;

beforeAll(async () => {
  fake = await startBigQueryFake({ tables: { 'crm.people': PEOPLE } });
});
afterAll(async () => {
  await fake.close();
});
afterEach(async () => {
  await warehouse?.close();
  fake.requests.length = 0;
  fake.jobs.clear();
  fake.droppedTables.length = 0;
  for (const key of Object.keys(fake.queries)) delete fake.queries[key];
});

async function readAll(w: BigQueryWarehouse, sql: string, batchSize = 10, signal?: AbortSignal): Promise<RowBatch[]> {
  const batches: RowBatch[] = [];
  for await (const batch of w.read({ sql, syncName: SYNC, batchSize, signal })) batches.push(batch);
  return batches;
}

async function failure(work: () => Promise<unknown>): Promise<WarehouseError> {
  try {
    await work();
  } catch (err) {
    expect(err).toBeInstanceOf(WarehouseError);
    return err as WarehouseError;
  }
  throw new Error('expected a failure');
}

const insertRequests = () => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/jobs'));
const resultRequests = () => fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/queries/'));

describe('BigQuery connector against the fake', () => {
  it('runs a standard-SQL query job with the sync label, location and maximumBytesBilled', async () => {
    warehouse = bigQueryWarehouseFor(fake, { maximumBytesBilled: '1000000000' });
    await readAll(warehouse, 'SELECT * FROM `crm.people`');
    const [insert] = insertRequests();
    expect(insert!.path).toBe(`/bigquery/v2/projects/${fake.projectId}/jobs`);
    expect(insert!.body.configuration).toMatchObject({
      query: { query: 'SELECT * FROM `crm.people`', useLegacySql: false, maximumBytesBilled: '1000000000' },
      labels: { pinsync_sync: SYNC },
      jobTimeoutMs: String(2 * 60 * 60 * 1000),
    });
    expect(insert!.body.jobReference).toMatchObject({ projectId: fake.projectId, location: 'US' });
    expect(insert!.body.jobReference.jobId).toMatch(new RegExp(`^pinsync_${SYNC}_`));
    expect(insert!.headers.authorization).toBe(`Bearer ${fake.accessToken}`);
  });

  it('pages through the results with maxResults = batch size and pageToken, one page per batch', async () => {
    warehouse = bigQueryWarehouseFor(fake);
    const batches = await readAll(warehouse, 'SELECT * FROM `crm.people`', 10);
    expect(batches.map((b) => b.rowCount)).toEqual([10, 10, 5]);
    expect(batches[2]!.columns[1]!.at(-1)).toBe('user25@example.com');
    const pages = resultRequests().map((r) => [r.query.maxResults, r.query.pageToken]);
    expect(pages).toEqual([
      ['10', undefined],
      ['10', 'page-10'],
      ['10', 'page-20'],
    ]);
    // The client must not leak its own options into the request.
    expect(resultRequests()[0]!.query).not.toHaveProperty('autoPaginate');
    expect(resultRequests()[0]!.query).not.toHaveProperty('wrapIntegers');
  });

  it('polls a running job until it completes', async () => {
    fake.queries['SELECT * FROM `crm.people` -- slow'] = { result: PEOPLE, pendingPolls: 3 };
    warehouse = bigQueryWarehouseFor(fake);
    const batches = await readAll(warehouse, 'SELECT * FROM `crm.people` -- slow', 100);
    expect(batches.map((b) => b.rowCount)).toEqual([25]);
    expect(resultRequests()).toHaveLength(4);
  });

  it('cancels the job when aborted while it runs, and reports the abort naming the sync', async () => {
    fake.queries['SELECT 1 -- forever'] = { pendingPolls: Number.POSITIVE_INFINITY };
    warehouse = bigQueryWarehouseFor(fake);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 150);
    const err = await failure(() => readAll(warehouse, 'SELECT 1 -- forever', 10, controller.signal));
    expect(err.code).toBe('PINSYNC_ABORTED');
    expect(err.message).toContain(SYNC);
    const cancels = fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/cancel'));
    expect(cancels).toHaveLength(1);
    const [job] = [...fake.jobs.values()];
    expect(cancels[0]!.path).toContain(job!.jobId);
    expect(job).toMatchObject({ cancelled: true, state: 'DONE' });
  });

  it('cancels the job and reports a timeout when it outlives jobTimeoutMs', async () => {
    fake.queries['SELECT 1 -- forever'] = { pendingPolls: Number.POSITIVE_INFINITY };
    warehouse = bigQueryWarehouseFor(fake, { jobTimeoutMs: 100 });
    const err = await failure(() => readAll(warehouse, 'SELECT 1 -- forever'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_TIMEOUT');
    expect(err.message).toContain(SYNC);
    expect([...fake.jobs.values()][0]!.cancelled).toBe(true);
  });

  it('does not create a job when the signal is already aborted', async () => {
    warehouse = bigQueryWarehouseFor(fake);
    const err = await failure(() => readAll(warehouse, 'SELECT * FROM `crm.people`', 10, AbortSignal.abort()));
    expect(err.code).toBe('PINSYNC_ABORTED');
    expect(insertRequests()).toHaveLength(0);
  });

  it('estimates scanned bytes with a dry run, which creates no job', async () => {
    fake.queries['SELECT email FROM `crm.big`'] = { bytesProcessed: 123_456_789_012, result: PEOPLE };
    warehouse = bigQueryWarehouseFor(fake);
    await expect(warehouse.estimateScanBytes({ sql: 'SELECT email FROM `crm.big`', syncName: SYNC })).resolves.toBe(123_456_789_012);
    expect(insertRequests()[0]!.body.configuration).toMatchObject({ dryRun: true, query: { query: 'SELECT email FROM `crm.big`' } });
    expect(fake.jobs.size).toBe(0);
  });

  it('reports a missing table in a dry run with its name and the sync', async () => {
    warehouse = bigQueryWarehouseFor(fake);
    const err = await failure(() => warehouse.estimateScanBytes({ sql: 'SELECT * FROM `crm.nope`', syncName: SYNC }));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_TABLE_NOT_FOUND');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(err.message).toContain(`${fake.projectId}:crm.nope`);
  });

  it('reports a query over maximumBytesBilled as a quota error that quotes the limit', async () => {
    warehouse = bigQueryWarehouseFor(fake, { maximumBytesBilled: '10' });
    const err = await failure(() => readAll(warehouse, 'SELECT * FROM `crm.people`'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_QUOTA');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(err.message).toContain('maximumBytesBilled (10 bytes)');
  });

  it('reports rejected credentials as an auth error naming the sync', async () => {
    warehouse = bigQueryWarehouseFor(fake, { authClient: presetAuthClient('expired-or-wrong') });
    const err = await failure(() => readAll(warehouse, 'SELECT * FROM `crm.people`'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_AUTH');
    expect(err.message).toContain(`sync ${SYNC}`);
    const checked = await failure(() => warehouse.check());
    expect(checked.code).toBe('PINSYNC_WAREHOUSE_AUTH');
    expect(checked.message).toContain('warehouse bq_test');
  });

  it('reports a key file that does not exist as an auth error, without any request', async () => {
    warehouse = new BigQueryWarehouse({ name: 'bq_key', projectId: fake.projectId, apiEndpoint: fake.url, keyFilename: '/nonexistent/pinsync-key.json' });
    const err = await failure(() => readAll(warehouse, 'SELECT * FROM `crm.people`'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_AUTH');
    expect(err.message).toContain('/nonexistent/pinsync-key.json');
    expect(fake.requests).toHaveLength(0);
  });

  it('reports SQL errors, permission errors and failures while the job runs', async () => {
    warehouse = bigQueryWarehouseFor(fake);
    const syntax = await failure(() => readAll(warehouse, 'SELEC oops'));
    expect(syntax.code).toBe('PINSYNC_WAREHOUSE_SQL');
    expect(syntax.message).toContain(`sync ${SYNC}: BigQuery rejected the SQL`);

    fake.queries['SELECT * FROM `secret.t`'] = {
      error: { code: 403, reason: 'accessDenied', message: 'Access Denied: Table p:secret.t: User does not have permission to query table p:secret.t.' },
      errorAt: 'http',
    };
    const denied = await failure(() => readAll(warehouse, 'SELECT * FROM `secret.t`'));
    expect(denied.code).toBe('PINSYNC_WAREHOUSE_PERMISSION');
    expect(denied.message).toContain('roles/bigquery.jobUser');

    fake.queries['SELECT * FROM `crm.people` -- dies'] = {
      error: { code: 400, reason: 'resourcesExceeded', message: 'Resources exceeded during query execution' },
      pendingPolls: 1,
    };
    const died = await failure(() => readAll(warehouse, 'SELECT * FROM `crm.people` -- dies'));
    expect(died.code).toBe('PINSYNC_WAREHOUSE_QUERY');
    expect(died.message).toContain('Resources exceeded');
  });

  it('reports an unreachable endpoint', async () => {
    const closed = await startBigQueryFake();
    await closed.close();
    warehouse = bigQueryWarehouseFor(closed);
    const err = await failure(() => readAll(warehouse, 'SELECT 1'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_UNREACHABLE');
    expect(err.message).toContain(`sync ${SYNC}`);
  });

  it('keeps INT64, NUMERIC and BIGNUMERIC exact and hands BYTES over as their bytes', async () => {
    const sha = Buffer.alloc(32, 0xab);
    fake.queries['SELECT typed'] = {
      result: {
        columns: [
          { name: 'i', type: 'INT64' },
          { name: 'num', type: 'NUMERIC' },
          { name: 'bignum', type: 'BIGNUMERIC' },
          { name: 'hash', type: 'BYTES' },
          { name: 'f', type: 'FLOAT64' },
          { name: 'b', type: 'BOOL' },
          { name: 'd', type: 'DATE' },
          { name: 'ts', type: 'TIMESTAMP' },
          { name: 's', type: 'STRING' },
        ],
        rows: [
          ['9223372036854775807', '12345678901234567890123456789.123456789', '123456789012345678901234567890123456789', sha.toString('base64'), '0.5', 'true', '2024-02-29', '1672574400123456', 'Zoë'],
          ['-9007199254740993', '-0.000000001', '0', null, null, null, null, null, null],
        ],
      },
    };
    warehouse = bigQueryWarehouseFor(fake);
    const [batch] = await readAll(warehouse, 'SELECT typed');
    const row = (r: number) => batch!.columns.map((c) => c[r]);
    expect(row(0)).toEqual([
      '9223372036854775807',
      '12345678901234567890123456789.123456789',
      '123456789012345678901234567890123456789',
      new Uint8Array(sha),
      0.5,
      true,
      '2024-02-29',
      '2023-01-01T12:00:00.123456000Z', // the client's PreciseDate rendering, nanoseconds included
      'Zoë',
    ]);
    expect(row(1)).toEqual(['-9007199254740993', '-0.000000001', '0', null, null, null, null, null, null]);
  });

  it('unwraps JSON strings and keeps JSON numbers exact, whatever a STRING column holds', async () => {
    fake.queries['SELECT json'] = {
      result: {
        columns: [
          { name: 'j', type: 'JSON' },
          { name: 's', type: 'STRING' },
        ],
        rows: [
          ['"a@b.co"', '"a@b.co"'],
          ['null', 'null'],
          ['12345678901234567890', '12'],
          ['true', 'true'],
          ['{"email":"x@y.co","n":1}', '{}'],
          ['["a@b.co"]', '[]'],
          [null, null],
        ],
      },
    };
    warehouse = bigQueryWarehouseFor(fake);
    const [batch] = await readAll(warehouse, 'SELECT json');
    expect(batch!.columns[0]).toEqual(['a@b.co', null, '12345678901234567890', true, { email: 'x@y.co', n: 1 }, ['a@b.co'], null]);
    // Only the column's type decides: text that looks like JSON stays exactly as it is.
    expect(batch!.columns[1]).toEqual(['"a@b.co"', 'null', '12', 'true', '{}', '[]', null]);
  });

  it('hands ARRAY and STRUCT cells over as arrays and objects: a field named value never stands for the struct', async () => {
    const bytes = Buffer.from('not a digest');
    fake.queries['SELECT nested'] = {
      result: {
        columns: [
          { name: 'tags', type: 'ARRAY<STRING>' },
          { name: 'rec', type: 'STRUCT<value STRING>' },
          { name: 'blobs', type: 'ARRAY<BYTES>' },
          { name: 'deep', type: 'STRUCT<value BYTES, n INT64, items ARRAY<STRUCT<value STRING>>>' },
        ],
        rows: [
          [
            JSON.stringify(['a@b.co', 'c@d.co']),
            JSON.stringify({ value: 'struct@example.com' }),
            JSON.stringify([bytes.toString('base64')]),
            JSON.stringify({ value: bytes.toString('base64'), n: '9007199254740993', items: [{ value: 'x' }] }),
          ],
          [null, null, null, null],
        ],
      },
    };
    warehouse = bigQueryWarehouseFor(fake);
    const [batch] = await readAll(warehouse, 'SELECT nested');
    const row = (r: number) => batch!.columns.map((c) => c[r]);
    expect(row(0)).toEqual([
      ['a@b.co', 'c@d.co'],
      { value: 'struct@example.com' },
      [new Uint8Array(bytes)],
      { value: new Uint8Array(bytes), n: '9007199254740993', items: [{ value: 'x' }] },
    ]);
    // BigQuery returns a NULL array as an empty one; a NULL struct stays null.
    expect(row(1)).toEqual([[], null, [], null]);
    // Whatever prints these cells never shows Node's Buffer serialization.
    expect(JSON.stringify(batch!.columns)).not.toContain('"type":"Buffer"');
  });

  it.each([
    ['rateLimitExceeded', 403, 'job'],
    ['jobRateLimitExceeded', 400, 'job'],
    ['backendError', 503, 'results'],
    ['internalError', 500, 'results'],
  ] as const)('re-runs a job that failed with %s as a new job, with backoff, and reads its rows once', async (reason, code, at) => {
    const sql = `SELECT * FROM \`crm.people\` -- ${reason}`;
    fake.queries[sql] = { result: PEOPLE, failJobs: { times: 2, at, error: { code, reason, message: `Job failed: ${reason}` } } };
    warehouse = bigQueryWarehouseFor(fake, { jobRetryDelayMs: 1 });
    const batches = await readAll(warehouse, sql, 10);
    expect(batches.map((b) => b.rowCount)).toEqual([10, 10, 5]);
    const ids = insertRequests().map((r) => r.body.jobReference.jobId as string);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    for (const id of ids) expect(id).toMatch(new RegExp(`^pinsync_${SYNC}_`));
  });

  it('gives up after jobRetries re-runs, naming the attempts and the reason', async () => {
    const sql = 'SELECT * FROM `crm.people` -- always busy';
    fake.queries[sql] = { result: PEOPLE, failJobs: { times: 100, error: { code: 403, reason: 'rateLimitExceeded', message: 'Exceeded rate limits: too many concurrent queries' } } };
    warehouse = bigQueryWarehouseFor(fake, { jobRetries: 2, jobRetryDelayMs: 1 });
    const err = await failure(() => readAll(warehouse, sql));
    expect(insertRequests()).toHaveLength(3);
    expect(err.code).toBe('PINSYNC_WAREHOUSE_QUOTA');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(err.message).toContain('too many concurrent queries');
    expect(err.message).toContain('3 attempts');
  });

  it('never re-runs a job once rows were delivered, nor one that failed for a reason retrying cannot fix', async () => {
    const sql = 'SELECT * FROM `crm.people` -- dies mid-stream';
    fake.queries[sql] = { result: PEOPLE, failAfterRows: { rows: 10, error: { code: 503, reason: 'backendError', message: 'Error encountered during execution.' } } };
    warehouse = bigQueryWarehouseFor(fake, { jobRetryDelayMs: 1 });
    let delivered = 0;
    const midStream = await failure(async () => {
      for await (const b of warehouse.read({ sql, syncName: SYNC, batchSize: 10 })) delivered += b.rowCount;
    });
    expect(midStream.message).toContain('Error encountered during execution');
    expect(delivered).toBe(10);
    expect(insertRequests()).toHaveLength(1);

    fake.requests.length = 0;
    const invalid = 'SELECT * FROM `crm.people` -- resources';
    fake.queries[invalid] = { result: PEOPLE, failJobs: { times: 1, error: { code: 400, reason: 'resourcesExceeded', message: 'Resources exceeded during query execution' } } };
    const err = await failure(() => readAll(warehouse, invalid));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_QUERY');
    expect(insertRequests()).toHaveLength(1);
  });

  it('stops waiting between re-runs when aborted', async () => {
    const sql = 'SELECT * FROM `crm.people` -- busy then aborted';
    fake.queries[sql] = { result: PEOPLE, failJobs: { times: 100, error: { code: 500, reason: 'backendError', message: 'Backend error' } } };
    warehouse = bigQueryWarehouseFor(fake, { jobRetries: 5, jobRetryDelayMs: 60_000 });
    const controller = new AbortController();
    const reading = failure(() => readAll(warehouse, sql, 10, controller.signal));
    await vi.waitFor(() => expect(insertRequests()).toHaveLength(1));
    controller.abort();
    const err = await reading;
    expect(err.code).toBe('PINSYNC_ABORTED');
    expect(insertRequests()).toHaveLength(1);
  });

  it('reports responseTooLarge with its own code and the fix, and writes to a table in resultsDataset when set', async () => {
    const sql = 'SELECT * FROM `crm.people` -- huge';
    fake.queries[sql] = {
      result: PEOPLE,
      errorAt: 'job',
      error: { code: 403, reason: 'responseTooLarge', message: 'Response too large to return. Consider specifying a destination table in your job configuration.' },
    };
    warehouse = bigQueryWarehouseFor(fake, { jobRetryDelayMs: 1 });
    const err = await failure(() => readAll(warehouse, sql));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_RESPONSE_TOO_LARGE');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(err.message).toContain('resultsDataset');
    expect(insertRequests()).toHaveLength(1);
    await warehouse.close();

    fake.requests.length = 0;
    warehouse = bigQueryWarehouseFor(fake, { resultsDataset: 'pinsync_results' });
    const batches = await readAll(warehouse, sql, 100);
    expect(batches.map((b) => b.rowCount)).toEqual([25]);
    const [insert] = insertRequests();
    const destination = insert!.body.configuration.query.destinationTable;
    expect(destination).toMatchObject({ projectId: fake.projectId, datasetId: 'pinsync_results' });
    expect(destination.tableId).toMatch(new RegExp(`^pinsync_${SYNC}_`));
    expect(insert!.body.configuration.query).toMatchObject({ writeDisposition: 'WRITE_TRUNCATE', createDisposition: 'CREATE_IF_NEEDED' });
    // The table is dropped once read: results do not pile up in the user's dataset.
    expect(fake.droppedTables).toEqual([`${fake.projectId}.pinsync_results.${destination.tableId}`]);
  });

  it('fetches the next page while the caller still works on the current one, and only one page ahead', async () => {
    warehouse = bigQueryWarehouseFor(fake);
    const pageTokens = () => resultRequests().map((r) => r.query.pageToken);
    const iterator = warehouse.read({ sql: 'SELECT * FROM `crm.people`', syncName: SYNC, batchSize: 10 })[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value.rowCount).toBe(10);
    // The caller has not asked for the second batch, yet its page is already on the way.
    await vi.waitFor(() => expect(pageTokens()).toContain('page-10'));
    expect(pageTokens()).not.toContain('page-20');
    const second = await iterator.next();
    expect(second.value.rowCount).toBe(10);
    await vi.waitFor(() => expect(pageTokens()).toContain('page-20'));
    await iterator.return?.();
  });

  it('hands over no prefetched page once aborted', async () => {
    warehouse = bigQueryWarehouseFor(fake);
    const controller = new AbortController();
    const iterator = warehouse.read({ sql: 'SELECT * FROM `crm.people`', syncName: SYNC, batchSize: 10, signal: controller.signal })[Symbol.asyncIterator]();
    await iterator.next();
    const [job] = [...fake.jobs.values()];
    // The second page has been served to the client: it sits in the connector, not yet handed over.
    await vi.waitFor(() => expect(job!.pagesServed).toBe(2));
    controller.abort();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'PINSYNC_ABORTED' });
  });

  it('serves the emulator-style paths without /bigquery/v2 (BIGQUERY_EMULATOR_HOST)', async () => {
    const previous = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = fake.url;
    try {
      warehouse = new BigQueryWarehouse({ projectId: fake.projectId, authClient: presetAuthClient(fake.accessToken), pollIntervalMs: 5 });
      const batches = await readAll(warehouse, 'SELECT * FROM `crm.people`', 100);
      expect(batches[0]!.rowCount).toBe(25);
      expect(fake.requests[0]!.path).toBe(`/projects/${fake.projectId}/jobs`);
    } finally {
      if (previous === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = previous;
    }
  });

  it('authenticates from config credentials alone (an external_account whose token exchange is the fake)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-bq-'));
    try {
      const subject = join(dir, 'subject-token');
      await writeFile(subject, FAKE_SUBJECT_TOKEN);
      const built = await createWarehouse('bq', { type: 'bigquery', projectId: fake.projectId, apiEndpoint: fake.url, credentials: fake.externalAccountCredentials(subject) });
      warehouse = built as BigQueryWarehouse;
      await built.check();
      const batches: RowBatch[] = [];
      for await (const b of built.read({ sql: 'SELECT * FROM `crm.people`', syncName: SYNC, batchSize: 100 })) batches.push(b);
      expect(batches[0]!.rowCount).toBe(25);
      expect(fake.requests.filter((r) => r.path === '/v1/token')).toHaveLength(1);
      await writeFile(subject, 'not-the-token');
      const refused = await createWarehouse('bq', { type: 'bigquery', projectId: fake.projectId, apiEndpoint: fake.url, credentials: fake.externalAccountCredentials(subject) });
      const err = await failure(() => refused.check());
      expect(err.code).toBe('PINSYNC_WAREHOUSE_AUTH');
      expect(err.message).toContain('warehouse bq');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes jobTimeoutMs, jobRetries and resultsDataset from the config entry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-bq-'));
    try {
      const subject = join(dir, 'subject-token');
      await writeFile(subject, FAKE_SUBJECT_TOKEN);
      const sql = 'SELECT * FROM `crm.people` -- configured';
      fake.queries[sql] = { result: PEOPLE, failJobs: { times: 5, error: { code: 500, reason: 'backendError', message: 'Backend error' } } };
      const c = minimalConfig();
      c.warehouses.bq = {
        type: 'bigquery', projectId: fake.projectId, apiEndpoint: fake.url, credentials: fake.externalAccountCredentials(subject),
        jobTimeoutMs: '60000', maxRetries: '0', jobRetries: '1', resultsDataset: `${fake.projectId}.scratch`,
      };
      warehouse = (await createWarehouse('bq', parse(c).warehouses.bq!)) as BigQueryWarehouse;
      const err = await failure(() => readAll(warehouse, sql));
      expect(err.message).toContain('2 attempts');
      const inserts = insertRequests();
      expect(inserts).toHaveLength(2);
      expect(inserts[0]!.body.configuration.jobTimeoutMs).toBe('60000');
      expect(inserts[0]!.body.configuration.query.destinationTable).toMatchObject({ projectId: fake.projectId, datasetId: 'scratch' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('is built by createWarehouse from a config entry, with key file or inline credentials', async () => {
    const fromKey = await createWarehouse('bq', { type: 'bigquery', projectId: 'p', location: 'EU', keyFilename: '/keys/sa.json' });
    expect(fromKey).toBeInstanceOf(BigQueryWarehouse);
    expect(fromKey.engine).toBe('bigquery');
    const credentials = { type: 'service_account', client_email: 'svc@p.iam.gserviceaccount.com', private_key: 'not-a-real-key' };
    const inline = await createWarehouse('bq', { type: 'bigquery', projectId: 'p', credentials });
    // The client is built lazily; reaching into it shows what google-auth-library was given (no request is made).
    const client = async (w: unknown) => (await (w as { bigQuery(): Promise<{ authClient: { keyFilename?: string; jsonContent?: unknown } }> }).bigQuery()).authClient;
    expect((await client(fromKey)).keyFilename).toBe('/keys/sa.json');
    expect((await client(inline)).jsonContent).toEqual(credentials);
  });
});
