/**
 * How Postgres values become JavaScript cells, set on each client (never through `pg.types`, which is global and
 * would change every other `pg` user in the process, including a Postgres state store).
 *
 * Only types whose JavaScript form is lossless are converted: booleans, 16/32-bit integers and floats. Everything
 * else stays the exact text Postgres sent: `int8` and `numeric` (an ID beyond 2^53 must not be rounded before it is
 * hashed), dates and timestamps (no time-zone guessing), uuid, json and arrays (the RowBatch contract has no
 * objects). NULL never reaches a parser: `pg` hands it over as `null`.
 */
import type { CustomTypesConfig } from 'pg';

const BOOL = 16;
const INT2 = 21;
const INT4 = 23;
const FLOAT4 = 700;
const FLOAT8 = 701;

type TextParser = (value: string) => unknown;

const keepText: TextParser = (value) => value;

const TEXT_PARSERS = new Map<number, TextParser>([
  [BOOL, (value) => value === 't' || value === 'true'],
  [INT2, (value) => Number.parseInt(value, 10)],
  [INT4, (value) => Number.parseInt(value, 10)],
  // parseFloat understands Postgres' 'NaN', 'Infinity' and '-Infinity'.
  [FLOAT4, (value) => Number.parseFloat(value)],
  [FLOAT8, (value) => Number.parseFloat(value)],
]);

function getTypeParser(oid: number, format?: 'text' | 'binary'): TextParser {
  // pinsync never asks for binary results; should it ever, handing over the raw Buffer is the honest answer.
  if (format === 'binary') return keepText;
  return TEXT_PARSERS.get(oid) ?? keepText;
}

/** Per-client type parsers for pinsync's reads (pass as `types` in the client config). */
export const pinsyncPgTypes = { getTypeParser } as unknown as CustomTypesConfig;
