/**
 * Shared by the normalization tests: one DuckDB connection with the macros installed, and bulk evaluation through
 * an appender so thousands of values cost one query instead of thousands of round trips.
 */
import { readFileSync } from 'node:fs';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { IdentifierType } from '../../core/identifier-types.js';
import { openDuckDb } from '../../connectors/duckdb/open-duckdb.js';
import { installNormalizationMacros, normalizationOutcomeSql } from '../../connectors/duckdb/duckdb-normalization.js';

/** One line of the shared golden vectors file. */
export interface IdentifierVector {
  /** Identifier type the input is mapped to. */
  type: IdentifierType;
  /** Raw value as a warehouse would return it. */
  input: string | null;
  /** Expected status. */
  status: 'ok' | 'empty' | 'rejected';
  /** Expected reason when rejected. */
  reason?: string;
  /** Expected hash when ok. */
  hash?: string;
  /** True when the input already was a SHA-256. */
  prehashed?: boolean;
}

export const VECTORS_URL = new URL('../../../shared/vectors/identifiers.jsonl', import.meta.url);

export function readVectors(): IdentifierVector[] {
  return readFileSync(VECTORS_URL, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as IdentifierVector);
}

/** A DuckDB connection with the macros installed and a scratch table `vals(i, v)`. */
export interface NormalizeDuckDb {
  /** The open connection. */
  conn: DuckDBConnection;
  /** Outcome strings of `values` for `type`, index for index. */
  outcomes(type: IdentifierType, values: readonly (string | null)[]): Promise<string[]>;
  /** Outcome strings of `values` for several types in one query: `result[t][i]`. */
  outcomesByType(types: readonly IdentifierType[], values: readonly (string | null)[]): Promise<string[][]>;
  /** Closes connection and instance. */
  close(): void;
}

export async function openNormalizeDuckDb(): Promise<NormalizeDuckDb> {
  const db: DuckDBInstance = await openDuckDb(':memory:');
  const conn = await db.connect();
  await installNormalizationMacros(conn);
  await conn.run('CREATE TABLE vals (i INTEGER, v VARCHAR)');

  async function outcomesByType(types: readonly IdentifierType[], values: readonly (string | null)[]) {
    await conn.run('DELETE FROM vals');
    const appender = await conn.createAppender('vals');
    values.forEach((v, i) => {
      appender.appendInteger(i);
      if (v === null) appender.appendNull();
      else appender.appendVarchar(v);
      appender.endRow();
    });
    appender.closeSync();
    const cols = types.map((t, k) => `${normalizationOutcomeSql(t, 'v')} AS o${k}`).join(', ');
    const reader = await conn.runAndReadAll(`SELECT ${cols} FROM vals ORDER BY i`);
    const rows = reader.getRows();
    return types.map((_, k) => rows.map((row) => row[k] as string));
  }

  return {
    conn,
    outcomesByType,
    async outcomes(type, values) {
      return (await outcomesByType([type], values))[0] as string[];
    },
    close() {
      conn.closeSync();
      db.closeSync();
    },
  };
}
