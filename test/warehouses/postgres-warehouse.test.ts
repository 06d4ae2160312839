/**
 * Postgres-specific behaviour beyond the conformance suite: authentication, reachability, TLS and SQL errors,
 * statement timeouts, cancelling a FETCH in flight, per-client type parsing and the config factory.
 */
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { types } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'pg';
import { WarehouseError } from '../../core/errors.js';
import { createWarehouse } from '../../connectors/warehouses/create-warehouse.js';
import { toWarehouseError } from '../../connectors/warehouses/postgres/postgres-errors.js';
import { PostgresRecord } from '../../connectors/warehouses/postgres/postgres-cell-values.js';
import { PostgresWarehouse, type PostgresWarehouseOptions } from '../../connectors/warehouses/postgres/postgres-warehouse.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import type { RowBatch } from '../../core/warehouse.js';
import { issuesOf, messageAt, minimalConfig, parse } from '../config/config-fixtures.js';
import { PG_PASSWORD, PG_PASSWORD_USER } from '../setup/postgres-server.js';
import { pgAdmin, pgTestUrl, waitForSessions } from './postgres-target.js';

const SYNC = 'pg_sync';
let admin: Client;
let url: string;
let port: number;

beforeAll(async () => {
  url = pgTestUrl();
  port = Number(new URL(url).port);
  admin = await pgAdmin();
});

afterAll(async () => {
  await admin?.end();
});

function warehouse(opts: Partial<PostgresWarehouseOptions> = {}): PostgresWarehouse {
  return new PostgresWarehouse({ name: 'pg', url, ...opts });
}

async function readAll(w: PostgresWarehouse, sql: string, batchSize = 100, signal?: AbortSignal): Promise<RowBatch[]> {
  const batches: RowBatch[] = [];
  for await (const batch of w.read({ sql, syncName: SYNC, batchSize, signal })) batches.push(batch);
  return batches;
}

async function failure(work: Promise<unknown>): Promise<WarehouseError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WarehouseError);
  return err as WarehouseError;
}

describe('PostgresWarehouse: connecting', () => {
  it('logs in with discrete fields and a password', async () => {
    const w = new PostgresWarehouse({ name: 'pg', host: '127.0.0.1', port, database: 'postgres', user: PG_PASSWORD_USER, password: PG_PASSWORD });
    await w.check();
    const [batch] = await readAll(w, 'SELECT current_user AS who');
    expect(batch!.columns[0]).toEqual([PG_PASSWORD_USER]);
  });

  it('lets user and password given beside the URL override the URL', async () => {
    const w = warehouse({ url: `postgres://nobody:wrong@127.0.0.1:${port}/postgres`, user: PG_PASSWORD_USER, password: PG_PASSWORD });
    await w.check();
  });

  it('reports a wrong password as an authentication failure without leaking it', async () => {
    const w = warehouse({ user: PG_PASSWORD_USER, password: 'not-the-password%@' });
    const err = await failure(readAll(w, 'SELECT 1'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_AUTH');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(err.message).toContain(PG_PASSWORD_USER);
    expect(err.message).toContain('28P01');
    expect(err.message).not.toContain('not-the-password');
    const checked = await failure(w.check());
    expect(checked.code).toBe('PINSYNC_WAREHOUSE_AUTH');
    expect(checked.message).toContain('warehouse pg');
  });

  it('reports a closed port as unreachable, naming host and port', async () => {
    const closed = await closedPort();
    const err = await failure(readAll(warehouse({ url: `postgres://postgres@127.0.0.1:${closed}/postgres` }), 'SELECT 1'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_UNREACHABLE');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(err.message).toContain(`127.0.0.1:${closed}`);
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('gives up on a server that never answers after connectTimeoutMs', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as net.AddressInfo).port;
    try {
      const started = Date.now();
      const err = await failure(readAll(warehouse({ url: `postgres://postgres@127.0.0.1:${silentPort}/postgres`, connectTimeoutMs: 300 }), 'SELECT 1'));
      expect(err.code).toBe('PINSYNC_WAREHOUSE_UNREACHABLE');
      expect(err.message).toMatch(/connect timeout/);
      expect(Date.now() - started).toBeLessThan(3000);
    } finally {
      silent.close();
    }
  });

  it('classifies DNS failures as unreachable', () => {
    const dnsError = Object.assign(new Error('getaddrinfo ENOTFOUND warehouse.invalid'), { code: 'ENOTFOUND' });
    const err = toWarehouseError(dnsError, { who: `sync ${SYNC}`, server: 'warehouse.invalid:5432/db', user: 'u', phase: 'connect', statementTimeoutMs: undefined });
    expect(err.code).toBe('PINSYNC_WAREHOUSE_UNREACHABLE');
    expect(err.message).toContain('warehouse.invalid:5432');
  });

  it('says so when TLS is required but the server has none, and when a TLS file is missing', async () => {
    const noTls = await failure(warehouse({ ssl: true }).check());
    expect(noTls.code).toBe('PINSYNC_WAREHOUSE_TLS');
    expect(noTls.message).toMatch(/SSL/);
    const missing = await failure(readAll(warehouse({ ssl: { caPath: '/nonexistent/ca.pem' } }), 'SELECT 1'));
    expect(missing.code).toBe('PINSYNC_WAREHOUSE_TLS');
    expect(missing.message).toContain('ssl.caPath /nonexistent/ca.pem');
  });

  it('lets the config ssl setting win over sslmode in the URL', async () => {
    await warehouse({ url: `${url}?sslmode=require`, ssl: false }).check();
  });

  it('is what createWarehouse builds for type postgres', async () => {
    const w = await createWarehouse('pg', { type: 'postgres', url, statementTimeoutMs: 10_000 });
    expect(w.engine).toBe('postgres');
    await w.check();
    await w.close();
  });
});

describe('PostgresWarehouse: queries', () => {
  it('names the missing table and its SQLSTATE', async () => {
    const err = await failure(readAll(warehouse(), 'SELECT email FROM analytics_missing_vips'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_TABLE_NOT_FOUND');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(err.message).toContain('analytics_missing_vips');
    expect(err.message).toContain('42P01');
  });

  it("passes other SQL errors on with Postgres' message and SQLSTATE", async () => {
    const syntax = await failure(readAll(warehouse(), 'SELEC 1'));
    expect(syntax.code).toBe('PINSYNC_WAREHOUSE_QUERY');
    expect(syntax.message).toMatch(/syntax error.*SQLSTATE 42601/);
    const division = await failure(readAll(warehouse(), 'SELECT 1 / 0'));
    expect(division.message).toMatch(/division by zero.*SQLSTATE 22012/);
  });

  it('accepts a query that ends with semicolons', async () => {
    const [batch] = await readAll(warehouse(), 'SELECT 1 AS one;  ;\n');
    expect(batch!.columns[0]).toEqual([1]);
  });

  it('stops a statement at statementTimeoutMs', async () => {
    const err = await failure(readAll(warehouse({ statementTimeoutMs: 200 }), 'SELECT pg_sleep(5)'));
    expect(err.code).toBe('PINSYNC_WAREHOUSE_TIMEOUT');
    expect(err.message).toContain('200 ms');
  });

  it('runs the query in a read-only transaction', async () => {
    const sequence = `pinsync_ro_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE SEQUENCE ${sequence}`);
    try {
      const err = await failure(readAll(warehouse(), `SELECT nextval('${sequence}')`));
      expect(err.message).toMatch(/read-only transaction.*SQLSTATE 25006/);
    } finally {
      await admin.query(`DROP SEQUENCE ${sequence}`);
    }
  });

  it('cancels the FETCH in flight on the server when aborted after the first batch', async () => {
    const applicationName = `pinsync-abort-${randomBytes(4).toString('hex')}`;
    const controller = new AbortController();
    const batches: number[] = [];
    const started = Date.now();
    const err = await failure(
      (async () => {
        const sql = 'SELECT n, pg_sleep(CASE WHEN n > 5 THEN 60 ELSE 0 END) AS slept FROM generate_series(1, 10) AS n';
        for await (const batch of warehouse({ applicationName }).read({ sql, syncName: SYNC, batchSize: 5, signal: controller.signal })) {
          batches.push(batch.rowCount);
          setTimeout(() => controller.abort(), 100);
        }
      })(),
    );
    expect(batches).toEqual([5]);
    expect(err.code).toBe('PINSYNC_ABORTED');
    expect(err.message).toContain(`sync ${SYNC}`);
    expect(Date.now() - started).toBeLessThan(5000);
    await waitForSessions(admin, applicationName);
  });

  it('does not connect at all when already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const err = await failure(readAll(warehouse({ url: `postgres://postgres@127.0.0.1:${await closedPort()}/postgres` }), 'SELECT 1', 10, controller.signal));
    expect(err.code).toBe('PINSYNC_ABORTED');
  });
});

describe('PostgresWarehouse: values', () => {
  it('keeps int8 and numeric as exact text, and parses JSON, with per-client parsers, whatever pg.types says globally', async () => {
    const globalInt8 = types.getTypeParser(20, 'text');
    types.setTypeParser(20, (v: string) => Number.parseInt(v, 10));
    try {
      const [batch] = await readAll(
        warehouse(),
        `SELECT 9007199254740993::int8 AS big, 12345678901234567890.123::numeric AS dec, 42::int4 AS i4, 7::int2 AS i2,
                1.5::float8 AS f8, true AS yes, NULL::int8 AS nothing, '2024-01-02'::date AS day,
                '{"a":1}'::jsonb AS doc, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, 'Zoë 東京 😀'::text AS txt`,
      );
      const row = Object.fromEntries(batch!.columnNames.map((name, i) => [name, batch!.columns[i]![0]]));
      expect(row).toEqual({
        big: '9007199254740993',
        dec: '12345678901234567890.123',
        i4: 42,
        i2: 7,
        f8: 1.5,
        yes: true,
        nothing: null,
        day: '2024-01-02',
        doc: { a: 1 },
        id: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        txt: 'Zoë 東京 😀',
      });
    } finally {
      types.setTypeParser(20, globalInt8);
    }
  });
});

describe('PostgresWarehouse: JSON, binary and nested cells', () => {
  const row = (batch: RowBatch) => Object.fromEntries(batch.columnNames.map((name, i) => [name, batch.columns[i]![0]]));

  it("unwraps JSON scalars, so data->'email' hashes like data->>'email' and a quoted text column stays as it is", async () => {
    const [batch] = await readAll(
      warehouse(),
      `SELECT data->'email' AS j, data->>'email' AS t, data->'id' AS id, data->'vip' AS vip, data->'none' AS none,
              data->'obj' AS obj, data->'list' AS list, '"Plain@Example.com"'::json AS plain_json,
              '"Quoted@Example.com"'::text AS quoted_text
         FROM (SELECT '{"email":"Jane@Example.com","id":12345678901234567890,"vip":true,"none":null,
                        "obj":{"email":"x@example.com"},"list":["a@example.com"]}'::jsonb AS data) AS s`,
    );
    expect(row(batch!)).toEqual({
      j: 'Jane@Example.com',
      t: 'Jane@Example.com',
      id: '12345678901234567890',
      vip: true,
      none: null,
      obj: { email: 'x@example.com' },
      list: ['a@example.com'],
      plain_json: 'Plain@Example.com',
      quoted_text: '"Quoted@Example.com"',
    });
    const cells = row(batch!);
    expect(normalizeIdentifier('email', cells.j)).toEqual(normalizeIdentifier('email', 'jane@example.com'));
    expect(normalizeIdentifier('email', cells.obj)).toMatchObject({ status: 'rejected', reason: 'unsupported_value' });
    expect(normalizeIdentifier('email', cells.list)).toMatchObject({ status: 'rejected', reason: 'unsupported_value' });
  });

  it.each([
    ['hex', url],
    ['escape', 'escape'],
  ])('hands bytea over as its bytes (bytea_output %s): a sha256() digest is prehashed, other binary is rejected', async (_format, which) => {
    const target = which === 'escape' ? `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c bytea_output=escape')}` : url;
    const [batch] = await readAll(
      warehouse({ url: target }),
      `SELECT sha256(convert_to('jane@example.com', 'UTF8')) AS digest, '\\x00015c7f80ff'::bytea AS raw, current_setting('bytea_output') AS format`,
    );
    const cells = row(batch!);
    expect(cells.format).toBe(which === 'escape' ? 'escape' : 'hex');
    const digest = createHash('sha256').update('jane@example.com').digest();
    expect(Buffer.from(cells.digest as Uint8Array)).toEqual(digest);
    expect(Buffer.from(cells.raw as Uint8Array)).toEqual(Buffer.from([0x00, 0x01, 0x5c, 0x7f, 0x80, 0xff]));
    expect(normalizeIdentifier('email_sha256', cells.digest)).toEqual({ status: 'ok', hash: digest.toString('hex'), prehashed: true });
    expect(normalizeIdentifier('email_sha256', cells.raw)).toMatchObject({ status: 'rejected', reason: 'invalid_binary' });
  });

  it('hands arrays over as arrays and records/composites as non-scalar values, never as text that hashes', async () => {
    const schema = `pinsync_types_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TYPE ${schema}.wrapped AS (value text); CREATE DOMAIN ${schema}.email AS text;
                       CREATE TYPE ${schema}.mood AS ENUM ('happy')`);
    try {
      const [batch] = await readAll(
        warehouse(),
        `SELECT ARRAY['a@example.com', NULL] AS arr, '{}'::text[] AS empty, ARRAY[ARRAY['x@example.com']] AS nested,
                ARRAY[9007199254740993]::int8[] AS ids, ROW('r@example.com') AS rec,
                ROW('c@example.com')::${schema}.wrapped AS composite, ARRAY[ROW('e@example.com')::${schema}.wrapped] AS composites,
                ARRAY['d@example.com'::${schema}.email] AS domains, 'd@example.com'::${schema}.email AS domain_scalar,
                'happy'::${schema}.mood AS enum, ARRAY['{"k":"v"}'::jsonb] AS docs`,
      );
      const cells = row(batch!);
      expect(cells).toMatchObject({
        arr: ['a@example.com', null],
        empty: [],
        nested: [['x@example.com']],
        ids: ['9007199254740993'],
        domains: ['d@example.com'],
        domain_scalar: 'd@example.com',
        enum: 'happy',
        docs: [{ k: 'v' }],
      });
      for (const name of ['rec', 'composite']) expect(cells[name]).toBeInstanceOf(PostgresRecord);
      expect((cells.composites as unknown[])[0]).toBeInstanceOf(PostgresRecord);
      for (const name of ['arr', 'empty', 'nested', 'rec', 'composite', 'composites', 'domains']) {
        expect(normalizeIdentifier('email', cells[name]), name).toMatchObject({ status: 'rejected', reason: 'unsupported_value' });
      }
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });

  it('parses user-defined types in every batch, also after the first FETCH', async () => {
    const schema = `pinsync_types_${randomBytes(4).toString('hex')}`;
    await admin.query(`CREATE SCHEMA ${schema}; CREATE TYPE ${schema}.wrapped AS (value text)`);
    try {
      const batches = await readAll(warehouse({ maxFetchRows: 2 }), `SELECT ROW(n::text)::${schema}.wrapped AS w FROM generate_series(1, 5) AS n`, 3);
      const cells = batches.flatMap((b) => [...b.columns[0]!]);
      expect(cells).toHaveLength(5);
      for (const cell of cells) expect(cell).toBeInstanceOf(PostgresRecord);
      expect(cells.map((c) => (c as PostgresRecord).text)).toEqual(['(1)', '(2)', '(3)', '(4)', '(5)']);
    } finally {
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    }
  });
});

describe('PostgresWarehouse: long reads', () => {
  it('starts TCP keep-alive probes after 30 s, not the OS default of 2 hours', async () => {
    const calls: unknown[][] = [];
    const original = net.Socket.prototype.setKeepAlive;
    net.Socket.prototype.setKeepAlive = function (this: net.Socket, ...args: Parameters<net.Socket['setKeepAlive']>) {
      calls.push(args);
      return original.apply(this, args);
    };
    try {
      await warehouse().check();
    } finally {
      net.Socket.prototype.setKeepAlive = original;
    }
    expect(calls).toContainEqual([true, 30_000]);
  });

  it('plans the cursor for the whole result (cursor_tuple_fraction = 1)', async () => {
    const [batch] = await readAll(warehouse(), `SELECT current_setting('cursor_tuple_fraction') AS fraction`);
    expect(batch!.columns[0]).toEqual(['1']);
  });

  it('takes maxFetchRows from the config: each FETCH asks for at most that many rows', async () => {
    const config = minimalConfig();
    config.warehouses.local = { type: 'postgres', url, maxFetchRows: 3, connectTimeoutMs: 5000, applicationName: 'pinsync-fetch-test' };
    const loaded = parse(config);
    const w = await createWarehouse('local', loaded.warehouses.local!);
    // Every FETCH is a statement of its own, and the sleep keeps two FETCHes from sharing a timestamp.
    const batches: RowBatch[] = [];
    for await (const batch of w.read({
      sql: `SELECT n, statement_timestamp()::text AS fetched_at, current_setting('application_name') AS app, pg_sleep(0.002) FROM generate_series(1, 10) AS n`,
      syncName: SYNC,
      batchSize: 10,
    })) {
      batches.push(batch);
    }
    expect(batches.map((b) => b.rowCount)).toEqual([10]);
    const fetchedAt = batches[0]!.columns[1]!;
    const sizes = [...new Set(fetchedAt)].map((at) => fetchedAt.filter((v) => v === at).length);
    expect(sizes).toEqual([3, 3, 3, 1]);
    expect(batches[0]!.columns[2]![0]).toBe('pinsync-fetch-test');
  });

  it('refuses a maxFetchRows below 1 in the config', () => {
    const config = minimalConfig();
    config.warehouses.local = { type: 'postgres', url: 'postgres://h/db', maxFetchRows: 0 };
    expect(messageAt(issuesOf(config), 'warehouses.local.maxFetchRows')).toMatch(/1/);
  });
});

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return free;
}
