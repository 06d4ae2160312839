/**
 * Every request the emulator saw, so tests can count API calls, records per batch and retries without a proxy.
 */

/** How a request ended. */
export type RequestOutcome = 'responded' | 'dropped' | 'dropped-after-apply';

export interface RequestLogEntry {
  /** HTTP method. */
  method: string;
  /** Path without the query string, e.g. `/v5/ad_accounts/1/customer_lists`. */
  path: string;
  /** Query string including `?`, or empty. */
  query: string;
  /** Spec operation id of the route (`customer_lists/update`, …); undefined when no route matched. */
  operationId: string | undefined;
  /** `operation_type` of the body (ADD / REMOVE for lists, UPDATE / REMOVE for audiences), when it had one. */
  operation: string | undefined;
  /** HTTP status answered; null when the connection was dropped before any answer was decided. */
  status: number | null;
  /** Pinterest error code of an error answer. */
  errorCode: number | undefined;
  /** Non-empty tokens in the body's `records` string; 0 when there was none. */
  records: number;
  /** Request body size in bytes. */
  bodyBytes: number;
  /** Whether the request changed state (created, updated, removed). */
  applied: boolean;
  /** How the request ended. */
  outcome: RequestOutcome;
  /** Fault that was injected, if any. */
  fault: 'fail' | 'drop' | 'drop-after-apply' | undefined;
  /** The `x-pinterest-rid` of the answer (or the one it would have had). */
  requestId: string;
  /** Wall-clock ms since the epoch when the request arrived. */
  timestamp: number;
  /** Milliseconds from arrival to answer (or drop). */
  durationMs: number;
}

export class RequestLog {
  readonly #limit: number;
  readonly #entries: RequestLogEntry[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The live list of entries, oldest first. */
  get entries(): readonly RequestLogEntry[] {
    return this.#entries;
  }

  /** Appends an entry, dropping the oldest beyond the limit. */
  push(entry: RequestLogEntry): void {
    this.#entries.push(entry);
    // Trim in bulk so a long-running CLI does not pay an O(n) shift per request.
    if (this.#entries.length > this.#limit * 1.1) this.#entries.splice(0, this.#entries.length - this.#limit);
  }

  /** Forgets every entry. */
  clear(): void {
    this.#entries.length = 0;
  }
}
