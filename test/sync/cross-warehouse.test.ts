/**
 * Normalization must not depend on the warehouse: the same rows synced from DuckDB, a real PostgreSQL server, and
 * the real BigQuery and Snowflake SDKs (against local fakes) end as identical memberships on Pinterest.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_SUBJECT_TOKEN, startBigQueryFake, type RunningBigQueryFake } from '../fakes/bigquery-fake.js';
import { startSnowflakeFake, type RunningSnowflakeFake } from '../fakes/snowflake-fake.js';
import { pinterestDestinationLines, seedPgTable } from '../helpers/postgres-sync.js';
import { expectedHashes, type Person, SyncFixture } from '../helpers/sync-fixture.js';
import { bigQueryTable } from '../warehouses/bigquery-target.js';
import { pgTestUrl } from '../warehouses/postgres-target.js';
import { FAKE_USER, snowflakeTable } from '../warehouses/snowflake-target.js';

// Messy on purpose: case, padding, Unicode (final sigma, dotted İ), prehashed values, zero and broken device ids.
const PEOPLE: Person[] = [
  { email: 'alice@example.com', gaid: '38400000-8cf0-11bd-b23e-10b96e40000d', idfa: null },
  { email: '  Alice.Two@Example.COM ', gaid: null, idfa: 'E621E1F8-C36C-495A-93FC-0C247A3E6E5F' },
  { email: 'ΟΔΥΣΣΕΥΣ@example.gr', gaid: '00000000-0000-0000-0000-000000000000', idfa: null },
  { email: 'İstanbul@example.com.tr', gaid: 'not-a-uuid', idfa: null },
  { email: '7B34211350FF567970974E1E2B98D319A601969E74FD1A957BC889B8332D00EB', gaid: null, idfa: null },
  { email: 'not-an-email', gaid: null, idfa: 'b693983458c90a77f7e7b8e16b6e1f77e5c2a299513bc32320f127e5cc8754f2' },
  { email: null, gaid: ' 38400000-8CF0-11BD-B23E-10B96E40000E ', idfa: null },
  { email: 'désirée@exemple.fr', gaid: null, idfa: null },
];
const TABLE = 'pinsync_cross_people';

let fx: SyncFixture;
let bq: RunningBigQueryFake;
let sf: RunningSnowflakeFake;

beforeAll(async () => {
  fx = await SyncFixture.create();
  await fx.setPeople(PEOPLE);

  const rows = PEOPLE.map((p) => [p.email ?? null, p.gaid ?? null, p.idfa ?? null]);
  await seedPgTable(TABLE, 'email text, gaid text, idfa text', rows);

  const columns = [
    { name: 'email', type: 'text' as const },
    { name: 'gaid', type: 'text' as const },
    { name: 'idfa', type: 'text' as const },
  ];
  bq = await startBigQueryFake({ tables: { 'crm.people': bigQueryTable({ columns, rows }) } });
  sf = await startSnowflakeFake({ tables: { PEOPLE: snowflakeTable({ columns: columns.map((c) => ({ ...c, name: c.name.toUpperCase() })), rows }) } });
  await writeFile(join(fx.dir, 'subject-token'), FAKE_SUBJECT_TOKEN);
  const credentials = JSON.stringify(bq.externalAccountCredentials(join(fx.dir, 'subject-token')));

  const sync = (name: string, warehouse: string, source: string) => [
    `  - name: ${name}`,
    `    warehouse: ${warehouse}`,
    `    ${source}`,
    '    identifiers: { email: email, gaid: maid, idfa: idfa }',
    `    audience: { name: From ${warehouse} }`,
  ];
  await writeFile(
    fx.configPath,
    [
      'state: duckdb:state.duckdb',
      'warehouses:',
      '  local: { type: duckdb, path: warehouse.duckdb }',
      `  pg: { type: postgres, url: "${pgTestUrl()}" }`,
      `  bq: { type: bigquery, projectId: ${bq.projectId}, location: US, apiEndpoint: "${bq.url}", credentials: '${credentials}' }`,
      `  sf: { type: snowflake, account: ${sf.account}, username: ${FAKE_USER.username}, password: "${FAKE_USER.password}", warehouse: WH, database: DB, schema: PUBLIC, accessUrl: "${sf.url}" }`,
      ...pinterestDestinationLines(fx),
      'syncs:',
      ...sync('from_duckdb', 'local', 'query: select email, gaid, idfa from people'),
      ...sync('from_postgres', 'pg', `query: select email, gaid, idfa from ${TABLE}`),
      ...sync('from_bigquery', 'bq', 'query: select email, gaid, idfa from `crm.people`'),
      ...sync('from_snowflake', 'sf', 'table: PEOPLE'),
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await bq?.close();
  await sf?.close();
  await fx?.close();
});

describe('the same rows from every warehouse', () => {
  it('end as identical memberships, equal to the TypeScript rules', async () => {
    const res = await fx.cli(['sync', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const lists = fx.emulator.lists();
    expect(lists.map((l) => l.name).sort()).toEqual(['From bq', 'From local', 'From pg', 'From sf']);
    const expected = expectedHashes(PEOPLE);
    for (const list of lists) expect(new Set(fx.emulator.membership(list.id)), list.name).toEqual(expected);

    // and the DuckDB streamed path agrees with the in-engine one
    const plan = await fx.cli(['plan', '--format', 'json'], { PINSYNC_NO_PUSHDOWN: '1' });
    expect(plan.code, plan.stderr).toBe(0);
    for (const report of (JSON.parse(plan.stdout) as { syncs: { diff: { adds: number; removes: number } }[] }).syncs) {
      expect(report.diff).toMatchObject({ adds: 0, removes: 0 });
    }
  });
});
