/**
 * The behaviour every warehouse connector owes core (`core/warehouse.ts`), as one reusable vitest suite. Register
 * an engine from a `*.test.ts` file:
 *
 *   describeWarehouseConformance('postgres', async () => makePostgresTarget());
 *
 * A target is the connector under test plus a backend it can seed: a real server (Postgres), a file (DuckDB) or a
 * local HTTP fake (BigQuery, Snowflake). The suite seeds every table it needs once, in `beforeAll`, before the
 * first read, then only reads.
 *
 * SQL the suite writes itself (a fake backend must answer these; `<t>` is what `seedTable`/`tableRef` returned):
 *   SELECT * FROM <t> ORDER BY n              SELECT n FROM <t> WHERE n <= 3 ORDER BY n
 *   SELECT * FROM <t>                          SELECT id, email, score, ratio FROM <t> ORDER BY id
 *   SELECT id, d FROM <t> ORDER BY id          SELECT id, j, b, a, s FROM <t> ORDER BY id
 *   SELECT * FROM <missing t>  (must fail naming the table)
 * Everything engine-specific (a query that fails mid-stream, a query that keeps the server busy) comes from the
 * target, and may be any text its backend recognizes, such as a marker a fake server reacts to.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WarehouseError } from '../../core/errors.js';
import { ingestRows } from '../../core/ingest-rows.js';
import { noProgress } from '../../core/logger.js';
import { normalizeIdentifier } from '../../core/normalize/normalize-identifier.js';
import type { DiffSession } from '../../core/state-store.js';
import type { RowBatch, Warehouse } from '../../core/warehouse.js';

/**
 * Logical column types the suite seeds; each target maps them to its engine's types:
 * - `json`: the engine's JSON type (DuckDB JSON, Postgres jsonb, BigQuery JSON, Snowflake VARIANT via PARSE_JSON);
 * - `binary`: DuckDB BLOB, Postgres bytea, BigQuery BYTES, Snowflake BINARY;
 * - `decimal`: an exact decimal of precision 38, scale 0 (DECIMAL(38,0), numeric(38,0), BIGNUMERIC/NUMERIC, NUMBER(38,0));
 * - `text_array`: an array of text (VARCHAR[], text[], ARRAY<STRING>, ARRAY);
 * - `struct`: a record with one text field `value` (STRUCT(value VARCHAR), a composite or jsonb-free row type in
 *   Postgres such as a one-field composite type, STRUCT<value STRING>, OBJECT).
 */
export type SeedColumnType = 'text' | 'int32' | 'int64' | 'float64' | 'json' | 'binary' | 'decimal' | 'text_array' | 'struct';

/**
 * A value to seed, or `null`: `string` for text, for json (the JSON document's text, e.g. `'"a@b.co"'` or
 * `'{"x":1}'`) and for decimal (its exact digits); `number` for int32/float64; `bigint` for int64; `Uint8Array` for
 * binary; `string[]` for text_array; `{ value: string }` for struct.
 */
export type SeedValue = string | number | bigint | Uint8Array | readonly string[] | { readonly value: string } | null;

export interface SeedColumn {
  /** Column name, to be created exactly as spelled (quoted where the engine folds case): `EMAIL` stays upper-case. */
  name: string;
  /** Logical type of the column. */
  type: SeedColumnType;
}

export interface SeedTable {
  /** Table name: lower-case ASCII letters, digits and `_`. */
  name: string;
  /** Columns in order. */
  columns: readonly SeedColumn[];
  /** Row-major values, each row as long as `columns`. */
  rows: readonly (readonly SeedValue[])[];
}

export interface WarehouseConformanceTarget {
  /** The connector under test, configured against the target's backend. */
  readonly warehouse: Warehouse;
  /**
   * Creates the table (replacing any of the same name) holding exactly these rows, and returns how SQL refers
   * to it (qualified and quoted as the engine needs, e.g. `"schema"."numbers"` or `` `dataset.numbers` ``).
   * Called only in the suite's `beforeAll`, before any read.
   */
  seedTable(table: SeedTable): Promise<string>;
  /** How SQL refers to a table of this name whether or not it exists (used for the missing-table error). */
  tableRef(name: string): string;
  /**
   * A query whose rows 1..`okRows` succeed (column `n` = 1, 2, …, in order) and whose next row fails on the
   * server, e.g. a division by zero; it must produce well over `okRows` rows were it not for the failure.
   */
  midStreamErrorSql(okRows: number): string;
  /** Whether rows before the failing one reach the caller before the error (false for engines that run vectorized/parallel). */
  readonly streamsRowsBeforeError: boolean;
  /** True where a NULL array reaches the client as an empty one (BigQuery, by design), so it is an array, not empty. */
  readonly nullArraysReadAsEmpty?: boolean;
  /** A query that keeps the server busy far longer than any test (e.g. `SELECT pg_sleep(60)`), for abort tests. */
  slowSql(): string;
  /**
   * Resolves once the connector holds no cursor, session or connection on the backend; rejects (after a
   * bounded wait) if it still does. Optional: without it the suite proves release by a later read working.
   */
  assertReleased?(): Promise<void>;
  /** Resolves once no query the connector started is still running on the backend; rejects if one still does. */
  assertNothingRunning?(): Promise<void>;
  /** Drops what was seeded and closes the warehouse and any admin connection. */
  dispose(): Promise<void>;
}

/** The sync name every read uses; every error must contain it. */
export const CONFORMANCE_SYNC = 'conformance_sync';

const NUMBERS_ROWS = 1000;
const TWO_POW_53_PLUS_1 = 9007199254740993n;
const INT64_MAX = 9223372036854775807n;

// id, email, score, ratio: nulls in every column, integers beyond 2^53, non-ASCII text in several scripts.
const MIXED_ROWS: readonly (readonly SeedValue[])[] = [
  [-42n, '😀 emoji+tag@example.com', 0, 0],
  [1n, 'alice@example.com', 7, 0.5],
  [2n, null, null, null],
  [3n, 'Zoë.Ünïcødé@exämple.com', -2147483648, -1.25],
  [4n, '東京@例え.jp', 2147483647, 1e-9],
  [5n, 'straße@müller.de', 12, 123456.789],
  [6n, '', -1, -0.001],
  [TWO_POW_53_PLUS_1, 'big@example.com', 1, 2.5],
  [INT64_MAX, 'max@example.com', 2, 3.5],
];

// Cells real warehouses hand over in other forms than text: JSON (quoted strings), binary digests, exact decimals
// beyond a double's 53 bits, and nested values that must never be stringified into a hash. Every connector must give
// the same normalization outcomes for these as for the data they hold.
const DIGEST = createHash('sha256').update('binary@example.com').digest();
const TYPED_COLUMNS: readonly SeedColumn[] = [
  { name: 'id', type: 'int64' },
  { name: 'j', type: 'json' },
  { name: 'b', type: 'binary' },
  { name: 'd', type: 'decimal' },
  { name: 'a', type: 'text_array' },
  { name: 's', type: 'struct' },
];
const TYPED_ROWS: readonly (readonly SeedValue[])[] = [
  [1n, '"JSON.Email@Example.com"', new Uint8Array(DIGEST), '12345678901234567890123456789012345678', ['arr@example.com'], { value: 'struct@example.com' }],
  [2n, '{"email":"x@example.com"}', new Uint8Array(16).fill(7), '-98765432109876543210987654321', null, null],
  [3n, '["a@example.com"]', null, '9007199254740993', [], { value: 'x' }],
  [4n, 'null', null, null, null, null],
  [5n, '42', null, '0', null, null],
  [6n, null, null, null, null, null],
];

/** Registers the conformance suite for one engine; `makeTarget` runs once, in `beforeAll`. */
export function describeWarehouseConformance(engine: string, makeTarget: () => Promise<WarehouseConformanceTarget>): void {
  describe(`warehouse conformance: ${engine}`, () => {
    let target: WarehouseConformanceTarget;
    let numbers: string;
    let empty: string;
    let mixed: string;
    let upper: string;
    let typed: string;

    beforeAll(async () => {
      target = await makeTarget();
      numbers = await target.seedTable({
        name: 'numbers',
        columns: [
          { name: 'n', type: 'int64' },
          { name: 'label', type: 'text' },
        ],
        rows: Array.from({ length: NUMBERS_ROWS }, (_, i) => [BigInt(i + 1), `row ${i + 1}`]),
      });
      empty = await target.seedTable({ name: 'empty_table', columns: [{ name: 'email', type: 'text' }], rows: [] });
      mixed = await target.seedTable({
        name: 'mixed',
        columns: [
          { name: 'id', type: 'int64' },
          { name: 'email', type: 'text' },
          { name: 'score', type: 'int32' },
          { name: 'ratio', type: 'float64' },
        ],
        rows: MIXED_ROWS,
      });
      upper = await target.seedTable({
        name: 'upper_case',
        columns: [{ name: 'EMAIL', type: 'text' }],
        rows: [['A@Example.com'], ['b@example.com'], [null]],
      });
      typed = await target.seedTable({ name: 'typed_cells', columns: TYPED_COLUMNS, rows: TYPED_ROWS });
    });

    afterAll(async () => {
      await target?.dispose();
    });

    it('check() succeeds', async () => {
      await target.warehouse.check();
    });

    it.each([
      [300, [300, 300, 300, 100]],
      [250, [250, 250, 250, 250]],
      [1000, [1000]],
      [5000, [1000]],
    ])('yields exact batches of %i rows, in order, column-major', async (batchSize, expected) => {
      const batches = await readAll(target.warehouse, `SELECT * FROM ${numbers} ORDER BY n`, batchSize);
      expect(batches.map((b) => b.rowCount)).toEqual(expected);
      for (const batch of batches) expectWellFormed(batch);
      expect(batches[0]!.columnNames).toEqual(['n', 'label']);
      const ns = batches.flatMap((b) => b.columns[0]!.map(String));
      expect(ns).toEqual(Array.from({ length: NUMBERS_ROWS }, (_, i) => String(i + 1)));
      expect(batches.at(-1)!.columns[1]!.at(-1)).toBe(`row ${NUMBERS_ROWS}`);
    });

    it('yields one row per batch with batchSize 1', async () => {
      const batches = await readAll(target.warehouse, `SELECT n FROM ${numbers} WHERE n <= 3 ORDER BY n`, 1);
      expect(batches.map((b) => b.rowCount)).toEqual([1, 1, 1]);
      expect(batches.map((b) => String(b.columns[0]![0]))).toEqual(['1', '2', '3']);
    });

    it('yields no rows for an empty result', async () => {
      const batches = await readAll(target.warehouse, `SELECT * FROM ${empty}`, 100);
      expect(batches.reduce((sum, b) => sum + b.rowCount, 0)).toBe(0);
      expect(batches.filter((b) => b.rowCount === 0)).toEqual([]);
    });

    it('keeps nulls, exact big integers, numbers and non-ASCII text', async () => {
      const batches = await readAll(target.warehouse, `SELECT id, email, score, ratio FROM ${mixed} ORDER BY id`, 4);
      expect(batches.map((b) => b.rowCount)).toEqual([4, 4, 1]);
      expect(batches[0]!.columnNames).toEqual(['id', 'email', 'score', 'ratio']);
      const column = (i: number) => batches.flatMap((b) => [...b.columns[i]!]);
      const [ids, emails, scores, ratios] = [column(0), column(1), column(2), column(3)];
      expect(ids.map(String)).toEqual(MIXED_ROWS.map((r) => String(r[0])));
      for (const id of ids) {
        // Beyond 2^53 a JS number is already wrong; exactness needs a string or a bigint.
        if (BigInt(String(id)) > BigInt(Number.MAX_SAFE_INTEGER)) expect(typeof id).not.toBe('number');
      }
      expect(emails).toEqual(MIXED_ROWS.map((r) => r[1]));
      expect(scores.map((v) => (v === null ? null : Number(v)))).toEqual(MIXED_ROWS.map((r) => r[2]));
      expect(ratios.map((v) => (v === null ? null : Number(v)))).toEqual(MIXED_ROWS.map((r) => r[3]));
      // Null means null: not undefined, not 'NULL', not ''.
      expect([emails[2], scores[2], ratios[2]]).toEqual([null, null, null]);
    });

    it('reports column names as created, and core finds an upper-case column case-insensitively', async () => {
      const batches = await readAll(target.warehouse, `SELECT * FROM ${upper}`, 10);
      expect(batches[0]!.columnNames).toEqual(['EMAIL']);
      const hashes: string[] = [];
      const session = { appendRecords: async (h: readonly string[]) => void hashes.push(...h) } as unknown as DiffSession;
      const result = await ingestRows(
        target.warehouse,
        session,
        { syncName: CONFORMANCE_SYNC, sql: `SELECT * FROM ${upper}`, columns: [{ column: 'email', type: 'email' }], batchSize: 2 },
        noProgress,
      );
      expect(result.sourceRows).toBe(3);
      expect(result.columns[0]).toMatchObject({ hashed: 2, empty: 1 });
      const expected = normalizeIdentifier('email', 'a@example.com');
      expect(expected.status === 'ok' && hashes.includes(expected.hash)).toBe(true);
    });

    it('reads exact decimals as their digits, never through a double', async () => {
      const batches = await readAll(target.warehouse, `SELECT id, d FROM ${typed} ORDER BY id`, 10);
      const decimals = batches.flatMap((b) => [...b.columns[1]!]);
      expect(decimals.map((v) => (v === null ? null : String(v)))).toEqual(TYPED_ROWS.map((r) => r[3]));
    });

    it('normalizes JSON strings unwrapped, binary digests as hex, and rejects nested values instead of hashing their text', async () => {
      const hashes: string[] = [];
      const session = { appendRecords: async (h: readonly string[]) => void hashes.push(...h) } as unknown as DiffSession;
      const result = await ingestRows(
        target.warehouse,
        session,
        {
          syncName: CONFORMANCE_SYNC,
          sql: `SELECT id, j, b, a, s FROM ${typed} ORDER BY id`,
          columns: [
            { column: 'j', type: 'email' },
            { column: 'b', type: 'email_sha256' },
            { column: 'a', type: 'email' },
            { column: 's', type: 'email' },
          ],
          batchSize: 4,
        },
        noProgress,
      );
      expect(result.sourceRows).toBe(TYPED_ROWS.length);
      const stats = Object.fromEntries(result.columns.map((c) => [c.column, { hashed: c.hashed, prehashed: c.prehashed, empty: c.empty, rejected: c.rejected }]));
      expect(stats).toEqual({
        // '"JSON.Email@Example.com"' is the email; an object or array is unsupported; JSON null is empty; 42 is no email
        j: { hashed: 1, prehashed: 0, empty: 2, rejected: { unsupported_value: 2, invalid_email: 1 } },
        // 32 bytes are the digest itself; 16 bytes are no SHA-256
        b: { hashed: 0, prehashed: 1, empty: 4, rejected: { invalid_binary: 1 } },
        // arrays (even of one email, even empty) and structs (even with a field named `value`) are not one identifier
        a: target.nullArraysReadAsEmpty
          ? { hashed: 0, prehashed: 0, empty: 0, rejected: { unsupported_value: TYPED_ROWS.length } }
          : { hashed: 0, prehashed: 0, empty: 4, rejected: { unsupported_value: 2 } },
        s: { hashed: 0, prehashed: 0, empty: 4, rejected: { unsupported_value: 2 } },
      });
      const sha = (v: string) => createHash('sha256').update(v).digest('hex');
      expect(new Set(hashes)).toEqual(new Set([sha('json.email@example.com'), DIGEST.toString('hex')]));
    });

    it('releases the cursor and connection when the caller breaks out early', async () => {
      for (let i = 0; i < 5; i++) {
        for await (const batch of target.warehouse.read({ sql: `SELECT * FROM ${numbers} ORDER BY n`, syncName: CONFORMANCE_SYNC, batchSize: 100 })) {
          expect(batch.rowCount).toBe(100);
          break;
        }
      }
      await target.assertReleased?.();
      const again = await readAll(target.warehouse, `SELECT * FROM ${numbers} ORDER BY n`, 400);
      expect(again.map((b) => b.rowCount)).toEqual([400, 400, 200]);
    });

    it('delivers a failure in the middle of the stream to the caller, naming the sync', async () => {
      const okRows = 150;
      let delivered = 0;
      const failure = await catchError(async () => {
        for await (const batch of target.warehouse.read({ sql: target.midStreamErrorSql(okRows), syncName: CONFORMANCE_SYNC, batchSize: 50 })) {
          delivered += batch.rowCount;
        }
      });
      expectWarehouseError(failure);
      expect(failure.code).toMatch(/^PINSYNC_WAREHOUSE_/);
      expect(delivered).toBeLessThanOrEqual(okRows);
      if (target.streamsRowsBeforeError) expect(delivered).toBeGreaterThanOrEqual(50);
      await target.assertReleased?.();
    });

    it('ends the iteration with a WarehouseError when aborted between batches', async () => {
      const controller = new AbortController();
      let batches = 0;
      const failure = await catchError(async () => {
        for await (const _ of target.warehouse.read({ sql: `SELECT * FROM ${numbers} ORDER BY n`, syncName: CONFORMANCE_SYNC, batchSize: 100, signal: controller.signal })) {
          if (++batches === 1) controller.abort();
        }
      });
      expectWarehouseError(failure);
      expectCancelled(failure);
      await target.assertReleased?.();
    });

    it('cancels a query the server is still running when aborted', async () => {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), 300);
      const started = Date.now();
      const failure = await catchError(async () => {
        for await (const _ of target.warehouse.read({ sql: target.slowSql(), syncName: CONFORMANCE_SYNC, batchSize: 10, signal: controller.signal })) {
          // The slow query yields nothing before the abort.
        }
      });
      clearTimeout(timer);
      expectWarehouseError(failure);
      expectCancelled(failure);
      expect(Date.now() - started).toBeLessThan(10_000);
      await target.assertNothingRunning?.();
      await target.assertReleased?.();
    });

    it('names the sync and the table when the table does not exist', async () => {
      const failure = await catchError(() => readAll(target.warehouse, `SELECT * FROM ${target.tableRef('pinsync_no_such_table')}`, 10));
      expectWarehouseError(failure);
      expect(failure.message).toContain('pinsync_no_such_table');
    });
  });
}

async function readAll(warehouse: Warehouse, sql: string, batchSize: number): Promise<RowBatch[]> {
  const batches: RowBatch[] = [];
  for await (const batch of warehouse.read({ sql, syncName: CONFORMANCE_SYNC, batchSize })) batches.push(batch);
  return batches;
}

function expectWellFormed(batch: RowBatch): void {
  expect(batch.rowCount).toBeGreaterThan(0);
  expect(batch.columns).toHaveLength(batch.columnNames.length);
  for (const column of batch.columns) expect(column).toHaveLength(batch.rowCount);
}

async function catchError(work: () => Promise<unknown>): Promise<WarehouseError> {
  try {
    await work();
  } catch (err) {
    return err as WarehouseError;
  }
  throw new Error('expected the read to fail, but it completed');
}

function expectWarehouseError(err: WarehouseError): void {
  expect(err).toBeInstanceOf(WarehouseError);
  expect(err.message).toContain(CONFORMANCE_SYNC);
}

// Every engine reports a cancelled read the same way, so the engine and the CLI need to know only one.
function expectCancelled(err: WarehouseError): void {
  expect({ code: err.code, message: err.message }).toEqual({ code: 'PINSYNC_ABORTED', message: `sync ${CONFORMANCE_SYNC}: reading the warehouse was cancelled` });
}
