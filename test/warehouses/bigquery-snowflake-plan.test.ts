/**
 * `pinsync plan` end to end over BigQuery and Snowflake: the CLI (in process) reads a YAML config whose warehouses
 * point at the local fakes through config alone (BigQuery: `apiEndpoint` plus an external_account credential whose
 * token exchange is the fake; Snowflake: `accessUrl` and a password), so the factory, the lazy SDK loading, the
 * dry-run estimate and the streamed ingest all run as in production.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import type { SyncReport } from '../../core/sync-report.js';
import { FAKE_SUBJECT_TOKEN, startBigQueryFake, type RunningBigQueryFake } from '../fakes/bigquery-fake.js';
import { startSnowflakeFake, type RunningSnowflakeFake } from '../fakes/snowflake-fake.js';
import { bigQueryTable } from './bigquery-target.js';
import { FAKE_USER, snowflakeTable } from './snowflake-target.js';

const PEOPLE = {
  columns: [
    { name: 'id', type: 'int64' as const },
    { name: 'email', type: 'text' as const },
  ],
  rows: [
    [9007199254740993n, 'Alice@Example.com'],
    [2n, 'bob@example.com'],
    [3n, null],
    [4n, 'not-an-email'],
  ],
};

let dir: string;
let bq: RunningBigQueryFake;
let sf: RunningSnowflakeFake;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-bq-sf-plan-'));
  bq = await startBigQueryFake({ tables: { 'crm.people': bigQueryTable(PEOPLE) }, pendingPolls: 1 });
  sf = await startSnowflakeFake({
    tables: { PEOPLE: snowflakeTable({ columns: PEOPLE.columns.map((c) => ({ ...c, name: c.name.toUpperCase() })), rows: PEOPLE.rows }) },
  });
  await writeFile(join(dir, 'subject-token'), FAKE_SUBJECT_TOKEN);
  const credentials = JSON.stringify(bq.externalAccountCredentials(join(dir, 'subject-token')));
  await writeFile(
    join(dir, 'pinsync.yaml'),
    [
      'state: duckdb:state.duckdb',
      'warehouses:',
      `  bq: { type: bigquery, projectId: ${bq.projectId}, location: US, apiEndpoint: "${bq.url}", maximumBytesBilled: "1000000", credentials: '${credentials}' }`,
      `  sf: { type: snowflake, account: ${sf.account}, username: ${FAKE_USER.username}, password: "\${SF_PASSWORD}", warehouse: WH, database: DB, schema: PUBLIC, accessUrl: "${sf.url}", statementTimeoutSeconds: 600 }`,
      'destinations:',
      '  pinterest:',
      '    type: pinterest',
      '    adAccountId: "549755885175"',
      '    apiBaseUrl: http://127.0.0.1:9/v5',
      '    auth: { accessToken: never-used-by-plan }',
      'syncs:',
      '  - name: bq_people',
      '    warehouse: bq',
      '    destination: pinterest',
      '    query: select id, email from `crm.people`',
      '    identifiers: { email: email }',
      '    audience: { name: BigQuery people }',
      '  - name: sf_people',
      '    warehouse: sf',
      '    destination: pinterest',
      '    table: PEOPLE',
      '    identifiers: { email: email }',
      '    audience: { name: Snowflake people }',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await bq?.close();
  await sf?.close();
  await rm(dir, { recursive: true, force: true });
});

async function plan(): Promise<{ code: number; reports: SyncReport[]; stderr: string }> {
  const res = await runCli(['plan', '--format', 'json', '-c', join(dir, 'pinsync.yaml')], {
    env: { SF_PASSWORD: FAKE_USER.password, PINSYNC_LOG_LEVEL: 'warn' },
    cwd: dir,
  });
  try {
    return { code: res.code, reports: (JSON.parse(res.stdout) as { syncs: SyncReport[] }).syncs, stderr: res.stderr };
  } catch {
    throw new Error(`plan printed no JSON (exit ${res.code}).\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  }
}

describe('pinsync plan over BigQuery and Snowflake fakes', () => {
  it('reads both warehouses, shows the BigQuery scan estimate, and tags the work per sync', async () => {
    const { code, reports, stderr } = await plan();
    expect(code, stderr).toBe(0);
    const [bqReport, sfReport] = reports;
    for (const report of [bqReport!, sfReport!]) {
      expect(report.error ?? undefined).toBeUndefined(); // JSON carries undefined as null
      expect(report.sourceRows).toBe(4);
      expect(report.columns[0]).toMatchObject({ hashed: 2, empty: 1, rejected: { invalid_email: 1 } });
      expect(report.diff.adds).toBe(2);
    }
    expect(bqReport!.scanBytes).toBeGreaterThan(0);
    expect(sfReport!.scanBytes ?? undefined).toBeUndefined();

    const inserts = bq.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/jobs')).map((r) => r.body.configuration);
    expect(inserts.map((c) => Boolean(c.dryRun))).toEqual([true, false]);
    expect(inserts[1]).toMatchObject({ labels: { pinsync_sync: 'bq_people' }, query: { maximumBytesBilled: '1000000' } });
    expect(sf.queries.map((q) => [q.sqlText, q.queryTag])).toEqual([
      ['ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 600', 'pinsync:sf_people'],
      ['SELECT * FROM PEOPLE', 'pinsync:sf_people'],
    ]);
    expect(sf.openSessions()).toBe(0);
  });

  it('fails a sync whose table is missing with a message naming the sync, and still runs the other', async () => {
    delete sf.tables.PEOPLE;
    try {
      const { code, reports } = await plan();
      expect(code).toBe(1);
      expect(reports[0]!.error ?? undefined).toBeUndefined();
      expect(reports[1]!.error).toMatchObject({ code: 'PINSYNC_WAREHOUSE_TABLE_NOT_FOUND' });
      expect(reports[1]!.error!.message).toContain('sync sf_people');
      expect(reports[1]!.error!.message).toContain("'PEOPLE'");
    } finally {
      sf.tables.PEOPLE = snowflakeTable({ columns: PEOPLE.columns.map((c) => ({ ...c, name: c.name.toUpperCase() })), rows: PEOPLE.rows });
    }
  });
});
