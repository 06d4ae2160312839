/**
 * `state: postgres://user@host:5432/db?schema=pinsync`: the schema travels in the URL (one line of YAML, one
 * environment variable), the password may come from PINSYNC_STATE_PASSWORD instead of the URL, and TLS is chosen
 * by the URL's own `sslmode`/`sslrootcert`/... parameters, as for a Postgres warehouse.
 */
import { UsageError } from '../../../core/errors.js';

/** Where pinsync keeps its tables when the URL names no schema. */
export const DEFAULT_STATE_SCHEMA = 'pinsync';

/** A parsed Postgres state location. */
export interface PostgresStateUrl {
  /** The URL `pg` connects with (without pinsync's own `schema` parameter). */
  connectionUrl: string;
  /** Password from PINSYNC_STATE_PASSWORD when the URL has none. */
  password: string | undefined;
  /** Schema holding the state tables. */
  schema: string;
  /** The location for messages: no password, no other parameters. */
  display: string;
}

export function parsePostgresStateUrl(url: string, env: NodeJS.ProcessEnv = process.env): PostgresStateUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError('state: the postgres:// URL cannot be parsed; write it as postgres://user@host:5432/db?schema=pinsync');
  }
  const schema = parsed.searchParams.get('schema') ?? DEFAULT_STATE_SCHEMA;
  // Kept to plain identifiers: the schema goes into search_path and advisory-lock keys, and a name that needs
  // quoting there is more likely a typo than a wish.
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(schema)) {
    throw new UsageError(`state: schema=${schema} is not a plain schema name; use letters, digits and underscores (e.g. ?schema=pinsync)`);
  }
  parsed.searchParams.delete('schema');
  const password = parsed.password === '' ? blankToUndefined(env.PINSYNC_STATE_PASSWORD) : undefined;
  const user = parsed.username === '' ? '' : `${decodeURIComponent(parsed.username)}@`;
  return {
    connectionUrl: parsed.href,
    password,
    schema,
    display: `postgres://${user}${parsed.host}${parsed.pathname}?schema=${schema}`,
  };
}

function blankToUndefined(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
