/**
 * Maps whatever `pg` or the network threw to a WarehouseError that says what to fix: wrong credentials, a server
 * that cannot be reached, a table that does not exist, or Postgres' own message with its SQLSTATE. Messages never
 * contain the URL or the password.
 */
import { DatabaseError } from 'pg';
import { WarehouseError, messageOf } from '../../../core/errors.js';
import { scrubErrorText } from '../../../core/scrub-error-text.js';

/** Where and for whom the failing operation ran, so the message can name the sync and the server. */
export interface PgErrorContext {
  /** `sync <name>` for reads, `warehouse <name>` for checks: the first words of every message. */
  who: string;
  /** `host:port/database`, never the URL (it may hold a password). */
  server: string;
  /** The login role, for authentication failures. */
  user: string | undefined;
  /** Whether the connection was being established (network errors mean "unreachable") or a query ran. */
  phase: 'connect' | 'query';
  /** The configured statement timeout, to tell a timeout apart from a cancel. */
  statementTimeoutMs: number | undefined;
}

// Node's socket-level failures: nothing answered at that address, so the fix is the host/port/network, not SQL.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

/** Classifies a failure from `pg`; see the module comment. */
export function toWarehouseError(err: unknown, ctx: PgErrorContext): WarehouseError {
  if (err instanceof WarehouseError) return err;
  if (err instanceof DatabaseError) return databaseError(err, ctx);
  const code = networkCodeOf(err);
  const message = scrubErrorText(messageOf(err));
  if (code !== undefined && (ctx.phase === 'connect' || code !== 'ECONNRESET')) {
    return new WarehouseError('PINSYNC_WAREHOUSE_UNREACHABLE', `${ctx.who}: cannot reach the Postgres warehouse at ${ctx.server} (${code}): ${message}`, { cause: err });
  }
  if (ctx.phase === 'connect') {
    if (/timeout/i.test(message)) {
      return new WarehouseError('PINSYNC_WAREHOUSE_UNREACHABLE', `${ctx.who}: cannot reach the Postgres warehouse at ${ctx.server}: no answer before the connect timeout`, { cause: err });
    }
    if (isTlsFailure(err, message)) {
      return new WarehouseError('PINSYNC_WAREHOUSE_TLS', `${ctx.who}: TLS with the Postgres warehouse at ${ctx.server} failed: ${message} (a certificate from a private CA, as on RDS or Cloud SQL, needs ssl.caPath naming the CA's PEM file, even with sslmode=require; ssl: false for a server without TLS)`, { cause: err });
    }
    return new WarehouseError('PINSYNC_WAREHOUSE_UNREACHABLE', `${ctx.who}: cannot connect to the Postgres warehouse at ${ctx.server}: ${message}`, { cause: err });
  }
  return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `${ctx.who}: the warehouse query failed: ${message}`, { cause: err });
}

function databaseError(err: DatabaseError, ctx: PgErrorContext): WarehouseError {
  const state = err.code ?? 'unknown';
  // `detail` quotes rows and key values (`Key (email)=(…) already exists`): it is only ever shown scrubbed. `where`
  // (the PL/pgSQL context, which may quote a statement with its values) is never shown.
  const pgText = scrubErrorText(`${err.message} (SQLSTATE ${state})${err.detail ? `; ${err.detail}` : ''}${err.hint ? `; hint: ${err.hint}` : ''}`);
  switch (state) {
    case '28P01': // invalid_password
    case '28000': // invalid_authorization_specification: no pg_hba entry, unknown role
      return new WarehouseError(
        'PINSYNC_WAREHOUSE_AUTH',
        `${ctx.who}: the Postgres warehouse at ${ctx.server} refused the login${ctx.user ? ` of user "${ctx.user}"` : ''}: ${pgText}; check user and password`,
        { cause: err },
      );
    case '42P01': {
      // undefined_table; the name is only in the (possibly translated) message, so fall back to the whole of it.
      const table = /relation "([^"]+)"/.exec(err.message)?.[1];
      const what = table !== undefined ? `table ${table} does not exist` : 'a table in the query does not exist';
      return new WarehouseError('PINSYNC_WAREHOUSE_TABLE_NOT_FOUND', `${ctx.who}: ${what} in the Postgres warehouse at ${ctx.server}: ${pgText}`, { cause: err });
    }
    case '42501': // insufficient_privilege
      return new WarehouseError(
        'PINSYNC_WAREHOUSE_PERMISSION',
        `${ctx.who}: the warehouse query was refused: ${pgText}; the user needs CONNECT on the database, USAGE on the schema and SELECT on the tables`,
        { cause: err },
      );
    case '57014': // query_canceled: by statement_timeout, or by someone else's pg_cancel_backend
      if (ctx.statementTimeoutMs !== undefined && /timeout/i.test(err.message)) {
        return new WarehouseError('PINSYNC_WAREHOUSE_TIMEOUT', `${ctx.who}: the warehouse query ran longer than statementTimeoutMs (${ctx.statementTimeoutMs} ms): ${pgText}`, { cause: err });
      }
      return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `${ctx.who}: the warehouse query was cancelled on the server: ${pgText}`, { cause: err });
    default:
      if (ctx.phase === 'connect') {
        return new WarehouseError('PINSYNC_WAREHOUSE_CONNECT', `${ctx.who}: the Postgres warehouse at ${ctx.server} refused the connection: ${pgText}`, { cause: err });
      }
      return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `${ctx.who}: the warehouse query failed: ${pgText}`, { cause: err });
  }
}

// With several addresses for one name (localhost: ::1 and 127.0.0.1) Node reports an AggregateError whose members
// carry the codes.
function networkCodeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const found = networkCodeOf(inner);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

function isTlsFailure(err: unknown, message: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /CERT|TLS|SSL/.test(code)) return true;
  return /\bSSL\b|\bTLS\b|certificate/i.test(message);
}
