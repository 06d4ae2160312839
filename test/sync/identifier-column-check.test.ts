/**
 * An `identifiers:` key that names no column of the query's result is a config mistake: it is caught before any row
 * is read, names the missing column and the columns the query does return (with a did-you-mean), and exits 2,
 * without showing pinsync's own generated SQL. SQL errors quote the user's query, not pinsync's wrapper around it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPgTable, writePostgresSyncConfig } from '../helpers/postgres-sync.js';
import { makePeople, SyncFixture } from '../helpers/sync-fixture.js';

const GENERATED_SQL = /pinsync_source|pinsync_js_|pinsync_norm_|CAST\(/;

function expectColumnMissing(res: { code: number; stdout: string; stderr: string }, returned: string[]): void {
  expect(res.code).toBe(2);
  const text = `${res.stdout}\n${res.stderr}`;
  expect(text).toContain('PINSYNC_COLUMN_MISSING');
  expect(text).toContain('people_sync');
  expect(text).toContain('"mail"');
  for (const column of returned) expect(text).toContain(column);
  expect(text).toContain('did you mean "email"?');
  expect(text).not.toMatch(GENERATED_SQL);
}

describe('identifier columns are checked against the query result: DuckDB', () => {
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await SyncFixture.create();
    await fx.setPeople(makePeople(1, 20));
  });
  afterAll(async () => {
    await fx.close();
  });

  for (const [path, env] of [
    ['pushdown', {}],
    ['streamed', { PINSYNC_NO_PUSHDOWN: '1' }],
  ] as const) {
    it(`names the missing column and the returned ones, exit 2, nothing sent (${path})`, async () => {
      await fx.writeConfig({ identifiers: '{ mail: email, gaid: maid }' });
      expectColumnMissing(await fx.cli(['plan'], env), ['email', 'gaid', 'idfa']);
      const sync = await fx.syncJson([], env);
      expect(sync.report.error?.code).toBe('PINSYNC_COLUMN_MISSING');
      expect(sync.code).toBe(2);
      expect(sync.report.error?.message).not.toMatch(GENERATED_SQL);
      expect(fx.emulator.lists()).toHaveLength(0);
    });

    it(`checks an empty result too (${path})`, async () => {
      await fx.writeConfig({ query: 'select email, gaid, idfa from people where false', identifiers: '{ mail: email }' });
      expectColumnMissing(await fx.cli(['plan'], env), ['email', 'gaid', 'idfa']);
    });

    it(`quotes the user's SQL in a syntax or binder error, not pinsync's wrapper (${path})`, async () => {
      await fx.writeConfig({ query: 'select email, gaid, idfa frm people', identifiers: '{ email: email }' });
      const syntax = await fx.syncJson(['plan'], env);
      expect(syntax.code).toBe(1);
      expect(syntax.report.error?.message).toContain('LINE 1: select email, gaid, idfa frm people');
      expect(syntax.report.error?.message).not.toMatch(GENERATED_SQL);

      await fx.writeConfig({ query: 'select emial from people', identifiers: '{ emial: email }' });
      const binder = await fx.syncJson(['plan'], env);
      expect(binder.code).toBe(1);
      expect(binder.report.error?.message).toContain('Referenced column "emial" not found');
      expect(binder.report.error?.message).toContain('LINE 1: select emial from people');
      expect(binder.report.error?.message).not.toMatch(GENERATED_SQL);
    });

    it(`runs a query that ends in a -- comment as the user wrote it (${path})`, async () => {
      await fx.writeConfig({ query: 'select email from people -- everyone', identifiers: '{ email: email }' });
      const plan = await fx.syncJson(['plan'], env);
      expect(plan.report.error ?? undefined).toBeUndefined();
      expect(plan.report.diff.current).toBe(20);
    });
  }
});

describe('identifier columns are checked against the query result: Postgres', () => {
  const TABLE = 'pinsync_column_check_people';
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await SyncFixture.create();
    await seedPgTable(TABLE, 'email text, gaid text, idfa text', [
      ['a@example.com', null, null],
      ['b@example.com', null, null],
    ]);
  });
  afterAll(async () => {
    await fx.close();
  });

  const writeConfig = (query: string) => writePostgresSyncConfig(fx, { query, identifiers: '{ mail: email }' });

  it('names the missing column and the returned ones, exit 2, nothing sent', async () => {
    await writeConfig(`select email, gaid, idfa from ${TABLE}`);
    expectColumnMissing(await fx.cli(['sync']), ['email', 'gaid', 'idfa']);
    expect(fx.emulator.lists()).toHaveLength(0);
  });

  it('checks an empty result too', async () => {
    await writeConfig(`select email, gaid, idfa from ${TABLE} where false`);
    expectColumnMissing(await fx.cli(['plan']), ['email', 'gaid', 'idfa']);
  });
});
