/**
 * BigQuery as a warehouse: each read is a query job (`createQueryJob`) whose results are paged by hand
 * (`getQueryResults` with `maxResults` = batch size, `pageToken`, `autoPaginate: false`), so one page is held at a
 * time. While the job runs, getQueryResults answers `jobComplete: false` (after BigQuery's own server-side wait);
 * the loop polls until the job is done, the deadline passes or the caller aborts, and the last two cancel the job.
 *
 * `@google-cloud/bigquery` is imported on first use, so configs without a BigQuery warehouse never load it.
 */
import type { BigQuery, BigQueryOptions, Job, QueryResultsOptions } from '@google-cloud/bigquery';
import type { AuthClient } from 'google-auth-library';
import type { RowBatch, Warehouse, WarehouseReadRequest } from '../../../core/warehouse.js';
import { bigQueryAbortedError, bigQueryTimeoutError, toBigQueryError, type BigQueryErrorContext } from './bigquery-errors.js';
import { INT64_AS_STRING, toCell } from './bigquery-values.js';
import { abortable } from '../abortable.js';

export interface BigQueryWarehouseOptions {
  /** The configured warehouse name, for messages about checks that run for no particular sync. */
  name?: string;
  /** Project that runs (and pays for) the query jobs. */
  projectId: string;
  /** Job location (`US`, `EU`, `europe-west1`...); BigQuery infers it from the tables when unset. */
  location?: string;
  /** Service-account key file; with neither this nor `credentials`, Application Default Credentials apply. */
  keyFilename?: string;
  /** Inline service-account key (the parsed JSON). */
  credentials?: Record<string, unknown>;
  /** Refuse jobs that would bill more bytes than this (int64 as a decimal string). */
  maximumBytesBilled?: string;
  /** API root, e.g. `http://127.0.0.1:9050` for a local fake; the client adds `/bigquery/v2`. */
  apiEndpoint?: string;
  /** A ready auth client, used instead of key files or ADC (tests inject one so no metadata server is probed). */
  authClient?: AuthClient;
  /** Deadline for a job to finish, also sent to BigQuery as `jobTimeoutMs`. Default 2 hours. */
  jobTimeoutMs?: number;
  /** Client pause between polls of a running job, on top of BigQuery's server-side wait. Default 500 ms. */
  pollIntervalMs?: number;
  /** Retries of rate-limited and 5xx requests inside the client. Default: the client's (3). */
  maxRetries?: number;
}

const DEFAULT_JOB_TIMEOUT_MS = 2 * 60 * 60 * 1000;
const DEFAULT_POLL_INTERVAL_MS = 500;
// Cancelling is best effort: a slow cancel must not hold up the error the caller is waiting for.
const CANCEL_WAIT_MS = 5_000;

export class BigQueryWarehouse implements Warehouse {
  readonly engine = 'bigquery' as const;
  private client: Promise<BigQuery> | undefined;

  constructor(private readonly options: BigQueryWarehouseOptions) {}

  // A dry run of `SELECT 1` is free and proves both the credentials and the right to create jobs in the project.
  async check(opts: { signal?: AbortSignal } = {}): Promise<void> {
    const who = `warehouse ${this.options.name ?? this.options.projectId}`;
    const ctx = this.errorContext(who);
    try {
      const bq = await this.bigQuery();
      await abortable(bq.createQueryJob({ query: 'SELECT 1', dryRun: true, ...this.locationOption() }), opts.signal, () => bigQueryAbortedError(who, opts.signal?.reason));
    } catch (err) {
      throw toBigQueryError(err, ctx);
    }
  }

  async estimateScanBytes(req: { sql: string; syncName: string; signal?: AbortSignal }): Promise<number | undefined> {
    const who = `sync ${req.syncName}`;
    try {
      const bq = await this.bigQuery();
      const [, response] = await abortable(bq.createQueryJob({ query: req.sql, dryRun: true, ...this.locationOption() }), req.signal, () => bigQueryAbortedError(who, req.signal?.reason));
      const bytes = response?.statistics?.totalBytesProcessed ?? response?.statistics?.query?.totalBytesProcessed;
      return bytes === undefined || bytes === null ? undefined : Number(bytes);
    } catch (err) {
      throw toBigQueryError(err, this.errorContext(who));
    }
  }

  async *read(req: WarehouseReadRequest): AsyncIterable<RowBatch> {
    const who = `sync ${req.syncName}`;
    const ctx = this.errorContext(who);
    const timeoutMs = this.options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
    if (req.signal?.aborted) throw bigQueryAbortedError(who, req.signal.reason);
    let job: Job;
    let creating: Promise<[Job, unknown]> | undefined;
    try {
      const bq = await this.bigQuery();
      creating = bq.createQueryJob({
        query: req.sql,
        useLegacySql: false,
        jobTimeoutMs: timeoutMs,
        // Labels and the job id prefix let the user find pinsync's jobs (and their cost) per sync.
        labels: { pinsync_sync: labelValue(req.syncName) },
        jobPrefix: `pinsync_${req.syncName}_`,
        ...(this.options.maximumBytesBilled !== undefined && { maximumBytesBilled: this.options.maximumBytesBilled }),
        ...this.locationOption(),
      });
      [job] = await abortable(creating, req.signal, () => bigQueryAbortedError(who, req.signal?.reason));
    } catch (err) {
      // Aborted while jobs.insert was in flight: the job may still come into being, so stop it once it does.
      if (req.signal?.aborted) void creating?.then(([late]) => cancelJob(late), () => undefined);
      throw toBigQueryError(err, ctx);
    }

    const deadline = Date.now() + timeoutMs;
    let jobDone = false;
    try {
      let pageToken: string | undefined;
      for (;;) {
        const query: QueryResultsOptions = { maxResults: req.batchSize, autoPaginate: false, wrapIntegers: INT64_AS_STRING, ...(pageToken !== undefined && { pageToken }) };
        let rows: unknown[];
        let next: QueryResultsOptions | null | undefined;
        let response: PageResponse | undefined;
        try {
          [rows, next, response] = (await abortable(job.getQueryResults(query), req.signal, () => bigQueryAbortedError(who, req.signal?.reason))) as [unknown[], QueryResultsOptions | null, PageResponse];
        } catch (err) {
          throw toBigQueryError(err, ctx);
        }
        if (response?.jobComplete === false) {
          if (Date.now() >= deadline) throw bigQueryTimeoutError(who, job.id ?? '?', timeoutMs);
          await sleep(this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, req.signal, who);
          continue;
        }
        jobDone = true;
        if (rows.length > 0) yield toBatch(response?.schema?.fields ?? [], rows);
        pageToken = next?.pageToken;
        if (pageToken === undefined) break;
      }
    } finally {
      // Abort, timeout, or a consumer that stopped early: a job still running would go on billing, so stop it.
      if (!jobDone) await cancelJob(job);
    }
  }

  async close(): Promise<void> {
    // The client keeps no connections of its own beyond Node's agent; dropping it is enough.
    this.client = undefined;
  }

  private bigQuery(): Promise<BigQuery> {
    this.client ??= (async () => {
      const { BigQuery } = await import('@google-cloud/bigquery');
      const o = this.options;
      const options: BigQueryOptions = {
        projectId: o.projectId,
        ...(o.location !== undefined && { location: o.location }),
        ...(o.apiEndpoint !== undefined && { apiEndpoint: o.apiEndpoint }),
        ...(o.authClient !== undefined ? { authClient: o.authClient } : o.keyFilename !== undefined ? { keyFilename: o.keyFilename } : {}),
        ...(o.authClient === undefined && o.credentials !== undefined && { credentials: o.credentials }),
        // The client reads `maxRetries: 0` as "unset" (3): no retries has to be said with autoRetry.
        ...(o.maxRetries !== undefined && { retryOptions: o.maxRetries === 0 ? { autoRetry: false } : { maxRetries: o.maxRetries } }),
        userAgent: 'pinsync',
      };
      return new BigQuery(options);
    })();
    return this.client;
  }

  private locationOption(): { location?: string } {
    return this.options.location !== undefined ? { location: this.options.location } : {};
  }

  private errorContext(who: string): BigQueryErrorContext {
    return { who, projectId: this.options.projectId, maximumBytesBilled: this.options.maximumBytesBilled };
  }
}

/** The parts of a getQueryResults response the loop reads. */
interface PageResponse {
  /** False while the job is still running. */
  jobComplete?: boolean;
  /** Result schema; present once the job is done. */
  schema?: { fields?: { name?: string }[] };
}

function toBatch(fields: { name?: string }[], rows: unknown[]): RowBatch {
  const columnNames = fields.map((f, i) => f.name ?? `f${i}`);
  const columns = columnNames.map((name) => rows.map((row) => toCell((row as Record<string, unknown>)[name])));
  return { columnNames, columns, rowCount: rows.length };
}

async function cancelJob(job: Job): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([job.cancel(), new Promise((resolve) => (timer = setTimeout(resolve, CANCEL_WAIT_MS)))]);
  } catch {
    // The job may already be done or gone; the caller's own error is the one worth reporting.
  } finally {
    clearTimeout(timer);
  }
}

// Label values: at most 63 of lowercase letters, digits, `_` and `-` (sync names are already [a-z0-9_]+).
function labelValue(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '_').slice(0, 63);
}

function sleep(ms: number, signal: AbortSignal | undefined, who: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const slept = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return abortable(slept, signal, () => bigQueryAbortedError(who, signal?.reason)).finally(() => clearTimeout(timer));
}
