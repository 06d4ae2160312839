/**
 * The SQL of a dbt sync request (core/dbt/request-sql.ts), as the pinsync dbt package's post-hook renders it, on real
 * DuckDB and the real Postgres test server: created when missing, one row per hook run (twice: every build runs it),
 * then polled through pinsync's own warehouse connectors, which also turn a missing table into "no requests yet".
 * A last case keeps the macro file and the TS rendering on the same columns.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeIdentifier } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { WarehouseError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import type { Warehouse } from '../../core/warehouse.js';
import { DuckDbWarehouse } from '../../connectors/warehouses/duckdb/duckdb-warehouse.js';
import { PostgresWarehouse } from '../../connectors/warehouses/postgres/postgres-warehouse.js';
import { REQUEST_COLUMNS, REQUESTS_TABLE, requestSyncStatements } from '../../core/dbt/request-sql.js';
import { pollSyncRequests } from '../../core/dbt/requested-syncs.js';
import type { Logger } from '../../core/logger.js';
import { pgAdmin, pgTestUrl } from '../warehouses/postgres-target.js';

const MACRO = fileURLToPath(new URL('../../dbt/pinsync/macros/request_sync.sql', import.meta.url));
const FIRST = { modelUniqueId: 'model.shop.vip_customers', relation: `"shop"."main"."vip_customers"`, invocationId: 'a1b2c3d4-0000-4000-8000-000000000001', requestedAt: new Date('2026-12-01T10:00:00Z') };
const SECOND = { ...FIRST, invocationId: 'a1b2c3d4-0000-4000-8000-000000000002', requestedAt: new Date('2026-12-02T10:00:00Z') };
// A relation with a quote in it: the hook escapes `this` into a string literal.
const ODD = { ...FIRST, modelUniqueId: "model.shop.o'brien", relation: `"shop"."main"."o'brien"`, requestedAt: new Date('2026-12-02T11:00:00Z') };
const SINCE = new Date('2026-11-30T00:00:00Z');

function notes(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const add = (...args: unknown[]) => void lines.push(String(args[args.length - 1]));
  return { logger: { debug: add, info: add, warn: add, error: add }, lines };
}

describe('dbt sync request SQL on DuckDB', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('creates the table once, records each hook run, and pinsync polls the rows back (none, with a note, before the first)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-requests-'));
    dirs.push(dir);
    const path = join(dir, 'shop.duckdb');
    const warehouse = new DuckDbWarehouse({ name: 'wh', path });
    const empty = notes();
    const instance = await openDuckDb(path);
    const conn = await instance.connect();
    try {
      await conn.run('CREATE TABLE seed (x INTEGER)');
      conn.closeSync();
      instance.closeSync();
      expect(await pollSyncRequests(warehouse, `pinsync.${REQUESTS_TABLE}`, 'vip', SINCE, empty.logger)).toEqual([]);
      expect(empty.lines).toEqual([expect.stringMatching(/^no dbt sync requests yet: pinsync\.sync_requests does not exist/)]);
      await warehouse.close();

      const writer = await openDuckDb(path);
      const w = await writer.connect();
      // database-qualified, as dbt-duckdb renders target.database (the file's catalog)
      for (const row of [FIRST, SECOND, SECOND, ODD]) for (const s of requestSyncStatements(row, { database: 'shop' })) await w.run(s);
      const count = await w.runAndReadAll('SELECT count(*) FROM shop.pinsync.sync_requests');
      expect(Number(count.getRows()[0]![0])).toBe(4);
      w.closeSync();
      writer.closeSync();

      const rows = await pollSyncRequests(new DuckDbWarehouse({ name: 'wh', path }), `"pinsync"."${REQUESTS_TABLE}"`, 'vip', SINCE, notes().logger);
      expect(rows).toEqual([
        { model: ODD.modelUniqueId, invocation: ODD.invocationId, requestedAt: ODD.requestedAt },
        { model: FIRST.modelUniqueId, invocation: SECOND.invocationId, requestedAt: SECOND.requestedAt },
        { model: FIRST.modelUniqueId, invocation: FIRST.invocationId, requestedAt: FIRST.requestedAt },
      ]);
      // older requests are not read
      expect(await pollSyncRequests(new DuckDbWarehouse({ name: 'wh', path }), `pinsync.${REQUESTS_TABLE}`, 'vip', new Date('2026-12-02T00:00:00Z'), notes().logger)).toHaveLength(2);
    } finally {
      await warehouse.close();
    }
  });
});

describe('dbt sync request SQL on Postgres', () => {
  it('creates the schema and table once, records each hook run, and pinsync polls the rows back (none, with a note, before the first)', async () => {
    const schema = `pinsync_req_${randomBytes(4).toString('hex')}`;
    const admin = await pgAdmin();
    const warehouse = new PostgresWarehouse({ name: 'wh', url: pgTestUrl(), applicationName: `pinsync-test-${schema}` });
    const table = `${escapeIdentifier(schema)}.${escapeIdentifier(REQUESTS_TABLE)}`;
    try {
      const empty = notes();
      expect(await pollSyncRequests(warehouse, table, 'vip', SINCE, empty.logger)).toEqual([]);
      expect(empty.lines).toEqual([expect.stringMatching(/^no dbt sync requests yet: .* does not exist/)]);

      const database = (await admin.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
      // Inside a transaction, as dbt runs a post-hook with the model's own statements.
      for (const row of [FIRST, SECOND, SECOND, ODD]) {
        await admin.query('BEGIN');
        for (const s of requestSyncStatements(row, { database, schema })) await admin.query(s);
        await admin.query('COMMIT');
      }
      const columns = await admin.query<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`, [schema, REQUESTS_TABLE]);
      expect(columns.rows.map((r) => r.column_name)).toEqual([...REQUEST_COLUMNS]);
      expect(Number((await admin.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)).toBe(4);
      expect((await admin.query(`SELECT relation FROM ${table} WHERE model_unique_id = $1`, [ODD.modelUniqueId])).rows[0].relation).toBe(ODD.relation);

      const rows = await pollSyncRequests(warehouse, table, 'vip', SINCE, notes().logger);
      expect(rows.map((r) => [r.model, r.invocation])).toEqual([
        [ODD.modelUniqueId, ODD.invocationId],
        [FIRST.modelUniqueId, SECOND.invocationId],
        [FIRST.modelUniqueId, FIRST.invocationId],
      ]);
    } finally {
      await warehouse.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${escapeIdentifier(schema)} CASCADE`);
      await admin.end();
    }
  });
});

describe('the dbt macro and the TS rendering', () => {
  it('name the same columns, in the same order, in the CREATE and the INSERT', () => {
    const macro = readFileSync(MACRO, 'utf8');
    const created = [.../create table if not exists \{\{ requests \}\} \(([\s\S]*?)\n\s*\);/.exec(macro)![1]!.matchAll(/^\s*(\w+) \{\{/gm)].map((m) => m[1]);
    const inserted = /insert into \{\{ requests \}\} \(([^)]*)\)/.exec(macro)![1]!.split(',').map((c) => c.trim());
    expect(created).toEqual([...REQUEST_COLUMNS]);
    expect(inserted).toEqual([...REQUEST_COLUMNS]);
    const [, create, insert] = requestSyncStatements(FIRST);
    expect([...create!.matchAll(/(\w+) (?:VARCHAR|TIMESTAMP)/g)].map((m) => m[1])).toEqual([...REQUEST_COLUMNS]);
    expect(insert).toContain(`(${REQUEST_COLUMNS.join(', ')})`);
    // both write the time as a UTC literal of the same shape
    expect(macro).toContain("strftime('%Y-%m-%d %H:%M:%S')");
    expect(insert).toContain("CAST('2026-12-01 10:00:00' AS TIMESTAMP)");
    // the schema var and its default match what pinsync polls by default
    expect(macro).toContain("var('pinsync_schema', 'pinsync')");
    expect(readFileSync(fileURLToPath(new URL('../../dbt/pinsync/dbt_project.yml', import.meta.url)), 'utf8')).toMatch(/^name: pinsync$/m);
  });
});

describe('pollSyncRequests when the warehouse says something does not exist', () => {
  const failing = (message: string) =>
    ({
      async *read() {
        throw new WarehouseError('PINSYNC_WAREHOUSE_QUERY', message);
      },
    }) as unknown as Warehouse;
  const table = '"analytics"."pinsync"."sync_requests"';

  it('reads a missing requests table (or schema) as "no requests yet"', async () => {
    await expect(pollSyncRequests(failing('Catalog Error: Table with name sync_requests does not exist!'), table, 's', new Date(0), silentLogger)).resolves.toEqual([]);
    await expect(pollSyncRequests(failing('Not found: Dataset project:pinsync was not found'), table, 's', new Date(0), silentLogger)).resolves.toEqual([]);
  });

  it('fails on anything else that does not exist: a misnamed database or role is not "no requests"', async () => {
    await expect(pollSyncRequests(failing('database "analytcs" does not exist'), table, 's', new Date(0), silentLogger)).rejects.toThrow(/analytcs/);
    await expect(pollSyncRequests(failing('role "reporter" does not exist'), table, 's', new Date(0), silentLogger)).rejects.toThrow(/reporter/);
  });
});
