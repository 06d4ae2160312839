/**
 * Names in the planner schema. A run's delta table is named by run id (unique in the state) and sync, so a killed
 * run's table is recognizable by a person too; the `deltas` table is what pinsync itself looks tables up in.
 */
import { escapeIdentifier, escapeLiteral } from 'pg';

/** Postgres truncates identifiers longer than this many bytes. */
const MAX_IDENTIFIER_BYTES = 63;

/** `delta_<runId>_<sync>`, cut to Postgres' identifier limit (sync names are [a-z0-9_], one byte a character). */
export function deltaTableName(syncName: string, runId: number): string {
  return `delta_${runId}_${syncName}`.slice(0, MAX_IDENTIFIER_BYTES);
}

/** `"schema"."table"`. */
export function plannerTable(schema: string, table: string): string {
  return `${escapeIdentifier(schema)}.${escapeIdentifier(table)}`;
}

/** A SQL string literal. */
export function sqlLiteral(value: string): string {
  return escapeLiteral(value);
}
