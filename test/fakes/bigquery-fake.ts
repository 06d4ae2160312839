/**
 * A local BigQuery REST fake for the real `@google-cloud/bigquery` client (pointed at it with `apiEndpoint`, which
 * adds `/bigquery/v2`, or `BIGQUERY_EMULATOR_HOST`, which does not: both path styles are served).
 *
 * Speaks: jobs.insert (dry runs answer `statistics.totalBytesProcessed`), jobs.get, jobs.getQueryResults
 * (`jobComplete:false` for a job's first `pendingPolls` polls, then pages of `maxResults` rows with `pageToken`),
 * jobs.cancel, and jobs.query. Errors have Google's shape `{error:{code,message,errors:[{reason,message}]}}`.
 * Requires `Authorization: Bearer <accessToken>` (401 `authError` otherwise).
 *
 * Types and cells go out as BigQuery sends them. A table's column `type` is the GoogleSQL type (`INT64`, `BYTES`,
 * `JSON`, `ARRAY<STRING>`, `STRUCT<value STRING>`...); the answer's schema uses the REST API's legacy names
 * (`INTEGER`, `FLOAT`, `BOOLEAN`, `RECORD`) with `mode: REPEATED` for arrays. Scalar cells are the wire strings
 * (BYTES base64, NUMERIC/BIGNUMERIC/INT64 digits, JSON the document's text, `"a@b.co"` quotes included) or null;
 * an ARRAY or STRUCT cell is the JSON text of its value with wire strings as leaves (`'["a@b.co"]'`,
 * `'{"value":"x"}'`), sent as `{v:[{v:…}]}` and `{v:{f:[{v:…}]}}`. A NULL array goes out as `[]`: BigQuery returns
 * NULL and empty arrays alike.
 *
 * It also answers the STS token exchange (`POST /v1/token`) of an `external_account` credential, so a config can
 * reach the fake with no injected auth client and no network: `credentials: fake.externalAccountCredentials(file)`
 * (google-auth-library reads the subject token from `file` and trades it at the fake for `accessToken`).
 *
 * A script can fail its first jobs (`failJobs`) with a job error such as `backendError` or `rateLimitExceeded`, so a
 * test sees the connector re-run the query as a new job; a destination table in the job's configuration is recorded
 * on the job (and a `responseTooLarge` script then succeeds, as BigQuery does with one); tables.delete is answered
 * and recorded in `droppedTables`.
 *
 * With `duckdb: true`, a statement that is neither scripted nor a simple SELECT of a fake table runs on an in-memory
 * DuckDB instead, translated from GoogleSQL by test/fakes/dialect-on-duckdb.ts: CREATE SCHEMA/FUNCTION/TABLE and the
 * SELECTs that call pinsync's SQL functions, so a test exercises the statements pinsync sends, not a script of
 * their answers. A dry run only translates and prepares such a statement (no side effects); a job runs it when it is
 * inserted (so its effects stand even if `maximumBytesBilled` then refuses the job), and its bytes are the result's
 * size, as for tables. DuckDB's failures answer `invalidQuery` (`notFound` for a missing table or dataset).
 *
 * Not covered: legacy SQL, query parameters, job listing, other table management.
 */
import type { ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { pause, sendJson, startHttpFake, type RecordedRequest, type RunningHttpFake } from './fake-http.js';
import { openDialectOnDuckDb, type DialectOnDuckDb, type DuckDbResult } from './dialect-on-duckdb.js';
import { resolveQuery, unquote, type FakeTable, type ResolvedQuery } from './fake-sql.js';

/** A BigQuery API error: HTTP status, the `errors[0].reason` (notFound, invalidQuery, accessDenied...) and text. */
export interface BigQueryFakeError {
  /** HTTP status (400, 401, 403, 404...). */
  code: number;
  /** Google's error reason: `notFound`, `invalidQuery`, `accessDenied`, `quotaExceeded`, `bytesBilledLimitExceeded`... */
  reason: string;
  /** Human-readable message. */
  message: string;
}

/** What a scripted statement (matched by its exact SQL text) does. */
export interface BigQueryFakeScript {
  /** The result set (ignored when `error` is set). */
  result?: FakeTable;
  /** The failure to report. */
  error?: BigQueryFakeError;
  /**
   * Where the failure shows: `http` (jobs.insert answers the error), `job` (jobs.insert answers a job that is
   * already DONE with `status.errorResult`, as BigQuery does for invalid SQL), or `results` (the job runs, then
   * getQueryResults answers the error). Default `results`.
   */
  errorAt?: 'http' | 'job' | 'results';
  /** Polls answered `jobComplete:false` before the job is done (overrides the fake's default). */
  pendingPolls?: number;
  /** `totalBytesProcessed` reported by dry runs and checked against `maximumBytesBilled`. */
  bytesProcessed?: number;
  /** Serves pages up to row `rows`, then fails any page fetch that reaches past it with `error` (a mid-stream failure). */
  failAfterRows?: { rows: number; error: BigQueryFakeError };
  /**
   * The first `times` jobs of this statement fail with `error` (later ones succeed): at insert (`job`: DONE with
   * `status.errorResult`, as BigQuery reports a job it could not start) or on the first getQueryResults (`results`).
   * `times` counts down as jobs fail.
   */
  failJobs?: { times: number; error: BigQueryFakeError; at?: 'job' | 'results' };
}

export interface BigQueryFakeOptions {
  /** The project the fake serves (requests for another project get 404). Default `fake-project`. */
  projectId?: string;
  /** Location reported in job references. Default `US`. */
  location?: string;
  /** Tables readable with `SELECT ... FROM <name>`; keys like `dataset.table`. */
  tables?: Record<string, FakeTable>;
  /** Scripted statements by exact SQL text (whitespace-insensitive). */
  queries?: Record<string, BigQueryFakeScript>;
  /** The bearer token every request must carry; null accepts anything. Default `fake-bigquery-token`. */
  accessToken?: string | null;
  /** Default number of `jobComplete:false` polls per job. Default 0. */
  pendingPolls?: number;
  /** How long a poll of a running job is held before answering, as BigQuery waits server-side. Default 20 ms. */
  pollWaitMs?: number;
  /** Run statements the simple engine does not understand on DuckDB, translated from GoogleSQL. Default false. */
  duckdb?: boolean;
}

/** A job as the fake tracks it. */
export interface FakeBigQueryJob {
  /** Job id from the client's jobReference. */
  jobId: string;
  /** The SQL text. */
  query: string;
  /** The job's `configuration` as the client sent it. */
  configuration: any; // the client's JSON, asserted on by tests
  /** RUNNING until its polls run out, then DONE. */
  state: 'RUNNING' | 'DONE';
  /** Polls left that answer `jobComplete:false`. */
  pendingPolls: number;
  /** Set when the job failed or was cancelled. */
  error?: BigQueryFakeError;
  /** True once jobs.cancel reached it. */
  cancelled: boolean;
  /** Result rows (empty on error). */
  result: FakeTable;
  /** Bytes the job processes. */
  bytesProcessed: number;
  /** Pages served so far. */
  pagesServed: number;
  /** Scripted mid-stream failure. */
  failAfterRows?: { rows: number; error: BigQueryFakeError };
  /** Where a scripted error shows. */
  errorAt: 'http' | 'job' | 'results';
  /** `configuration.query.destinationTable` as the client sent it, when the job writes to a table. */
  destinationTable?: { projectId?: string; datasetId?: string; tableId?: string };
}

export interface RunningBigQueryFake extends RunningHttpFake {
  /** The project the fake serves. */
  projectId: string;
  /** The token to give the client's auth client. */
  accessToken: string;
  /** Every job created (dry runs are not kept, as in BigQuery). */
  jobs: Map<string, FakeBigQueryJob>;
  /** `project.dataset.table` of every tables.delete received, in order. */
  droppedTables: string[];
  /** The fake's tables and scripts, mutable between calls. */
  tables: Record<string, FakeTable>;
  /** Scripted statements, mutable between calls. */
  queries: Record<string, BigQueryFakeScript>;
  /** Every statement run on DuckDB (see `duckdb`), in order, as the client sent it. */
  duckDbStatements: string[];
  /**
   * An `external_account` credential (workload identity federation) whose token exchange is this fake: usable as a
   * warehouse's inline `credentials`, or written to a file for `keyFilename`/GOOGLE_APPLICATION_CREDENTIALS.
   * `subjectTokenFile` must hold the fake's subject token (`fake-subject-token`).
   */
  externalAccountCredentials(subjectTokenFile: string): Record<string, unknown>;
}

/** The subject token the fake's STS endpoint accepts. */
export const FAKE_SUBJECT_TOKEN = 'fake-subject-token';

const DEFAULT_PAGE_ROWS = 100_000;

/** Starts the fake on 127.0.0.1, port 0. */
export async function startBigQueryFake(options: BigQueryFakeOptions = {}): Promise<RunningBigQueryFake> {
  const projectId = options.projectId ?? 'fake-project';
  const location = options.location ?? 'US';
  const accessToken = options.accessToken === undefined ? 'fake-bigquery-token' : options.accessToken;
  const tables = options.tables ?? {};
  const queries = options.queries ?? {};
  const jobs = new Map<string, FakeBigQueryJob>();
  const droppedTables: string[] = [];
  const pollWaitMs = options.pollWaitMs ?? 20;
  const duckDbStatements: string[] = [];
  let duckDb: Promise<DialectOnDuckDb> | undefined;

  // A statement for DuckDB: neither scripted nor answerable from the fake's tables. Undefined leaves it to plan().
  async function viaDuckDb(query: string, dryRun: boolean): Promise<ResolvedQuery<BigQueryFakeScript> | undefined> {
    if (!options.duckdb) return undefined;
    const simple = resolveQuery(query, tables, queries);
    if (simple.kind !== 'syntax' && simple.kind !== 'missing') return undefined;
    duckDb ??= openDialectOnDuckDb('bigquery');
    const engine = await duckDb;
    try {
      if (dryRun) {
        await engine.check(query);
        return { kind: 'script', script: { result: { columns: [], rows: [] } } };
      }
      duckDbStatements.push(query);
      return { kind: 'script', script: { result: bigQueryResult(await engine.run(query)) } };
    } catch (err) {
      const message = (err as Error).message;
      if (simple.kind === 'missing' && MISSING_OBJECT.test(message)) return simple;
      const error = MISSING_OBJECT.test(message)
        ? { code: 404, reason: 'notFound', message: `Not found: ${message}` }
        : { code: 400, reason: 'invalidQuery', message };
      return { kind: 'script', script: { error, errorAt: 'job' } };
    }
  }

  const ref = (jobId: string | undefined) => ({ projectId, ...(jobId !== undefined && { jobId }), location });

  function jobResource(job: FakeBigQueryJob): unknown {
    return {
      kind: 'bigquery#job',
      id: `${projectId}:${location}.${job.jobId}`,
      jobReference: ref(job.jobId),
      configuration: job.configuration,
      status: {
        state: job.state,
        ...(job.state === 'DONE' &&
          job.error && { errorResult: errorItem(job.error), errors: [errorItem(job.error)] }),
      },
      statistics: {
        creationTime: String(Date.now()),
        ...(job.state === 'DONE' && { totalBytesProcessed: String(job.bytesProcessed), query: { totalBytesProcessed: String(job.bytesProcessed) } }),
      },
    };
  }

  // Plans a statement: which rows, which error, how many bytes; `undefined` error means it will succeed.
  // `executed` is the statement's outcome on DuckDB (see viaDuckDb), when it went there.
  function plan(query: string, configuration: any, executed?: ResolvedQuery<BigQueryFakeScript>): Omit<FakeBigQueryJob, 'jobId' | 'state' | 'cancelled' | 'pagesServed' | 'configuration' | 'query'> {
    const resolved = executed ?? resolveQuery(query, tables, queries);
    const empty: FakeTable = { columns: [], rows: [] };
    const pendingPolls = options.pendingPolls ?? 0;
    if (resolved.kind === 'missing') {
      const parts = unquote(resolved.tableRef).split('.');
      if (parts.length === 1) {
        return {
          result: empty, bytesProcessed: 0, pendingPolls: 0, errorAt: 'job',
          error: { code: 400, reason: 'invalid', message: `Table name "${parts[0]}" missing dataset while no default dataset is set in the request.` },
        };
      }
      const [table, dataset, project = projectId] = parts.reverse();
      return {
        result: empty, bytesProcessed: 0, pendingPolls: 0, errorAt: 'job',
        error: { code: 404, reason: 'notFound', message: `Not found: Table ${project}:${dataset}.${table} was not found in location ${location}` },
      };
    }
    if (resolved.kind === 'syntax') {
      return { result: empty, bytesProcessed: 0, pendingPolls: 0, errorAt: 'job', error: { code: 400, reason: 'invalidQuery', message: resolved.message } };
    }
    const script: BigQueryFakeScript = resolved.kind === 'script' ? resolved.script : {};
    const result = literalAsInt64(resolved.kind === 'table' ? resolved.table : (script.result ?? empty));
    const bytesProcessed = script.bytesProcessed ?? tableBytes(result);
    const limit = configuration?.query?.maximumBytesBilled;
    if (!script.error && limit !== undefined && BigInt(bytesProcessed) > BigInt(limit)) {
      return {
        result: empty, bytesProcessed, pendingPolls: 0, errorAt: 'job',
        error: { code: 400, reason: 'bytesBilledLimitExceeded', message: `Query exceeded limit for bytes billed: ${limit}. ${bytesProcessed} or higher required.` },
      };
    }
    const destinationTable = configuration?.query?.destinationTable;
    // Dry runs plan without spending a scripted job failure.
    if (script.failJobs && script.failJobs.times > 0 && !configuration?.dryRun) {
      script.failJobs.times--;
      const at = script.failJobs.at ?? 'job';
      // Failing `results` means the job starts (RUNNING at insert) and fails while the client polls it.
      return { result: empty, bytesProcessed, pendingPolls: at === 'results' ? 1 : 0, errorAt: at, error: script.failJobs.error };
    }
    // A result too large for an anonymous table fits in a destination table.
    const error = script.error?.reason === 'responseTooLarge' && destinationTable ? undefined : script.error;
    return {
      result,
      bytesProcessed,
      pendingPolls: script.pendingPolls ?? pendingPolls,
      ...(error && { error }),
      errorAt: script.errorAt ?? 'results',
      ...(script.failAfterRows && { failAfterRows: script.failAfterRows }),
      ...(destinationTable && { destinationTable }),
    };
  }

  function insertJob(jobId: string, query: string, configuration: any, executed?: ResolvedQuery<BigQueryFakeScript>): FakeBigQueryJob {
    const job: FakeBigQueryJob = { jobId, query, configuration, state: 'RUNNING', cancelled: false, pagesServed: 0, ...plan(query, configuration, executed) };
    if (job.error && job.errorAt !== 'results') job.state = 'DONE';
    if (job.pendingPolls === 0 && job.state === 'RUNNING') job.state = 'DONE';
    jobs.set(jobId, job);
    return job;
  }

  // One getQueryResults answer: a poll that is still running, the job's error, or a page.
  async function results(job: FakeBigQueryJob, query: Record<string, string>, res: ServerResponse, kind: string): Promise<void> {
    if (job.state === 'RUNNING') {
      await pause(pollWaitMs, res);
      if (job.state === 'RUNNING') {
        job.pendingPolls--;
        if (job.pendingPolls <= 0) job.state = 'DONE';
        sendJson(res, 200, { kind, jobReference: ref(job.jobId), jobComplete: false });
        return;
      }
    }
    if (job.error) return sendError(res, job.error);
    const offset = query.pageToken ? Number(query.pageToken.replace(/^page-/, '')) : Number(query.startIndex ?? 0);
    const maxResults = query.maxResults ? Number(query.maxResults) : DEFAULT_PAGE_ROWS;
    if (job.failAfterRows && offset + Math.min(maxResults, job.result.rows.length - offset) > job.failAfterRows.rows) {
      return sendError(res, job.failAfterRows.error);
    }
    const rows = job.result.rows.slice(offset, offset + maxResults);
    const fields = job.result.columns.map((c) => schemaField(c.name, c.type));
    const next = offset + rows.length;
    job.pagesServed++;
    sendJson(res, 200, {
      kind,
      etag: randomUUID(),
      schema: { fields },
      jobReference: ref(job.jobId),
      totalRows: String(job.result.rows.length),
      ...(rows.length > 0 && { rows: rows.map((row) => ({ f: row.map((cell, i) => ({ v: wireCell(fields[i]!, cell) })) })) }),
      ...(next < job.result.rows.length && { pageToken: `page-${next}` }),
      totalBytesProcessed: String(job.bytesProcessed),
      jobComplete: true,
      cacheHit: false,
    });
  }

  const fake = await startHttpFake(async (req: RecordedRequest, res: ServerResponse) => {
    if (req.method === 'POST' && req.path === '/v1/token') {
      const form = new URLSearchParams(req.rawBody);
      if (form.get('subject_token') !== FAKE_SUBJECT_TOKEN) {
        return sendJson(res, 400, { error: 'invalid_grant', error_description: 'The subject token is invalid.' });
      }
      return sendJson(res, 200, {
        access_token: accessToken ?? 'any',
        issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        token_type: 'Bearer',
        expires_in: 3600,
      });
    }
    if (accessToken !== null && req.headers.authorization !== `Bearer ${accessToken}`) {
      return sendError(res, {
        code: 401,
        reason: 'authError',
        message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      });
    }
    const path = req.path.replace(/^\/bigquery\/v2/, '');
    const table = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(path);
    if (table && req.method === 'DELETE') {
      droppedTables.push(`${table[1]}.${table[2]}.${table[3]}`);
      res.writeHead(204).end();
      return;
    }
    const m = /^\/projects\/([^/]+)\/(jobs|queries)(?:\/([^/]+))?(\/cancel)?$/.exec(path);
    if (!m) return sendError(res, { code: 404, reason: 'notFound', message: `Not found: ${req.method} ${req.path}` });
    const [, project, collection, id, cancel] = m;
    if (project !== projectId) return sendError(res, { code: 404, reason: 'notFound', message: `Not found: Project ${project}` });

    if (collection === 'jobs' && req.method === 'POST' && id === undefined) {
      const body = req.body ?? {};
      const configuration = body.configuration ?? {};
      const query: string = configuration.query?.query ?? '';
      const executed = await viaDuckDb(query, Boolean(configuration.dryRun));
      if (configuration.dryRun) {
        const planned = plan(query, configuration, executed);
        if (planned.error) return sendError(res, planned.error);
        return sendJson(res, 200, {
          kind: 'bigquery#job',
          jobReference: ref(undefined),
          configuration,
          status: { state: 'DONE' },
          statistics: { totalBytesProcessed: String(planned.bytesProcessed), query: { totalBytesProcessed: String(planned.bytesProcessed) } },
        });
      }
      const jobId: string = body.jobReference?.jobId ?? randomUUID();
      const job = insertJob(jobId, query, configuration, executed);
      if (job.error && job.errorAt === 'http') return sendError(res, job.error);
      return sendJson(res, 200, jobResource(job));
    }
    if (collection === 'queries' && req.method === 'POST' && id === undefined) {
      const body = req.body ?? {};
      const job = insertJob(body.requestId ?? randomUUID(), body.query ?? '', { query: body }, await viaDuckDb(body.query ?? '', Boolean(body.dryRun)));
      if (job.error && job.errorAt !== 'results') return sendError(res, job.error);
      return results(job, { ...(body.maxResults !== undefined && { maxResults: String(body.maxResults) }) }, res, 'bigquery#queryResponse');
    }

    const job = id === undefined ? undefined : jobs.get(id);
    if (!job) return sendError(res, { code: 404, reason: 'notFound', message: `Not found: Job ${projectId}:${location}.${id}` });
    if (collection === 'jobs' && cancel && req.method === 'POST') {
      job.cancelled = true;
      if (job.state === 'RUNNING') {
        job.state = 'DONE';
        job.error = { code: 400, reason: 'stopped', message: 'Job execution was cancelled: User requested cancellation' };
        job.errorAt = 'results';
      }
      return sendJson(res, 200, { kind: 'bigquery#jobCancelResponse', job: jobResource(job) });
    }
    if (collection === 'jobs' && req.method === 'GET' && !cancel) {
      if (job.state === 'RUNNING' && --job.pendingPolls <= 0) job.state = 'DONE';
      return sendJson(res, 200, jobResource(job));
    }
    if (collection === 'queries' && req.method === 'GET') return results(job, req.query, res, 'bigquery#getQueryResultsResponse');
    return sendError(res, { code: 404, reason: 'notFound', message: `Not found: ${req.method} ${req.path}` });
  });

  return {
    ...fake,
    async close() {
      await fake.close();
      if (duckDb) (await duckDb).close();
    },
    duckDbStatements,
    projectId,
    accessToken: accessToken ?? '',
    jobs,
    droppedTables,
    tables,
    queries,
    externalAccountCredentials: (subjectTokenFile: string) => ({
      type: 'external_account',
      audience: `//iam.googleapis.com/projects/0/locations/global/workloadIdentityPools/pinsync-fake/providers/fake`,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${fake.url}/v1/token`,
      credential_source: { file: subjectTokenFile },
    }),
  };
}

// DuckDB's message for a table or schema that is not there (an unknown function is a query error, not this).
const MISSING_OBJECT = /(Table|Schema) with name .* does not exist/i;

// DuckDB's types as GoogleSQL names them; cells as BigQuery's wire strings (BYTES base64, BOOL true/false).
const BIGQUERY_TYPES_OF_DUCKDB: Record<string, string> = {
  VARCHAR: 'STRING',
  BOOLEAN: 'BOOL',
  TINYINT: 'INT64',
  SMALLINT: 'INT64',
  INTEGER: 'INT64',
  BIGINT: 'INT64',
  HUGEINT: 'INT64',
  DOUBLE: 'FLOAT64',
  FLOAT: 'FLOAT64',
  BLOB: 'BYTES',
};

function bigQueryResult(result: DuckDbResult): FakeTable {
  return {
    columns: result.columns.map((c) => {
      const type = BIGQUERY_TYPES_OF_DUCKDB[c.type];
      if (type === undefined) throw new Error(`bigquery fake: no BigQuery type for DuckDB ${c.type}`);
      return { name: c.name, type };
    }),
    rows: result.rows.map((row) =>
      row.map((v) => (v === null || v === undefined ? null : v instanceof Uint8Array ? Buffer.from(v).toString('base64') : String(v))),
    ),
  };
}

// `SELECT 1` has no table: its one column is an INT64, as in BigQuery.
function literalAsInt64(table: FakeTable): FakeTable {
  return { ...table, columns: table.columns.map((c) => (c.type === 'literal' ? { name: 'f0_', type: 'INT64' } : c)) };
}

function errorItem(error: BigQueryFakeError) {
  return { reason: error.reason, message: error.message, domain: 'global' };
}

function sendError(res: ServerResponse, error: BigQueryFakeError): void {
  sendJson(res, error.code, {
    error: { code: error.code, message: error.message, errors: [errorItem(error)], status: statusName(error.code) },
  });
}

function statusName(code: number): string {
  return ({ 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED' } as Record<number, string>)[code] ?? 'UNKNOWN';
}

// A stand-in for BigQuery's scanned bytes: the UTF-8 size of every cell, so bigger tables cost more.
function tableBytes(table: FakeTable): number {
  let bytes = 0;
  for (const row of table.rows) for (const cell of row) if (cell !== null) bytes += Buffer.byteLength(cell);
  return bytes;
}

/** A field of a result schema, as the REST API describes it. */
interface WireField {
  /** Column or member name. */
  name: string;
  /** Legacy type name (`INTEGER`, `RECORD`...). */
  type: string;
  /** `REPEATED` for an ARRAY. */
  mode: 'NULLABLE' | 'REPEATED';
  /** Members of a RECORD. */
  fields?: WireField[];
}

// The REST API's schema keeps the legacy type names; the client and pinsync must accept both spellings.
const LEGACY_TYPE_NAMES: Record<string, string> = { INT64: 'INTEGER', FLOAT64: 'FLOAT', BOOL: 'BOOLEAN', STRUCT: 'RECORD' };

/** The schema field for a column of GoogleSQL type `type` (`STRING`, `ARRAY<BYTES>`, `STRUCT<value STRING>`...). */
function schemaField(name: string, type: string): WireField {
  const t = type.trim();
  const array = /^ARRAY\s*<([\s\S]*)>$/i.exec(t);
  if (array) return { ...schemaField(name, array[1]!), mode: 'REPEATED' };
  const struct = /^STRUCT\s*<([\s\S]*)>$/i.exec(t);
  if (struct) {
    const fields = splitTopLevel(struct[1]!).map((member) => {
      const m = /^\s*(\w+)\s+([\s\S]+)$/.exec(member);
      if (!m) throw new Error(`bigquery fake: cannot parse STRUCT member "${member}"`);
      return schemaField(m[1]!, m[2]!);
    });
    return { name, type: 'RECORD', mode: 'NULLABLE', fields };
  }
  const upper = t.toUpperCase();
  return { name, type: LEGACY_TYPE_NAMES[upper] ?? upper, mode: 'NULLABLE' };
}

// Splits `a STRING, b STRUCT<x INT64, y STRING>` at the commas outside angle brackets.
function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    if (list[i] === '<') depth++;
    else if (list[i] === '>') depth--;
    else if (list[i] === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(list.slice(start));
  return parts;
}

/** A table cell as the `v` of BigQuery's `{f:[{v}]}` rows: nested cells are stored as JSON text (see module doc). */
function wireCell(field: WireField, cell: string | null): unknown {
  if (field.mode === 'REPEATED') return cell === null ? [] : (JSON.parse(cell) as unknown[]).map((item) => ({ v: wireValue({ ...field, mode: 'NULLABLE' }, item) }));
  if (field.type === 'RECORD') return cell === null ? null : wireValue(field, JSON.parse(cell));
  return cell;
}

function wireValue(field: WireField, value: unknown): unknown {
  if (value === null || value === undefined) return field.mode === 'REPEATED' ? [] : null;
  if (field.mode === 'REPEATED') return (value as unknown[]).map((item) => ({ v: wireValue({ ...field, mode: 'NULLABLE' }, item) }));
  if (field.type === 'RECORD') {
    const record = value as Record<string, unknown>;
    return { f: field.fields!.map((f) => ({ v: wireValue(f, record[f.name]) })) };
  }
  return String(value);
}
