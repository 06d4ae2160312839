/**
 * Finds the configured identifier columns among the columns a query returns. A key of `identifiers:` that names no
 * returned column is a config mistake, reported before any row is read with what the query does return, so the
 * user never sees the SQL pinsync generates around their query.
 */
import { closestMatch } from './config/did-you-mean.js';
import { EXIT, PinsyncError } from './errors.js';

/**
 * The index in `returned` of each wanted column, in order. Names match exactly first, then case-insensitively:
 * Snowflake upper-cases unquoted names and Postgres lower-cases them, so `email` finds `EMAIL`.
 */
export function resolveResultColumns(syncName: string, wanted: readonly { column: string }[], returned: readonly string[]): number[] {
  const lower = returned.map((n) => n.toLowerCase());
  const missing: string[] = [];
  const indexes = wanted.map(({ column }) => {
    const exact = returned.indexOf(column);
    const i = exact >= 0 ? exact : lower.indexOf(column.toLowerCase());
    if (i < 0) missing.push(column);
    return i;
  });
  if (missing.length > 0) throw columnMissingError(syncName, missing, returned);
  return indexes;
}

function columnMissingError(syncName: string, missing: readonly string[], returned: readonly string[]): PinsyncError {
  const names = missing.map((c) => `"${c}"`).join(', ');
  const hints = missing
    .map((c) => [c, closestMatch(c, returned)] as const)
    .filter((pair): pair is readonly [string, string] => pair[1] !== undefined)
    .map(([c, match]) => (missing.length === 1 ? `did you mean "${match}"?` : `for "${c}" did you mean "${match}"?`));
  return new PinsyncError(
    'PINSYNC_COLUMN_MISSING',
    `sync ${syncName}: identifiers names ${missing.length === 1 ? 'column' : 'columns'} ${names}, but the query returns no such ` +
      `${missing.length === 1 ? 'column' : 'columns'} (it returns: ${returned.join(', ') || 'no columns'})` +
      // A did-you-mean ends its sentence with its question mark; otherwise a full stop does.
      `${hints.length > 0 ? `; ${hints.join('; ')} ` : '. '}` +
      'Fix the key under identifiers, or name the column in the query (select … AS <name>).',
    EXIT.usage,
  );
}
