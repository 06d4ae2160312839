/**
 * The one connection a planner session runs on (its TEMP tables are private to it). Every statement runs under
 * `statement_timeout`; the ones a stop may interrupt (the ingest and the diff, which can run for minutes) are
 * cancelled with `pg_cancel_backend` from a second connection when the caller's signal aborts. Statements that
 * write what Pinterest acknowledged (applying ranges) are never cancelled by a stop: they are short, and the run
 * should finish them.
 */
import type { Client, ClientConfig, FieldDef, QueryResultRow } from 'pg';
import { warehouseReadCancelled } from '../../../../core/errors.js';
import { cancelBackend, closeClient, connectClient } from '../postgres-connection.js';
import { type PgErrorContext, toWarehouseError } from '../postgres-errors.js';

/** How one statement is run. */
export interface PlannerQueryOptions {
  /** Parameters ($1...). */
  values?: unknown[];
  /** A stop cancels it on the server (ingest, diff). */
  cancellable?: boolean;
}

export class PlannerConnection {
  private running = false;
  private cancelling: Promise<void> | undefined;
  private readonly onAbort = () => {
    if (this.running && this.cancelling === undefined) this.cancelling = cancelBackend(this.config, this.pid);
  };

  private constructor(
    private readonly client: Client,
    private readonly config: ClientConfig,
    private readonly pid: number,
    /** How errors name the work and the server. */
    readonly errorContext: PgErrorContext,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort);
  }

  /** Connects and sets the statement timeout; `ctx.who` is the sync (`sync NAME`). */
  static async open(config: ClientConfig, ctx: PgErrorContext, statementTimeoutMs: number, signal: AbortSignal | undefined): Promise<PlannerConnection> {
    let client: Client | undefined;
    try {
      client = await connectClient(config, signal, () => warehouseReadCancelled(ctx.who));
      await client.query(`SET statement_timeout = ${Math.floor(statementTimeoutMs)}`);
      const pid = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
      return new PlannerConnection(client, config, pid, { ...ctx, phase: 'query', statementTimeoutMs }, signal);
    } catch (err) {
      if (client) await closeClient(client);
      if (signal?.aborted) throw warehouseReadCancelled(ctx.who, err);
      throw toWarehouseError(err, ctx);
    }
  }

  /** Runs one statement; failures become WarehouseErrors (scrubbed), a stop during a cancellable one an abort. */
  async query<T extends QueryResultRow = QueryResultRow>(text: string, opts: PlannerQueryOptions = {}): Promise<T[]> {
    if (opts.cancellable && this.signal?.aborted) throw warehouseReadCancelled(this.errorContext.who);
    this.running = opts.cancellable === true;
    try {
      const result = await this.client.query<T>({ text, values: opts.values });
      return result.rows;
    } catch (err) {
      if (opts.cancellable && this.signal?.aborted) throw warehouseReadCancelled(this.errorContext.who, err);
      throw toWarehouseError(err, this.errorContext);
    } finally {
      this.running = false;
      const cancelling = this.cancelling;
      this.cancelling = undefined;
      await cancelling;
    }
  }

  /** The columns a query returns (names and type OIDs), from a statement that computes no row. */
  async describe(text: string): Promise<FieldDef[]> {
    try {
      return (await this.client.query({ text, rowMode: 'array' })).fields;
    } catch (err) {
      throw toWarehouseError(err, this.errorContext);
    }
  }

  /** Runs `fn`'s statements in one transaction (rolled back when it throws). */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.query('BEGIN');
    try {
      const out = await fn();
      await this.query('COMMIT');
      return out;
    } catch (err) {
      await this.client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  /** Closes the connection (its TEMP tables go with it). Idempotent. */
  async close(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    await closeClient(this.client);
  }
}
