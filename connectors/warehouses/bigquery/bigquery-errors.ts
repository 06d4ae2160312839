/**
 * Maps what `@google-cloud/bigquery` (or google-auth-library under it) threw to a WarehouseError that says what to
 * fix. BigQuery's API errors carry `errors[].reason` (notFound, invalidQuery, accessDenied, bytesBilledLimitExceeded,
 * ...); the HTTP status is missing when the failure came back inside a job's `status.errors`, so the reason decides.
 */
import { WarehouseError, messageOf } from '../../../core/errors.js';
import { scrubErrorText } from '../../../core/scrub-error-text.js';

/** Who the failing operation ran for and what it was, so messages name the sync and the limit that applied. */
export interface BigQueryErrorContext {
  /** `sync <name>` for reads and estimates, `warehouse <name>` for checks: the first words of every message. */
  who: string;
  /** The project, for messages about credentials and permissions. */
  projectId: string;
  /** The configured maximumBytesBilled, quoted when BigQuery refuses a query for it. */
  maximumBytesBilled: string | undefined;
  /** The configured warehouse name, for fixes that are a setting of the warehouse (`resultsDataset`). */
  warehouseName?: string | undefined;
}

// Node socket errors, as node-fetch (under the client's teeny-request) reports them in `code`.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE']);

// google-auth-library's words for "these credentials do not work": a missing or unreadable key, a revoked key, no ADC.
const AUTH_MESSAGE =
  /Could not load the default credentials|invalid_grant|invalid_client|unauthorized_client|No key or keyFile|Could not refresh access token|No refresh token|private key|DECODER routines|Unable to detect a Project Id/i;

const AUTH_REASONS = new Set(['authError', 'unauthorized', 'required']);
const QUOTA_REASONS = new Set(['quotaExceeded', 'rateLimitExceeded', 'userRateLimitExceeded', 'billingNotEnabled', 'billingTierLimitExceeded']);
// Job failures BigQuery's error table says to retry (with backoff); the client retries HTTP calls, never a failed job.
const RETRYABLE_JOB_REASONS = new Set(['backendError', 'internalError', 'rateLimitExceeded', 'jobRateLimitExceeded', 'jobBackendError', 'jobInternalError']);

/** Whether `err` (as the client threw it) is a transient failure that a new job for the same query may not meet. */
export function isRetryableJobFailure(err: unknown): boolean {
  if (err instanceof WarehouseError) return false;
  return apiDetails(err).reasons.some((r) => RETRYABLE_JOB_REASONS.has(r));
}

/** `err` after `attempts` jobs all failed: same code, the count appended so the user knows retrying was tried. */
export function afterAttempts(err: WarehouseError, attempts: number): WarehouseError {
  if (attempts <= 1) return err;
  return new WarehouseError(err.code, `${err.message} (gave up after ${attempts} attempts, each a new BigQuery job)`, { cause: err.cause });
}

/** The job was still running when the connector's own deadline passed (it has been cancelled). */
export function bigQueryTimeoutError(who: string, jobId: string, timeoutMs: number): WarehouseError {
  return new WarehouseError(
    'PINSYNC_WAREHOUSE_TIMEOUT',
    `${who}: the BigQuery job ${jobId} did not finish within ${Math.round(timeoutMs / 1000)} s and was cancelled`,
  );
}

/** Classifies a failure; see the module comment. */
export function toBigQueryError(err: unknown, ctx: BigQueryErrorContext): WarehouseError {
  if (err instanceof WarehouseError) return err;
  // BigQuery quotes the offending value of a failed cast (`Bad int64 value: …`): never show it raw.
  const message = scrubErrorText(messageOf(err));
  const { status, reasons } = apiDetails(err);
  const who = ctx.who;

  // The message test only applies to errors that did not come from the BigQuery API (those have reasons).
  const authLibraryFailure = reasons.length === 0 && (AUTH_MESSAGE.test(messageOf(err)) || isMissingKeyFile(err));
  if (status === 401 || reasons.some((r) => AUTH_REASONS.has(r)) || authLibraryFailure) {
    return new WarehouseError(
      'PINSYNC_WAREHOUSE_AUTH',
      `${who}: BigQuery did not accept the credentials: ${message} (check keyFilename, credentials, or Application Default Credentials)`,
      { cause: err },
    );
  }
  const code = networkCode(err);
  if (code !== undefined) {
    return new WarehouseError('PINSYNC_WAREHOUSE_UNREACHABLE', `${who}: cannot reach BigQuery (${code}): ${message}`, { cause: err });
  }
  if (reasons.includes('bytesBilledLimitExceeded')) {
    return new WarehouseError(
      'PINSYNC_WAREHOUSE_QUOTA',
      `${who}: BigQuery refused the query because it would bill more than maximumBytesBilled` +
        `${ctx.maximumBytesBilled !== undefined ? ` (${ctx.maximumBytesBilled} bytes)` : ''}: ${message}; raise the limit or scan less (partition filters, fewer columns)`,
      { cause: err },
    );
  }
  if (reasons.includes('responseTooLarge')) {
    const warehouse = ctx.warehouseName !== undefined ? `warehouse ${ctx.warehouseName}` : 'the BigQuery warehouse';
    return new WarehouseError(
      'PINSYNC_WAREHOUSE_RESPONSE_TOO_LARGE',
      `${who}: the query's result is too large for BigQuery to return without a destination table: ${message}; set resultsDataset on ${warehouse} ` +
        `to a dataset pinsync may create tables in (each read writes its result to a table there and deletes it afterwards), or select fewer columns`,
      { cause: err },
    );
  }
  if (reasons.some((r) => QUOTA_REASONS.has(r)) || status === 429) {
    return new WarehouseError('PINSYNC_WAREHOUSE_QUOTA', `${who}: a BigQuery quota or limit was exceeded: ${message}`, { cause: err });
  }
  if (reasons.includes('accessDenied') || status === 403) {
    return new WarehouseError(
      'PINSYNC_WAREHOUSE_PERMISSION',
      `${who}: BigQuery denied access: ${message}; the account needs roles/bigquery.jobUser on project ${ctx.projectId} and roles/bigquery.dataViewer on the dataset`,
      { cause: err },
    );
  }
  if (reasons.includes('notFound') || status === 404) {
    // BigQuery names the object itself ("Not found: Table p:d.t was not found in location US"): keep its text.
    return new WarehouseError('PINSYNC_WAREHOUSE_TABLE_NOT_FOUND', `${who}: ${message}`, { cause: err });
  }
  if (reasons.includes('invalidQuery')) {
    return new WarehouseError('PINSYNC_WAREHOUSE_SQL', `${who}: BigQuery rejected the SQL: ${message}`, { cause: err });
  }
  if (reasons.includes('stopped')) {
    return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `${who}: the BigQuery job was cancelled: ${message}`, { cause: err });
  }
  return new WarehouseError('PINSYNC_WAREHOUSE_QUERY', `${who}: the warehouse query failed: ${message}`, { cause: err });
}

function apiDetails(err: unknown): { status: number | undefined; reasons: string[] } {
  const e = err as { code?: unknown; errors?: unknown } | null;
  const status = typeof e?.code === 'number' ? e.code : undefined;
  const reasons = Array.isArray(e?.errors)
    ? e.errors.map((item: unknown) => (item as { reason?: unknown } | null)?.reason).filter((r): r is string => typeof r === 'string')
    : [];
  return { status, reasons };
}

function networkCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code) ? code : undefined;
}

// A keyFilename that does not exist fails inside google-auth-library as a bare ENOENT from fs.
function isMissingKeyFile(err: unknown): boolean {
  const e = err as { code?: unknown; syscall?: unknown } | null;
  return e?.code === 'ENOENT' && e.syscall === 'open';
}
