/**
 * BigQuery as a warehouse: each read is a query job (`createQueryJob`) whose results are paged by hand
 * (`getQueryResults` with `maxResults` = batch size, `pageToken`, `autoPaginate: false`), the next page fetched while
 * the caller works on the current one, so at most two pages are held. While the job runs, getQueryResults answers
 * `jobComplete: false` (after BigQuery's own server-side wait); the loop polls until the job is done, the deadline
 * passes or the caller aborts, and the last two cancel the job. A job that fails for a transient reason before any
 * row was read is run again as a new job (the client retries HTTP calls, never jobs).
 *
 * `@google-cloud/bigquery` is imported on first use, so configs without a BigQuery warehouse never load it.
 */
import { randomUUID } from 'node:crypto';
import type { BigQuery, BigQueryOptions, Job, QueryResultsOptions, Table } from '@google-cloud/bigquery';
import type { AuthClient } from 'google-auth-library';
import { warehouseReadCancelled } from '../../../core/errors.js';
import type { RowBatch, Warehouse, WarehouseReadRequest } from '../../../core/warehouse.js';
import { afterAttempts, bigQueryTimeoutError, isRetryableJobFailure, toBigQueryError, type BigQueryErrorContext } from './bigquery-errors.js';
import { INT64_AS_STRING, toCell, type BigQuerySchemaField } from './bigquery-cell-values.js';
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
  /** Re-runs, each as a new job, of a query whose job failed for a transient reason (backendError...). Default 3. */
  jobRetries?: number;
  /** Wait before the first re-run; it doubles for each further one (plus up to as much again of jitter). Default 1 s. */
  jobRetryDelayMs?: number;
  /** `dataset` or `project.dataset` for each read's own result table, dropped after reading (beats responseTooLarge). */
  resultsDataset?: string;
}

const DEFAULT_JOB_TIMEOUT_MS = 2 * 60 * 60 * 1000;
const DEFAULT_JOB_RETRIES = 3;
const DEFAULT_JOB_RETRY_DELAY_MS = 1000;
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
      await abortable(bq.createQueryJob({ query: 'SELECT 1', dryRun: true, ...this.locationOption() }), opts.signal, () => warehouseReadCancelled(who, opts.signal?.reason));
    } catch (err) {
      throw toBigQueryError(err, ctx);
    }
  }

  async estimateScanBytes(req: { sql: string; syncName: string; signal?: AbortSignal }): Promise<number | undefined> {
    const who = `sync ${req.syncName}`;
    try {
      const bq = await this.bigQuery();
      const [, response] = await abortable(bq.createQueryJob({ query: req.sql, dryRun: true, ...this.locationOption() }), req.signal, () => warehouseReadCancelled(who, req.signal?.reason));
      const bytes = response?.statistics?.totalBytesProcessed ?? response?.statistics?.query?.totalBytesProcessed;
      return bytes === undefined || bytes === null ? undefined : Number(bytes);
    } catch (err) {
      throw toBigQueryError(err, this.errorContext(who));
    }
  }

  async *read(req: WarehouseReadRequest): AsyncIterable<RowBatch> {
    const who = `sync ${req.syncName}`;
    const ctx = this.errorContext(who);
    if (req.signal?.aborted) throw warehouseReadCancelled(who, req.signal.reason);
    let bq: BigQuery;
    try {
      bq = await this.bigQuery();
    } catch (err) {
      throw toBigQueryError(err, ctx);
    }
    const destination = this.resultsTable(bq, req.syncName);
    try {
      const { job, first } = await this.runUntilFirstPage(bq, req, ctx, destination);
      // One page ahead: the next page downloads while the caller normalizes and diffs this one. Page tokens chain,
      // so there is never more than one request in flight, nor more than two pages held.
      let page = first;
      let schema = first.schema;
      for (;;) {
        const token = page.pageToken;
        const ahead = token === undefined ? undefined : this.fetchPage(job, req, ctx, token);
        // A caller that stops early never awaits the prefetch: its failure must not surface as an unhandled rejection.
        ahead?.catch(() => undefined);
        if (page.rows.length > 0) yield toBatch(schema, page.rows);
        if (ahead === undefined) return;
        page = await ahead;
        // The prefetch may have landed before an abort: an aborted read hands over nothing more.
        if (req.signal?.aborted) throw warehouseReadCancelled(who, req.signal.reason);
        if (page.schema.length > 0) schema = page.schema;
      }
    } finally {
      if (destination !== undefined) await dropTable(destination);
    }
  }

  // Runs the query as a job and waits for its first page. A job BigQuery failed for a transient reason is run again
  // as a new job (a failed job stays failed: polling it again only repeats its error), with exponential backoff, at
  // most `jobRetries` times. Nothing has reached the caller yet, so a re-run cannot deliver a row twice.
  private async runUntilFirstPage(bq: BigQuery, req: WarehouseReadRequest, ctx: BigQueryErrorContext, destination: Table | undefined): Promise<{ job: Job; first: Page }> {
    const attempts = 1 + (this.options.jobRetries ?? DEFAULT_JOB_RETRIES);
    for (let attempt = 1; ; attempt++) {
      try {
        const job = await this.createJob(bq, req, ctx, destination);
        return { job, first: await this.waitForFirstPage(job, req, ctx) };
      } catch (err) {
        if (attempt < attempts && isRetryableJobFailure(err) && req.signal?.aborted !== true) {
          const base = (this.options.jobRetryDelayMs ?? DEFAULT_JOB_RETRY_DELAY_MS) * 2 ** (attempt - 1);
          await sleep(base + Math.random() * base, req.signal, ctx.who);
          continue;
        }
        throw afterAttempts(toBigQueryError(err, ctx), attempt);
      }
    }
  }

  private async createJob(bq: BigQuery, req: WarehouseReadRequest, ctx: BigQueryErrorContext, destination: Table | undefined): Promise<Job> {
    const creating = bq.createQueryJob({
      query: req.sql,
      useLegacySql: false,
      jobTimeoutMs: this.jobTimeoutMs(),
      // Labels and the job id prefix let the user find pinsync's jobs (and their cost) per sync.
      labels: { pinsync_sync: labelValue(req.syncName) },
      jobPrefix: `pinsync_${req.syncName}_`,
      ...(this.options.maximumBytesBilled !== undefined && { maximumBytesBilled: this.options.maximumBytesBilled }),
      ...(destination !== undefined && { destination, writeDisposition: 'WRITE_TRUNCATE', createDisposition: 'CREATE_IF_NEEDED' }),
      ...this.locationOption(),
    });
    try {
      const [job] = await abortable(creating, req.signal, () => warehouseReadCancelled(ctx.who, req.signal?.reason));
      return job;
    } catch (err) {
      // Aborted while jobs.insert was in flight: the job may still come into being, so stop it once it does.
      if (req.signal?.aborted) void creating.then(([late]) => cancelJob(late), () => undefined);
      throw err;
    }
  }

  // Polls until the job is done; abort, timeout or a failed poll cancel the job, which would otherwise go on billing.
  private async waitForFirstPage(job: Job, req: WarehouseReadRequest, ctx: BigQueryErrorContext): Promise<Page> {
    const timeoutMs = this.jobTimeoutMs();
    const deadline = Date.now() + timeoutMs;
    let done = false;
    try {
      for (;;) {
        const page = await this.getPage(job, req, ctx, undefined);
        if (page.complete) {
          done = true;
          return page;
        }
        if (Date.now() >= deadline) throw bigQueryTimeoutError(ctx.who, job.id ?? '?', timeoutMs);
        await sleep(this.options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS, req.signal, ctx.who);
      }
    } finally {
      if (!done) await cancelJob(job);
    }
  }

  private async fetchPage(job: Job, req: WarehouseReadRequest, ctx: BigQueryErrorContext, pageToken: string): Promise<Page> {
    try {
      return await this.getPage(job, req, ctx, pageToken);
    } catch (err) {
      throw toBigQueryError(err, ctx);
    }
  }

  private async getPage(job: Job, req: WarehouseReadRequest, ctx: BigQueryErrorContext, pageToken: string | undefined): Promise<Page> {
    const query: QueryResultsOptions = { maxResults: req.batchSize, autoPaginate: false, wrapIntegers: INT64_AS_STRING, ...(pageToken !== undefined && { pageToken }) };
    const [rows, next, response] = (await abortable(job.getQueryResults(query), req.signal, () => warehouseReadCancelled(ctx.who, req.signal?.reason))) as [
      unknown[],
      QueryResultsOptions | null,
      PageResponse | undefined,
    ];
    return { complete: response?.jobComplete !== false, rows: rows ?? [], schema: response?.schema?.fields ?? [], pageToken: next?.pageToken ?? undefined };
  }

  // With resultsDataset, each read writes to its own table there (named like the job), so results of any size can be
  // paged; the table is dropped after the read, and a dataset default expiration catches any a crash leaves behind.
  private resultsTable(bq: BigQuery, syncName: string): Table | undefined {
    const configured = this.options.resultsDataset;
    if (configured === undefined) return undefined;
    const dot = configured.lastIndexOf('.');
    const projectId = dot < 0 ? this.options.projectId : configured.slice(0, dot);
    const datasetId = dot < 0 ? configured : configured.slice(dot + 1);
    return bq.dataset(datasetId, { projectId }).table(`pinsync_${labelValue(syncName)}_${randomUUID().replace(/-/g, '_')}`);
  }

  private jobTimeoutMs(): number {
    return this.options.jobTimeoutMs ?? DEFAULT_JOB_TIMEOUT_MS;
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
    return { who, projectId: this.options.projectId, maximumBytesBilled: this.options.maximumBytesBilled, warehouseName: this.options.name };
  }
}

/** One getQueryResults answer, as the read loop uses it. */
interface Page {
  /** False while the job is still running (no rows then). */
  complete: boolean;
  /** The rows as the client decoded them. */
  rows: unknown[];
  /** The result schema (empty while the job runs). */
  schema: BigQuerySchemaField[];
  /** Token of the next page; undefined on the last one. */
  pageToken: string | undefined;
}

/** The parts of a getQueryResults response the loop reads. */
interface PageResponse {
  /** False while the job is still running. */
  jobComplete?: boolean;
  /** Result schema; present once the job is done. */
  schema?: { fields?: BigQuerySchemaField[] };
}

function toBatch(fields: BigQuerySchemaField[], rows: unknown[]): RowBatch {
  const columnNames = fields.map((f, i) => f.name ?? `f${i}`);
  const columns = fields.map((field, i) => rows.map((row) => toCell(field, (row as Record<string, unknown>)[columnNames[i]!])));
  return { columnNames, columns, rowCount: rows.length };
}

async function cancelJob(job: Job): Promise<void> {
  // The job may already be done or gone; the caller's own error is the one worth reporting.
  await bestEffort(() => job.cancel());
}

async function dropTable(table: Table): Promise<void> {
  // A table left behind (no delete permission, a network blip) only costs storage until the dataset expires it.
  await bestEffort(() => table.delete({ ignoreNotFound: true }));
}

async function bestEffort(work: () => Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([work(), new Promise((resolve) => (timer = setTimeout(resolve, CANCEL_WAIT_MS)))]);
  } catch {
    // Ignored by design; see the callers.
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
  return abortable(slept, signal, () => warehouseReadCancelled(who, signal?.reason)).finally(() => clearTimeout(timer));
}
