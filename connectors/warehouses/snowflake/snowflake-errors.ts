/**
 * Maps what `snowflake-sdk` threw to a WarehouseError that says what to fix. Server errors carry Snowflake's code
 * (`002003` object not found, `390100` bad password...) and SQLSTATE; client-side failures carry the SDK's own
 * numeric codes (`401001` cannot connect, `402002` a result chunk could not be downloaded).
 */
import { WarehouseError, messageOf } from '../../../core/errors.js';
import { scrubErrorText } from '../../../core/scrub-error-text.js';

/** Who the failing operation ran for and at which step, so messages name the sync and the right fix. */
export interface SnowflakeErrorContext {
  /** `sync <name>` for reads, `warehouse <name>` for checks: the first words of every message. */
  who: string;
  /** The account, for login messages. */
  account: string;
  /** The login name, for login messages. */
  username: string;
  /** `connect` while logging in, `query` afterwards. */
  phase: 'connect' | 'query';
  /** The configured statement timeout, quoted when Snowflake stops a statement for it. */
  statementTimeoutSeconds: number | undefined;
  /** The configured virtual warehouse, named when the session has none (Snowflake 000606). */
  warehouse: string;
  /** The configured database, named when the session has none (Snowflake 090105). */
  database: string;
  /** The configured schema, named when the session has none (Snowflake 090106). */
  schema: string;
  /** The configured role; the user's default role when undefined. */
  role: string | undefined;
  /** Where the warehouse's settings live, e.g. `warehouses.sf`: messages name the key to change. */
  settingsPath: string;
}

// No active warehouse / no current database / no current schema in the session.
const MISSING_SESSION_OBJECT: Record<string, MissingSessionObject['kind'] | undefined> = { '000606': 'warehouse', '090105': 'database', '090106': 'schema' };
const GRANTS_HINT = 'the role needs USAGE on the warehouse, database and schema and SELECT on the tables';
// SDK codes for "nothing answered": could not connect to Snowflake / to the result storage.
const NETWORK_CODES = new Set(['401001', '402001']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** Classifies a failure; see the module comment. */
export function toSnowflakeError(err: unknown, ctx: SnowflakeErrorContext): WarehouseError {
  if (err instanceof WarehouseError) return err;
  const e = (err ?? {}) as { code?: unknown; sqlState?: unknown; cause?: unknown };
  const code = e.code === undefined || e.code === null ? '' : String(e.code);
  const sqlState = typeof e.sqlState === 'string' ? e.sqlState : '';
  // Snowflake quotes the offending value of a failed cast (`Numeric value '…' is not recognized`): never show it raw.
  const text = `${scrubErrorText(oneLine(messageOf(err)))}${code ? ` (Snowflake ${code}${sqlState ? `, SQLSTATE ${sqlState}` : ''})` : ''}`;
  const who = ctx.who;

  if (NETWORK_CODES.has(code) || SOCKET_CODES.has(code) || SOCKET_CODES.has(String((e.cause as { code?: unknown } | undefined)?.code ?? ''))) {
    return new WarehouseError('PINSYNC_WAREHOUSE_UNREACHABLE', `${who}: cannot reach Snowflake account ${ctx.account}: ${text}`, { cause: err });
  }
  if (code === '390189' || code === '390201' || code === '390202' || code === '390203') {
    // The role, database, warehouse or schema named in the login does not exist or is not granted.
    return new WarehouseError('PINSYNC_WAREHOUSE_PERMISSION', `${who}: Snowflake refused the session: ${text}; check role/database/schema/warehouse and that ${GRANTS_HINT}`, { cause: err });
  }
  if (ctx.phase === 'connect' || code.startsWith('3901') || code.startsWith('3903') || code === '390144') {
    return new WarehouseError(
      'PINSYNC_WAREHOUSE_AUTH',
      `${who}: Snowflake login of user ${ctx.username} to account ${ctx.account} failed: ${text}; check password, or privateKeyPath/privateKey, privateKeyPassphrase and the public key registered for the user`,
      { cause: err },
    );
  }
  if (code === '002003' || sqlState === '42S02' || sqlState === '02000') {
    // Snowflake says "does not exist or not authorized" for both; its message names the object.
    return new WarehouseError('PINSYNC_WAREHOUSE_TABLE_NOT_FOUND', `${who}: ${text}; if it exists, ${GRANTS_HINT}`, { cause: err });
  }
  const missing = MISSING_SESSION_OBJECT[code];
  if (missing) {
    // Snowflake ignores a name it cannot use at login; the first statement that needs the object says so. Its own
    // text ("Call 'USE DATABASE'") suggests a fix that does not apply to pinsync: only the code is quoted.
    const name = missing === 'schema' ? `${ctx.database}.${ctx.schema}` : ctx[missing];
    return new WarehouseError('PINSYNC_WAREHOUSE_PERMISSION', `${who}: ${missingSessionObjectText({ kind: missing, name }, ctx)} (Snowflake ${code})`, { cause: err });
  }
  if (code === '003001' || sqlState === '42501') {
    return new WarehouseError('PINSYNC_WAREHOUSE_PERMISSION', `${who}: Snowflake refused the query: ${text}; ${GRANTS_HINT}`, { cause: err });
  }
  if (code === '000630') {
    return new WarehouseError(
      'PINSYNC_WAREHOUSE_TIMEOUT',
      `${who}: the Snowflake statement ran longer than ${ctx.statementTimeoutSeconds !== undefined ? `statementTimeoutSeconds (${ctx.statementTimeoutSeconds} s)` : 'the statement timeout'} and was stopped: ${text}`,
      { cause: err },
    );
  }
  if (sqlState.startsWith('42') || code === '001003') {
    return new WarehouseError('PINSYNC_WAREHOUSE_SQL', `${who}: Snowflake rejected the SQL: ${text}`, { cause: err });
  }
  if (code === '000604') {
    return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `${who}: the Snowflake statement was cancelled: ${text}`, { cause: err });
  }
  return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `${who}: the warehouse query failed: ${text}`, { cause: err });
}

/** A session object Snowflake left unset at login: its setting, and the name the config gave it. */
export interface MissingSessionObject {
  /** The setting, which is also Snowflake's object kind. */
  kind: 'warehouse' | 'database' | 'schema';
  /** The configured name (for a schema, qualified with its database). */
  name: string;
}

/**
 * Why the session has no current warehouse/database/schema and what to set. Snowflake ignores a name it cannot use
 * at login instead of failing it, so this is only seen by check() (CURRENT_WAREHOUSE() is NULL) or by the first
 * statement that needs it.
 */
export function missingSessionObjectText(missing: MissingSessionObject, ctx: Pick<SnowflakeErrorContext, 'role' | 'settingsPath'>): string {
  const role = ctx.role !== undefined ? `role ${ctx.role}` : "the user's default role";
  const kind = missing.kind.toUpperCase();
  return (
    `the Snowflake session has no ${missing.kind}: ${kind} ${missing.name} does not exist or ${role} may not use it; ` +
    `set ${ctx.settingsPath}.${missing.kind} to one the role can use, or GRANT USAGE ON ${kind} ${missing.name} TO ROLE ${ctx.role ?? '<role>'}`
  );
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').trim();
}
