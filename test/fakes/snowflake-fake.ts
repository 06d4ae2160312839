/**
 * A local Snowflake fake for the real `snowflake-sdk` (pointed at it with `accessUrl: 'http://127.0.0.1:PORT'`).
 *
 * Speaks: login-request (password, or key-pair: the JWT is verified against the user's public key; the body may be
 * gzip), telemetry, query-request answering the JSON result format (`rowtype` + `rowset`, every cell a string or
 * null), "query in progress" (code 333333) with polling of `GET /queries/<id>/result`, results larger than
 * `rowsPerChunk` split into chunks the client downloads from the fake (as it would from cloud storage), the two
 * abort-request forms, `ALTER SESSION SET <param> = <value>`, heartbeats, and session delete. Errors are
 * `{success:false, code, message, data:{sqlState}}`. Unquoted names are upper-case, as in Snowflake: define tables
 * with upper-case column names.
 *
 * Cells travel as Snowflake's JSON result format sends them: NUMBER as its digits, BINARY as upper-case hex whatever
 * the session's BINARY_OUTPUT_FORMAT (that parameter only tells the client how to print bytes: snowflake-sdk decodes
 * the hex, `Buffer.from(raw, 'HEX')`, and renders the format only when asked for a string), VARIANT/OBJECT/ARRAY as
 * their JSON text (objects and arrays pretty-printed with two-space indentation). The session's parameters
 * (BINARY_OUTPUT_FORMAT, CLIENT_SESSION_KEEP_ALIVE...) go with the login answer and with every result, as the
 * client reads its formats from there.
 *
 * A login naming a warehouse, database or schema that does not exist (see `warehouses`/`databases`/`schemas`) still
 * succeeds, as in Snowflake: the session simply has none, `CURRENT_WAREHOUSE()` is NULL, and a statement that needs
 * compute fails with 000606. `SELECT CURRENT_WAREHOUSE(), CURRENT_DATABASE(), ...` (context functions only, with
 * optional aliases) answers from the session and, like `SELECT 1`, needs no warehouse.
 *
 * With `duckdb: true`, a statement that is neither scripted, a session command, nor a simple SELECT of a fake table
 * runs on an in-memory DuckDB instead, translated from Snowflake SQL by test/fakes/dialect-on-duckdb.ts: CREATE
 * SCHEMA/FUNCTION/TABLE and the SELECTs that call pinsync's SQL UDFs, so a test exercises the statements pinsync
 * sends, not a script of their answers. A query's unquoted column names come back upper-cased, as Snowflake names
 * them; other statements answer one `status` row. Such a statement runs when it arrives, before the session's
 * warehouse is checked. DuckDB's failures answer 001003 (002003 for a missing table or schema).
 *
 * Not covered: Arrow results, bind variables, multi-statement, PUT/GET, async (`asyncExec`) queries, session
 * renewal, MFA/SSO/OAuth authenticators.
 */
import { createPublicKey, createVerify, createHash, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { pause, sendJson, startHttpFake, type RecordedRequest, type RunningHttpFake } from './fake-http.js';
import { openDialectOnDuckDb, type DialectOnDuckDb, type DuckDbResult } from './dialect-on-duckdb.js';
import { resolveQuery, sqlKey, type FakeTable, type ResolvedQuery } from './fake-sql.js';

/** A Snowflake error: its code (`002003`...), message and SQLSTATE. */
export interface SnowflakeFakeError {
  /** Snowflake's error code, a 6-digit string such as `002003` or `390100`. */
  code: string;
  /** Snowflake's message. */
  message: string;
  /** SQLSTATE, e.g. `42S02`. */
  sqlState?: string;
}

/** What a scripted statement (matched by its exact SQL text) does. */
export interface SnowflakeFakeScript {
  /** The result set; column types are rowtype types (`fixed`, `text`, `real`, `boolean`, `binary`, `variant`, `object`, `array`...), cells their wire text. */
  result?: FakeTable;
  /** The failure to answer with (after any pending polls). */
  error?: SnowflakeFakeError;
  /** Times the query answers "in progress" (333333) before its outcome; `Infinity` for a query that never ends. */
  pendingPolls?: number;
  /** The first downloaded chunk holding rows past this many answers 404 (a failure in the middle of the stream). */
  failAfterRows?: number;
}

/** A user the fake accepts. */
export interface SnowflakeFakeUser {
  /** Accepted password. */
  password?: string;
  /** PEM public key for key-pair (SNOWFLAKE_JWT) logins. */
  publicKey?: string;
}

export interface SnowflakeFakeOptions {
  /** Account identifier the client must send. Default `fakeacct`. */
  account?: string;
  /** Users by login name (upper-cased, as Snowflake compares them). Default `{ PINSYNC: { password: 'fake-password' } }`. */
  users?: Record<string, SnowflakeFakeUser>;
  /** Roles that exist; a login asking for another fails with 390189. Default: any. */
  roles?: string[];
  /** Tables readable with `SELECT ... FROM <name>`, keys like `DB.SCHEMA.T` or `T`. */
  tables?: Record<string, FakeTable>;
  /** Scripted statements by exact SQL text (whitespace-insensitive). */
  queries?: Record<string, SnowflakeFakeScript>;
  /** Rows answered inline; the rest become chunks of this many rows. Default 1000. */
  rowsPerChunk?: number;
  /** How long a poll of a running query is held before answering "in progress". Default 20 ms. */
  pollWaitMs?: number;
  /** How long a login is held before it is answered. Default 0. */
  loginDelayMs?: number;
  /** How long each chunk download is held before it is answered. Default 0. */
  chunkDelayMs?: number;
  /** Account-level parameters, e.g. `{ BINARY_OUTPUT_FORMAT: 'BASE64' }`; ALTER SESSION SET overrides them per session. */
  parameters?: Record<string, string | number | boolean>;
  /** Warehouses that exist and the roles may use; a login naming another gets no current warehouse. Default: any. */
  warehouses?: string[];
  /** Databases that exist; a login naming another gets no current database (nor schema). Default: any. */
  databases?: string[];
  /** Schemas that exist (unqualified names); a login naming another gets no current schema. Default: any. */
  schemas?: string[];
  /** Run statements the simple engine does not understand on DuckDB, translated from Snowflake SQL. Default false. */
  duckdb?: boolean;
}

/** A statement as the fake saw it. */
export interface FakeSnowflakeQuery {
  /** Snowflake query id. */
  queryId: string;
  /** The client's request id. */
  requestId: string;
  /** The SQL text. */
  sqlText: string;
  /** Statement-level parameters sent with it. */
  parameters: Record<string, unknown>;
  /** The QUERY_TAG in effect: statement parameter, else session parameter, else null. */
  queryTag: string | null;
  /** Session it ran in. */
  sessionId: number;
  /** Polls left before the outcome. */
  pendingPolls: number;
  /** True once an abort-request reached it. */
  cancelled: boolean;
  /** When it started (ms since epoch). */
  startedAt: number;
  /** STATEMENT_TIMEOUT_IN_SECONDS in effect (statement parameter, else session), or undefined. */
  timeoutSeconds: number | undefined;
  /** Outcome once done. */
  outcome: { error: SnowflakeFakeError } | { result: FakeTable; failAfterRows?: number };
}

/** A login session. */
export interface FakeSnowflakeSession {
  /** Numeric session id. */
  sessionId: number;
  /** Login name. */
  user: string;
  /** `PASSWORD` or `SNOWFLAKE_JWT`. */
  authenticator: string;
  /** Session parameters sent at login (QUERY_TAG...) or set by ALTER SESSION SET. */
  sessionParameters: Record<string, unknown>;
  /** Query-string context of the login: warehouse, databaseName, schemaName, roleName. */
  context: Record<string, string>;
  /** What CURRENT_WAREHOUSE() and friends answer: the login's names upper-cased, or null where none is usable. */
  current: { warehouse: string | null; database: string | null; schema: string | null; role: string };
  /** False once the client deleted the session. */
  open: boolean;
}

export interface RunningSnowflakeFake extends RunningHttpFake {
  /** The account identifier. */
  account: string;
  /** Sessions by token. */
  sessions: Map<string, FakeSnowflakeSession>;
  /** Every statement, in order. */
  queries: FakeSnowflakeQuery[];
  /** Sessions the client has not deleted. */
  openSessions(): number;
  /** The fake's tables, mutable between calls. */
  tables: Record<string, FakeTable>;
  /** Scripted statements, mutable between calls. */
  scripts: Record<string, SnowflakeFakeScript>;
  /** The most chunk downloads that were in flight at the same time (the client's prefetch, made visible). */
  maxChunksInFlight(): number;
  /** Every statement run on DuckDB (see `duckdb`), in order, as the client sent it. */
  duckDbStatements: string[];
}

/** Starts the fake on 127.0.0.1, port 0. */
export async function startSnowflakeFake(options: SnowflakeFakeOptions = {}): Promise<RunningSnowflakeFake> {
  const account = options.account ?? 'fakeacct';
  const users = Object.fromEntries(Object.entries(options.users ?? { PINSYNC: { password: 'fake-password' } }).map(([k, v]) => [k.toUpperCase(), v]));
  const tables = options.tables ?? {};
  const scripts = options.queries ?? {};
  const rowsPerChunk = options.rowsPerChunk ?? 1000;
  const pollWaitMs = options.pollWaitMs ?? 20;
  const accountParameters = { ...DEFAULT_PARAMETERS, ...options.parameters };
  let chunksInFlight = 0;
  let maxChunksInFlight = 0;
  const sessions = new Map<string, FakeSnowflakeSession>();
  const queries: FakeSnowflakeQuery[] = [];
  let nextSessionId = 1000;
  let baseUrl = '';
  const duckDbStatements: string[] = [];
  let duckDb: Promise<DialectOnDuckDb> | undefined;

  // A statement for DuckDB: not a session command, a script, context functions or a simple SELECT of a fake table.
  // Undefined leaves it to startQuery's own resolution.
  async function viaDuckDb(req: RecordedRequest, session: FakeSnowflakeSession): Promise<ResolvedQuery<SnowflakeFakeScript> | undefined> {
    if (!options.duckdb) return undefined;
    const sqlText = String(req.body?.sqlText ?? '');
    if (/^\s*alter\s+session\s+set\s/i.test(sqlText) || contextFunctions(sqlText, session) !== undefined) return undefined;
    const simple = resolveQuery(sqlText, tables, scripts, { upperCaseUnquoted: true });
    if (simple.kind !== 'syntax' && simple.kind !== 'missing') return undefined;
    duckDb ??= openDialectOnDuckDb('snowflake');
    const engine = await duckDb;
    try {
      duckDbStatements.push(sqlText);
      return { kind: 'script', script: { result: snowflakeResult(await engine.run(sqlText)) } };
    } catch (err) {
      const message = (err as Error).message;
      if (simple.kind === 'missing' && MISSING_OBJECT.test(message)) return simple;
      const error = MISSING_OBJECT.test(message)
        ? { code: '002003', sqlState: '42S02', message: `SQL compilation error:\n${message}` }
        : { code: '001003', sqlState: '42000', message: `SQL compilation error:\n${message}` };
      return { kind: 'script', script: { error } };
    }
  }

  async function login(req: RecordedRequest, res: ServerResponse): Promise<void> {
    if (options.loginDelayMs) await pause(options.loginDelayMs, res);
    const data = req.body?.data ?? {};
    const user = String(data.LOGIN_NAME ?? '').toUpperCase();
    const authenticator = String(data.AUTHENTICATOR ?? 'SNOWFLAKE').toUpperCase();
    const known = users[user];
    if (String(data.ACCOUNT_NAME ?? '').toUpperCase() !== account.toUpperCase()) {
      return sendFailure(res, { code: '390100', message: 'Incorrect username or password was specified.' });
    }
    if (authenticator === 'SNOWFLAKE_JWT') {
      if (!known?.publicKey || !verifyJwt(String(data.TOKEN ?? ''), known.publicKey, account, user)) {
        return sendFailure(res, { code: '390144', message: 'JWT token is invalid.' });
      }
    } else if (!known || known.password === undefined || data.PASSWORD !== known.password) {
      return sendFailure(res, { code: '390100', message: 'Incorrect username or password was specified.' });
    }
    if (req.query.roleName !== undefined && options.roles && !options.roles.map((r) => r.toUpperCase()).includes(req.query.roleName.toUpperCase())) {
      return sendFailure(res, { code: '390189', message: `Role '${req.query.roleName}' specified in the connect string does not exist or not authorized. Contact your local system administrator, or attempt to login with another role, e.g. PUBLIC.` });
    }
    const token = `fake-session-${randomUUID()}`;
    const sessionId = nextSessionId++;
    const existing = (name: string | undefined, known: string[] | undefined) =>
      name === undefined || (known && !known.some((k) => k.toUpperCase() === name.toUpperCase())) ? null : name.toUpperCase();
    const database = existing(req.query.databaseName, options.databases);
    const session: FakeSnowflakeSession = {
      sessionId,
      user,
      authenticator: authenticator === 'SNOWFLAKE_JWT' ? 'SNOWFLAKE_JWT' : 'PASSWORD',
      sessionParameters: data.SESSION_PARAMETERS ?? {},
      context: { ...req.query },
      current: {
        warehouse: existing(req.query.warehouse, options.warehouses),
        database,
        schema: database === null ? null : existing(req.query.schemaName, options.schemas),
        role: (req.query.roleName ?? 'PUBLIC').toUpperCase(),
      },
      open: true,
    };
    sessions.set(token, session);
    sendJson(res, 200, {
      success: true,
      code: null,
      message: null,
      data: {
        token,
        masterToken: `fake-master-${randomUUID()}`,
        validityInSeconds: 3600,
        masterValidityInSeconds: 14400,
        sessionId,
        serverVersion: '9.0.0-fake',
        displayUserName: user,
        firstLogin: false,
        healthCheckInterval: 45,
        parameters: [...parametersOf(session), { name: 'CLIENT_RESULT_CHUNK_SIZE', value: 160 }],
        sessionInfo: {
          databaseName: session.current.database,
          schemaName: session.current.schema,
          warehouseName: session.current.warehouse,
          roleName: session.current.role,
        },
      },
    });
  }

  // The account's parameters with the session's own values (login SESSION_PARAMETERS, ALTER SESSION) over them.
  function parametersOf(session: FakeSnowflakeSession): { name: string; value: unknown }[] {
    const values: Record<string, unknown> = { ...accountParameters };
    for (const [name, value] of Object.entries(session.sessionParameters)) if (name !== 'QUERY_TAG') values[name.toUpperCase()] = value;
    return Object.entries(values).map(([name, value]) => ({ name, value }));
  }

  function sessionOf(req: RecordedRequest): FakeSnowflakeSession | undefined {
    const m = /Snowflake Token="([^"]+)"/.exec(String(req.headers.authorization ?? ''));
    const session = m ? sessions.get(m[1]!) : undefined;
    return session?.open ? session : undefined;
  }

  // `executed` is the statement's outcome on DuckDB (see viaDuckDb), when it went there.
  function startQuery(req: RecordedRequest, session: FakeSnowflakeSession, executed?: ResolvedQuery<SnowflakeFakeScript>): FakeSnowflakeQuery {
    const sqlText = String(req.body?.sqlText ?? '');
    const parameters: Record<string, unknown> = req.body?.parameters ?? {};
    const alter = /^\s*alter\s+session\s+set\s+(\w+)\s*=\s*(.+?)\s*;?\s*$/i.exec(sqlText);
    if (alter) {
      const raw = alter[2]!;
      session.sessionParameters[alter[1]!.toUpperCase()] = /^'.*'$/.test(raw) ? raw.slice(1, -1).replace(/''/g, "'") : /^\d+$/.test(raw) ? Number(raw) : raw;
    }
    const scripted = Object.keys(scripts).some((text) => sqlKey(text) === sqlKey(sqlText));
    const context = alter || scripted ? undefined : contextFunctions(sqlText, session);
    const literal = /^\s*select\s+\d+\s*;?\s*$/i.test(sqlText);
    const resolved: ResolvedQuery<SnowflakeFakeScript> = alter
      ? { kind: 'table', table: { columns: [{ name: 'status', type: 'text' }], rows: [['Statement executed successfully.']] } }
      : (context ?? executed ?? resolveQuery(sqlText, tables, scripts, { upperCaseUnquoted: true }));
    const script: SnowflakeFakeScript = resolved.kind === 'script' ? resolved.script : {};
    // Only statements that scan need a running warehouse; session commands, literals and context functions do not.
    const needsWarehouse = !alter && !context && !literal && (resolved.kind === 'table' || resolved.kind === 'script');
    // A table named without its database (or schema) resolves in the session's; Snowflake checks that while
    // compiling, before it needs a warehouse to run anything.
    const tableParts = resolved.kind === 'table' || resolved.kind === 'missing' ? (/\bfrom\s+([^\s;]+)/i.exec(sqlText)?.[1]?.split('.').length ?? 3) : 3;
    const unresolved = tableParts < 3 && session.current.database === null ? 'database' : tableParts < 2 && session.current.schema === null ? 'schema' : undefined;
    let outcome: FakeSnowflakeQuery['outcome'];
    if (unresolved !== undefined) {
      outcome = {
        error: {
          code: unresolved === 'database' ? '090105' : '090106',
          sqlState: '22000',
          message: `Cannot perform SELECT. This session does not have a current ${unresolved}. Call 'USE ${unresolved.toUpperCase()}', or use a qualified name.`,
        },
      };
    } else if (needsWarehouse && session.current.warehouse === null) {
      outcome = {
        error: {
          code: '000606',
          sqlState: '57P03',
          message: "No active warehouse selected in the current session.  Select an active warehouse with the 'use warehouse' command.\n",
        },
      };
    } else if (resolved.kind === 'missing') {
      outcome = {
        error: {
          code: '002003',
          sqlState: '42S02',
          message: `SQL compilation error:\nObject '${objectName(resolved.tableRef)}' does not exist or not authorized.`,
        },
      };
    } else if (resolved.kind === 'syntax') {
      outcome = { error: { code: '001003', sqlState: '42000', message: `SQL compilation error:\n${resolved.message}` } };
    } else if (script.error) {
      outcome = { error: script.error };
    } else {
      const table = resolved.kind === 'table' ? resolved.table : (script.result ?? { columns: [], rows: [] });
      outcome = { result: literalAsFixed(table), ...(script.failAfterRows !== undefined && { failAfterRows: script.failAfterRows }) };
    }
    const tag = parameters.QUERY_TAG ?? session.sessionParameters.QUERY_TAG;
    const timeout = Number(parameters.STATEMENT_TIMEOUT_IN_SECONDS ?? session.sessionParameters.STATEMENT_TIMEOUT_IN_SECONDS ?? 0);
    const query: FakeSnowflakeQuery = {
      queryId: randomUUID(),
      requestId: req.query.requestId ?? '',
      sqlText,
      parameters,
      queryTag: typeof tag === 'string' ? tag : null,
      sessionId: session.sessionId,
      pendingPolls: script.pendingPolls ?? 0,
      cancelled: false,
      startedAt: Date.now(),
      timeoutSeconds: timeout > 0 ? timeout : undefined,
      outcome,
    };
    queries.push(query);
    return query;
  }

  // The answer to a query-request or a result poll: in progress, the error, or the first rows plus chunk URLs.
  async function answer(query: FakeSnowflakeQuery, res: ServerResponse, polled: boolean): Promise<void> {
    if (polled && query.pendingPolls > 0) await pause(pollWaitMs, res);
    if (query.cancelled) return sendFailure(res, { code: '000604', sqlState: '57014', message: 'SQL execution canceled' }, query.queryId);
    if (query.pendingPolls > 0 && query.timeoutSeconds !== undefined && Date.now() - query.startedAt >= query.timeoutSeconds * 1000) {
      query.pendingPolls = 0;
      query.outcome = {
        error: { code: '000630', sqlState: '57014', message: `Statement reached its statement or warehouse timeout of ${query.timeoutSeconds} second(s) and was canceled.` },
      };
    }
    if (query.pendingPolls > 0) {
      query.pendingPolls--;
      return sendJson(res, 200, {
        success: true,
        code: '333333',
        message: 'Query execution in progress. Query will be continued to be executed.',
        data: { queryId: query.queryId, getResultUrl: `/queries/${query.queryId}/result`, progressDesc: null, queryAbortsAfterSecs: 300 },
      });
    }
    if ('error' in query.outcome) return sendFailure(res, query.outcome.error, query.queryId);
    const { result } = query.outcome;
    const inline = result.rows.slice(0, rowsPerChunk);
    const chunks = [];
    for (let start = rowsPerChunk, i = 1; start < result.rows.length; start += rowsPerChunk, i++) {
      const rows = result.rows.slice(start, start + rowsPerChunk);
      const size = Buffer.byteLength(JSON.stringify(rows));
      chunks.push({ url: `${baseUrl}/fake-stage/${query.queryId}/${i}`, rowCount: rows.length, uncompressedSize: size, compressedSize: size });
    }
    const session = [...sessions.values()].find((s) => s.sessionId === query.sessionId);
    sendJson(res, 200, {
      success: true,
      code: null,
      message: null,
      data: {
        parameters: session ? parametersOf(session) : [],
        rowtype: result.columns.map((c) => rowType(c.name, c.type)),
        rowset: inline,
        total: result.rows.length,
        returned: result.rows.length,
        queryId: query.queryId,
        databaseProvider: null,
        finalDatabaseName: null,
        finalSchemaName: null,
        finalWarehouseName: null,
        finalRoleName: null,
        numberOfBinds: 0,
        arrayBindSupported: false,
        statementTypeId: 4096,
        version: 1,
        sendResultTime: Date.now(),
        queryResultFormat: 'json',
        ...(chunks.length > 0 && { chunks, chunkHeaders: { 'x-fake-chunk': 'yes' } }),
      },
    });
  }

  async function serveChunk(req: RecordedRequest, res: ServerResponse, queryId: string, index: number): Promise<void> {
    chunksInFlight++;
    maxChunksInFlight = Math.max(maxChunksInFlight, chunksInFlight);
    try {
      if (options.chunkDelayMs) await pause(options.chunkDelayMs, res);
      answerChunk(req, res, queryId, index);
    } finally {
      chunksInFlight--;
    }
  }

  function answerChunk(req: RecordedRequest, res: ServerResponse, queryId: string, index: number): void {
    const query = queries.find((q) => q.queryId === queryId);
    const failAfter = query && 'result' in query.outcome ? query.outcome.failAfterRows : undefined;
    if (!query || 'error' in query.outcome || (failAfter !== undefined && (index + 1) * rowsPerChunk > failAfter)) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end('<Error><Code>NoSuchKey</Code></Error>');
      return;
    }
    const rows = query.outcome.result.rows.slice(index * rowsPerChunk, (index + 1) * rowsPerChunk);
    // Cloud storage serves the rows without the enclosing brackets, usually gzipped.
    const text = rows.map((r) => JSON.stringify(r)).join(',');
    const gzip = String(req.headers['accept-encoding'] ?? '').includes('gzip');
    const body = gzip ? gzipSync(text) : Buffer.from(text);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, ...(gzip && { 'content-encoding': 'gzip' }) });
    res.end(body);
  }

  const fake = await startHttpFake(async (req, res) => {
    if (req.method === 'POST' && req.path === '/session/v1/login-request') return login(req, res);
    const chunk = /^\/fake-stage\/([^/]+)\/(\d+)$/.exec(req.path);
    if (req.method === 'GET' && chunk) return serveChunk(req, res, chunk[1]!, Number(chunk[2]));

    const session = sessionOf(req);
    if (!session) return sendFailure(res, { code: '390104', message: 'Session token is invalid or the session no longer exists.' });
    if (req.method === 'POST' && req.path === '/telemetry/send') return sendJson(res, 200, { success: true, data: {} });
    if (req.method === 'POST' && req.path === '/session/heartbeat') return sendJson(res, 200, { success: true, code: null, message: null, data: null });
    if (req.method === 'POST' && req.path === '/session' && req.query.delete === 'true') {
      session.open = false;
      return sendJson(res, 200, { success: true, code: null, message: null, data: null });
    }
    if (req.method === 'POST' && req.path === '/queries/v1/query-request') return answer(startQuery(req, session, await viaDuckDb(req, session)), res, false);
    const result = /^\/queries\/([^/]+)\/result$/.exec(req.path);
    if (req.method === 'GET' && result) {
      const query = queries.find((q) => q.queryId === result[1]);
      if (!query) return sendFailure(res, { code: '000709', message: `Statement ${result[1]} not found` });
      return answer(query, res, true);
    }
    const abort = /^\/queries\/(?:v1|([^/]+))\/abort-request$/.exec(req.path);
    if (req.method === 'POST' && abort) {
      const query = abort[1] !== undefined ? queries.find((q) => q.queryId === abort[1]) : queries.find((q) => q.requestId === req.body?.requestId);
      if (query) query.cancelled = true;
      return sendJson(res, 200, { success: true, code: null, message: null, data: null });
    }
    return sendFailure(res, { code: '390000', message: `fake: no route for ${req.method} ${req.path}` });
  });
  baseUrl = fake.url;

  return {
    ...fake,
    async close() {
      await fake.close();
      if (duckDb) (await duckDb).close();
    },
    duckDbStatements,
    account,
    sessions,
    queries,
    tables,
    scripts,
    openSessions: () => [...sessions.values()].filter((s) => s.open).length,
    maxChunksInFlight: () => maxChunksInFlight,
  };
}

function sendFailure(res: ServerResponse, error: SnowflakeFakeError, queryId?: string): void {
  sendJson(res, 200, {
    success: false,
    code: error.code,
    message: error.message,
    data: { ...(queryId !== undefined && { queryId }), errorCode: error.code, sqlState: error.sqlState ?? null, internalError: false, age: 0 },
  });
}

// How Snowflake spells an object in messages: unquoted parts upper-cased, quoted parts kept with their quotes.
function objectName(ref: string): string {
  return (ref.match(/"[^"]*"|[^.]+/g) ?? [ref]).map((part) => (part.startsWith('"') ? part : part.toUpperCase())).join('.');
}

// What a session starts with unless the account or the session sets otherwise (Snowflake's defaults).
const DEFAULT_PARAMETERS: Record<string, string | number | boolean> = {
  TIMEZONE: 'UTC',
  BINARY_OUTPUT_FORMAT: 'HEX',
  DATE_OUTPUT_FORMAT: 'YYYY-MM-DD',
  TIME_OUTPUT_FORMAT: 'HH24:MI:SS',
  TIMESTAMP_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM',
  TIMESTAMP_NTZ_OUTPUT_FORMAT: 'YYYY-MM-DD HH24:MI:SS.FF3',
  CLIENT_SESSION_KEEP_ALIVE: false,
};

const CONTEXT_FUNCTION = /^\s*(current_warehouse|current_database|current_schema|current_role)\s*\(\s*\)(?:\s+as\s+("?)(\w+)\2)?\s*$/i;

// `SELECT CURRENT_WAREHOUSE(), CURRENT_DATABASE() AS db ...`: one row from the session; undefined for other SQL.
function contextFunctions(sql: string, session: FakeSnowflakeSession): ResolvedQuery<SnowflakeFakeScript> | undefined {
  const list = /^\s*select\s+([\s\S]+?)\s*;?\s*$/i.exec(sql)?.[1];
  if (list === undefined) return undefined;
  const columns: { name: string; type: string }[] = [];
  const row: (string | null)[] = [];
  for (const item of list.split(',')) {
    const m = CONTEXT_FUNCTION.exec(item);
    if (!m) return undefined;
    const fn = m[1]!.toUpperCase();
    columns.push({ name: m[3] === undefined ? `${fn}()` : m[2] === '"' ? m[3] : m[3].toUpperCase(), type: 'text' });
    row.push(session.current[fn.slice('CURRENT_'.length).toLowerCase() as keyof FakeSnowflakeSession['current']]);
  }
  return { kind: 'table', table: { columns, rows: [row] } };
}

// DuckDB's message for a table or schema that is not there (an unknown function is a query error, not this).
const MISSING_OBJECT = /(Table|Schema) with name .* does not exist/i;

// DuckDB's types as Snowflake's rowtype names them; cells as its JSON result format sends them.
const SNOWFLAKE_TYPES_OF_DUCKDB: Record<string, string> = {
  VARCHAR: 'text',
  BOOLEAN: 'boolean',
  TINYINT: 'fixed',
  SMALLINT: 'fixed',
  INTEGER: 'fixed',
  BIGINT: 'fixed',
  HUGEINT: 'fixed',
  DOUBLE: 'real',
  FLOAT: 'real',
  BLOB: 'binary',
};

// A query's rows with Snowflake's names for unquoted aliases (upper-case); any other statement's status row.
function snowflakeResult(result: DuckDbResult): FakeTable {
  if (!result.isQuery) return { columns: [{ name: 'status', type: 'text' }], rows: [['Statement executed successfully.']] };
  return {
    columns: result.columns.map((c) => {
      const type = SNOWFLAKE_TYPES_OF_DUCKDB[c.type];
      if (type === undefined) throw new Error(`snowflake fake: no Snowflake type for DuckDB ${c.type}`);
      return { name: c.name.toUpperCase(), type };
    }),
    rows: result.rows.map((row) =>
      row.map((v) => {
        if (v === null || v === undefined) return null;
        if (v instanceof Uint8Array) return Buffer.from(v).toString('hex').toUpperCase();
        if (typeof v === 'boolean') return v ? '1' : '0';
        return String(v);
      }),
    ),
  };
}

// `SELECT 1` has no table: its one column is a NUMBER, as in Snowflake.
function literalAsFixed(table: FakeTable): FakeTable {
  return { ...table, columns: table.columns.map((c) => (c.type === 'literal' ? { ...c, type: 'fixed' } : c)) };
}

function rowType(name: string, type: string): Record<string, unknown> {
  const base = { name, database: '', schema: '', table: '', nullable: true, collation: null };
  switch (type) {
    case 'fixed':
      return { ...base, type, precision: 38, scale: 0, length: null, byteLength: null };
    case 'real':
      return { ...base, type, precision: null, scale: null, length: null, byteLength: null };
    case 'text':
    case 'variant':
    case 'object':
    case 'array':
      return { ...base, type, precision: null, scale: null, length: 16777216, byteLength: 16777216 };
    case 'binary':
      return { ...base, type, precision: null, scale: null, length: 8388608, byteLength: 8388608 };
    default:
      return { ...base, type, precision: null, scale: 9, length: null, byteLength: null };
  }
}

// Checks a SNOWFLAKE_JWT login token: RS256 over `header.payload` with the user's key, `iss` =
// `ACCOUNT.USER.SHA256:<base64 sha256 of the public key DER>`, `sub` = `ACCOUNT.USER`, not expired.
function verifyJwt(token: string, publicKeyPem: string, account: string, user: string): boolean {
  const [header, payload, signature] = token.split('.');
  if (header === undefined || payload === undefined || signature === undefined) return false;
  const key = createPublicKey(publicKeyPem);
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${header}.${payload}`);
  if (!verifier.verify(key, Buffer.from(signature, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { iss?: string; sub?: string; exp?: number };
  const fingerprint = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');
  const prefix = `${account.toUpperCase()}.${user}`;
  return claims.sub === prefix && claims.iss === `${prefix}.SHA256:${fingerprint}` && (claims.exp ?? 0) * 1000 > Date.now();
}
