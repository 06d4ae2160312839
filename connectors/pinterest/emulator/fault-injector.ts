/**
 * Faults that tests script ahead of requests: error answers, latency and dropped connections. Each request asks
 * for a plan once, before it is handled; rules are consumed first-come first-served among those that match it.
 * Richer faults (token expiry mid-run, per-category throttling) can be added as new rule kinds without touching the
 * server, which only understands the plan.
 */

import { ApiError, defaultFaultError } from './api-errors.js';

/** Which requests a rule applies to; every given field must match. */
export interface FaultMatch {
  /** HTTP method, case-insensitive. */
  method?: string;
  /** Substring of the path (query string excluded). */
  pathIncludes?: string;
}

export interface FailNextOptions {
  /** HTTP status to answer with (500, 503, 429, 401, …). */
  status: number;
  /** Pinterest error code; default per status (503 → 4197, 429 → 8, 401 → 2, 500 → 500, …). */
  code?: number;
  /** Error message; default per status. */
  message?: string;
  /** How many matching requests fail; default 1, `Infinity` until `clear()`. */
  count?: number;
  /** Restricts the rule to some requests. */
  match?: FaultMatch;
  /** Extra response headers, e.g. `{ 'X-RateLimit-Reset': '2' }`. */
  headers?: Record<string, string>;
}

export interface DropOptions {
  /** How many matching requests are dropped (object form of `dropNext`); default 1. */
  count?: number;
  /** Restricts the rule to some requests. */
  match?: FaultMatch;
  /** Apply the request first, then drop the connection: "Pinterest applied it but the ack was lost". */
  afterApply?: boolean;
}

export interface LatencyOptions {
  /** How many matching requests are delayed; default: all until `clear()` or `latency(0)`. */
  count?: number;
  /** Restricts the rule to some requests. */
  match?: FaultMatch;
}

/** The fault controls a test sees as `emulator.faults`. */
export interface EmulatorFaults {
  /** Answers the next matching request(s) with an error instead of handling them (nothing is applied). */
  failNext(opts: FailNextOptions): void;
  /** Delays matching requests by `ms` before they are handled; `latency(0)` removes all latency rules. */
  latency(ms: number, opts?: LatencyOptions): void;
  /**
   * Destroys the socket of the next matching request(s) without answering; nothing is applied unless `afterApply`.
   * Takes a count (`dropNext(2)`), options (`dropNext({ count: 2, afterApply: true })`) or both.
   */
  dropNext(count?: number | DropOptions, opts?: DropOptions): void;
  /** Applies the next `count` matching requests, then destroys the socket instead of answering. */
  dropAfterApplyNext(count?: number, opts?: Omit<DropOptions, 'afterApply' | 'count'>): void;
  /** Removes every pending fault and latency rule. */
  clear(): void;
  /** Number of fault rules (fail/drop) with requests left to affect. */
  pending(): number;
}

/** What the server does with one request. */
export type FaultAction = { kind: 'none' } | { kind: 'fail'; error: ApiError } | { kind: 'drop' } | { kind: 'drop-after-apply' };

/** The faults planned for one request. */
export interface FaultPlan {
  /** Wait this long before handling. */
  delayMs: number;
  /** Then do this. */
  action: FaultAction;
}

interface ActionRule {
  remaining: number;
  match: FaultMatch | undefined;
  make: () => FaultAction;
}

interface LatencyRule {
  remaining: number;
  match: FaultMatch | undefined;
  ms: number;
}

function matches(match: FaultMatch | undefined, method: string, path: string): boolean {
  if (match === undefined) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== method.toUpperCase()) return false;
  if (match.pathIncludes !== undefined && !path.includes(match.pathIncludes)) return false;
  return true;
}

function checkCount(count: number): number {
  if (!(count >= 1)) throw new RangeError(`fault count must be at least 1 (was ${count})`);
  return count;
}

export class FaultInjector implements EmulatorFaults {
  #actions: ActionRule[] = [];
  #latencies: LatencyRule[] = [];

  failNext(opts: FailNextOptions): void {
    const defaults = defaultFaultError(opts.status);
    const code = opts.code ?? defaults.code;
    const message = opts.message ?? defaults.message;
    const headers = { ...opts.headers };
    this.#actions.push({
      remaining: checkCount(opts.count ?? 1),
      match: opts.match,
      make: () => ({ kind: 'fail', error: new ApiError(opts.status, code, message, headers) }),
    });
  }

  latency(ms: number, opts: LatencyOptions = {}): void {
    if (ms <= 0) {
      this.#latencies = [];
      return;
    }
    this.#latencies.push({ remaining: checkCount(opts.count ?? Number.POSITIVE_INFINITY), match: opts.match, ms });
  }

  dropNext(countOrOpts: number | DropOptions = 1, more: DropOptions = {}): void {
    const opts = typeof countOrOpts === 'number' ? { ...more, count: more.count ?? countOrOpts } : { ...more, ...countOrOpts };
    const kind = opts.afterApply === true ? 'drop-after-apply' : 'drop';
    this.#actions.push({ remaining: checkCount(opts.count ?? 1), match: opts.match, make: () => ({ kind }) });
  }

  dropAfterApplyNext(count = 1, opts: Omit<DropOptions, 'afterApply' | 'count'> = {}): void {
    this.dropNext(count, { ...opts, afterApply: true });
  }

  clear(): void {
    this.#actions = [];
    this.#latencies = [];
  }

  pending(): number {
    return this.#actions.length;
  }

  /** Consumes the rules that apply to one request and says what to do with it. */
  plan(method: string, path: string): FaultPlan {
    let delayMs = 0;
    const latency = this.#latencies.find((rule) => matches(rule.match, method, path));
    if (latency !== undefined) {
      delayMs = latency.ms;
      if (--latency.remaining <= 0) this.#latencies.splice(this.#latencies.indexOf(latency), 1);
    }
    const rule = this.#actions.find((r) => matches(r.match, method, path));
    if (rule === undefined) return { delayMs, action: { kind: 'none' } };
    if (--rule.remaining <= 0) this.#actions.splice(this.#actions.indexOf(rule), 1);
    return { delayMs, action: rule.make() };
  }
}
