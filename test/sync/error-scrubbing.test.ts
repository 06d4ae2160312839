/**
 * A warehouse error that quotes a raw identifier (a failed cast quotes the value) must not carry it anywhere a user
 * or a file sees: stderr, every report format, `runs --json`, or the bytes of the state file.
 */
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedPgTable, writePostgresSyncConfig } from '../helpers/postgres-sync.js';
import { SyncFixture } from '../helpers/sync-fixture.js';

const MARKER = 'RawMarker0@Example.com';
const FAILING_QUERY = 'select email from people where cast(email as integer) > 0';

function expectNoMarker(where: string, text: string): void {
  expect(text.toLowerCase().includes(MARKER.toLowerCase()) || text.includes('RawMarker0'), `${where} contains the raw identifier:\n${text}`).toBe(false);
}

async function expectStateFileClean(fx: SyncFixture): Promise<void> {
  for (const path of [fx.statePath, `${fx.statePath}.wal`]) {
    if (!existsSync(path)) continue;
    const bytes = await readFile(path);
    expect(bytes.includes(Buffer.from('RawMarker0')), `${path} holds the raw identifier`).toBe(false);
    expect(bytes.includes(Buffer.from('rawmarker0')), `${path} holds the lower-cased raw identifier`).toBe(false);
  }
}

/** Runs every command that shows the failed run, asserting none shows the marker; returns the sync's error text. */
async function failAndInspect(fx: SyncFixture, env: Record<string, string>): Promise<string> {
  const table = await fx.cli(['sync'], env);
  expect(table.code).toBe(1);
  expectNoMarker('sync stdout', table.stdout);
  expectNoMarker('sync stderr', table.stderr);

  const json = await fx.syncJson([], env);
  expect(json.code).toBe(1);
  expect(json.report.error?.code).toBe('PINSYNC_WAREHOUSE_QUERY');
  expectNoMarker('sync --json stdout', JSON.stringify(json.report));
  expectNoMarker('sync --json stderr', json.stderr);

  for (const format of ['table', 'json', 'markdown', 'html']) {
    const plan = await fx.cli(['plan', '--format', format], env);
    expect(plan.code).toBe(1);
    expectNoMarker(`plan --format ${format} stdout`, plan.stdout);
    expectNoMarker(`plan --format ${format} stderr`, plan.stderr);
  }

  const runs = await fx.cli(['runs', '--json'], env);
  expect(runs.code).toBe(0);
  expect(runs.stdout).toContain('PINSYNC_WAREHOUSE_QUERY');
  expectNoMarker('runs --json', runs.stdout);
  const runsHtml = await fx.cli(['runs', '--format', 'html'], env);
  expect(runsHtml.code).toBe(0);
  expect(runsHtml.stdout).toContain('PINSYNC_WAREHOUSE_QUERY');
  expectNoMarker('runs --format html', runsHtml.stdout);
  await expectStateFileClean(fx);
  return json.report.error!.message;
}

describe('warehouse errors that quote data are scrubbed: DuckDB', () => {
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await SyncFixture.create();
    await fx.setPeople([{ email: MARKER }, { email: 'second.person@example.com' }]);
    await fx.writeConfig({ query: FAILING_QUERY, identifiers: '{ email: email }' });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('in the pushdown path (the query runs inside the state engine)', async () => {
    const message = await failAndInspect(fx, {});
    // Still useful: the error's class, the placeholder where the value was, and the user's SQL with its position.
    expect(message).toContain("Could not convert string '<redacted>' to INT32");
    expect(message).toContain(`LINE 1: ${FAILING_QUERY}`);
  });

  it('in the streamed path', async () => {
    const message = await failAndInspect(fx, { PINSYNC_NO_PUSHDOWN: '1' });
    expect(message).toContain("Could not convert string '<redacted>' to INT32");
    expect(message).toContain(`LINE 1: ${FAILING_QUERY}`);
  });
});

describe('warehouse errors that quote data are scrubbed: Postgres', () => {
  const TABLE = 'pinsync_scrub_people';
  let fx: SyncFixture;
  beforeAll(async () => {
    fx = await SyncFixture.create();
    await seedPgTable(TABLE, 'email text', [[MARKER], ['second.person@example.com']]);
    await writePostgresSyncConfig(fx, { query: `select email from ${TABLE} where cast(email as integer) > 0`, identifiers: '{ email: email }' });
  });
  afterAll(async () => {
    await fx.close();
  });

  it('for a failed cast', async () => {
    const message = await failAndInspect(fx, {});
    expect(message).toContain('invalid input syntax for type integer: "<redacted>"');
    expect(message).toContain('SQLSTATE 22P02');
  });
});
