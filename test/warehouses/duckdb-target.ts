/**
 * The conformance target for DuckDB: a database file in a temp folder, seeded through a read-write instance that
 * is closed again before the connector (which opens the file read-only) reads it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBAppender, LIST, STRUCT, VARCHAR, decimalValue } from '@duckdb/node-api';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { DuckDbWarehouse } from '../../connectors/warehouses/duckdb/duckdb-warehouse.js';
import type { SeedColumnType, SeedTable, SeedValue, WarehouseConformanceTarget } from './warehouse-conformance.js';

const DUCKDB_TYPES: Record<SeedColumnType, string> = {
  text: 'VARCHAR',
  int32: 'INTEGER',
  int64: 'BIGINT',
  float64: 'DOUBLE',
  json: 'JSON',
  binary: 'BLOB',
  decimal: 'DECIMAL(38,0)',
  text_array: 'VARCHAR[]',
  struct: 'STRUCT(value VARCHAR)',
};
const TEXT_LIST = LIST(VARCHAR);
const VALUE_STRUCT = STRUCT({ value: VARCHAR });

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function makeDuckDbTarget(): Promise<WarehouseConformanceTarget> {
  const dir = await mkdtemp(join(tmpdir(), 'pinsync-duckdb-conformance-'));
  const path = join(dir, 'warehouse.duckdb');
  const warehouse = new DuckDbWarehouse({ path, threads: 2 });

  return {
    warehouse,
    tableRef: quote,
    async seedTable(table: SeedTable): Promise<string> {
      // The connector holds the file open read-only once it has read; a writer needs it released first.
      await warehouse.close();
      const instance = await openDuckDb(path);
      const conn = await instance.connect();
      try {
        const columns = table.columns.map((c) => `${quote(c.name)} ${DUCKDB_TYPES[c.type]}`).join(', ');
        await conn.run(`CREATE OR REPLACE TABLE ${quote(table.name)} (${columns})`);
        const appender = await conn.createAppender(table.name);
        for (const row of table.rows) {
          row.forEach((value, c) => append(appender, table.columns[c]!.type, value));
          appender.endRow();
        }
        appender.closeSync();
      } finally {
        conn.closeSync();
        instance.closeSync();
      }
      return quote(table.name);
    },
    // error() raises whatever DuckDB is doing; vectorized execution may raise it before any row is returned.
    midStreamErrorSql: (okRows) => `SELECT i AS n, CASE WHEN i > ${okRows} THEN error('boom at ' || i) ELSE i END AS v FROM range(1, ${okRows * 4}) t(i)`,
    streamsRowsBeforeError: false,
    slowSql: () => 'SELECT count(*) AS c FROM range(1000000000000)',
    async assertReleased() {
      // Opening the file read-write needs every other handle on it gone.
      await warehouse.close();
      const instance = await openDuckDb(path);
      instance.closeSync();
    },
    async dispose() {
      await warehouse.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function append(appender: DuckDBAppender, type: SeedColumnType, value: SeedValue): void {
  if (value === null) return appender.appendNull();
  switch (type) {
    case 'text':
      return appender.appendVarchar(String(value));
    case 'int32':
      return appender.appendInteger(Number(value));
    case 'int64':
      return appender.appendBigInt(BigInt(value as bigint));
    case 'float64':
      return appender.appendDouble(Number(value));
    // JSON is a VARCHAR alias: the document's text is what DuckDB stores.
    case 'json':
      return appender.appendVarchar(String(value));
    case 'binary':
      return appender.appendBlob(value as Uint8Array);
    case 'decimal':
      return appender.appendDecimal(decimalValue(BigInt(String(value)), 38, 0));
    case 'text_array':
      return appender.appendList([...(value as readonly string[])], TEXT_LIST);
    case 'struct':
      return appender.appendStruct({ value: (value as { value: string }).value }, VALUE_STRUCT);
  }
}
