/**
 * Faults that tests (and `pinsync emulator` flags) script ahead of requests: error answers (next N, every Nth, a
 * random share), latency, dropped connections, token expiry (now or after N requests) and an exhausted daily quota.
 * Each request asks for a plan once, before it is handled; counted rules are consumed first-come first-served among
 * those that match it. Token expiry and quotas act on the emulator's registries through `FaultTargets`, so the
 * server only has to understand the plan.
 */

import { ApiError, defaultFaultError } from './api-errors.js';
import type { RateLimitCategory } from './route-table.js';

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

/** `failEvery`: like FailNextOptions, without a count (it repeats until `clear()`). */
export type FailEveryOptions = Omit<FailNextOptions, 'count'>;

export interface FailRateOptions {
  /** Statuses to pick from at random; default `[500, 503]` (bodies as `failNext` gives them). */
  statuses?: readonly number[];
  /** Restricts the rule to some requests. */
  match?: FaultMatch;
}

export interface DropRateOptions {
  /** Apply the request before dropping the connection. */
  afterApply?: boolean;
  /** Restricts the rule to some requests. */
  match?: FaultMatch;
}

export interface QuotaExhaustedOptions {
  /** Category whose quota is gone; default every category. */
  category?: RateLimitCategory;
  /** Seconds until the quota resets (what `X-RateLimit-Reset` counts down from); default 40,000 (a daily quota). */
  resetSeconds?: number;
}

export interface ExpireTokenOptions {
  /** The token to expire; default every live token of that kind. */
  token?: string;
  /**
   * Let this many matching requests through first, then expire before the next one is handled. Default 0: now, or
   * with `match`, just before the next matching request.
   */
  afterRequests?: number;
  /** Which requests count toward `afterRequests`. */
  match?: FaultMatch;
}

/** What faults act on besides the answer itself. */
export interface FaultTargets {
  /** Expires one access token, or every live one; returns how many. */
  expireAccessTokens(token?: string): number;
  /** Expires one refresh token, or every live one; returns how many. */
  expireRefreshTokens(token?: string): number;
  /** Refuses a category (or all) with 429 code 8 until `resetSeconds` from now. */
  exhaustQuota(category: RateLimitCategory | undefined, resetSeconds: number): void;
  /** Ends every exhausted quota. */
  clearQuota(): void;
  /** Randomness in [0, 1) for the random rules. */
  random(): number;
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
  /** Answers every `every`-th matching request with an error (the `every`-th, `2·every`-th, …) until `clear()`. */
  failEvery(every: number, opts: FailEveryOptions): void;
  /** Answers a random `rate` (0..1) share of matching requests with a 5xx until `clear()`. */
  failRate(rate: number, opts?: FailRateOptions): void;
  /** Drops the connection of a random `rate` (0..1) share of matching requests until `clear()`. */
  dropRate(rate: number, opts?: DropRateOptions): void;
  /** Simulates a spent daily quota: 429 code 8 with a far `X-RateLimit-Reset` until it passes or `clear()`. */
  quotaExhausted(opts?: QuotaExhaustedOptions): void;
  /** Expires an access token (or all): later requests with it get 401 code 2. Now, or after N requests. */
  expireAccessToken(tokenOrOpts?: string | ExpireTokenOptions): void;
  /** Expires a refresh token (or all): refreshing with it gets 401 code 283. Now, or after N requests. */
  expireRefreshToken(tokenOrOpts?: string | ExpireTokenOptions): void;
  /** Removes every pending fault, latency rule and exhausted quota (expired tokens stay expired). */
  clear(): void;
  /** Number of counted rules (failNext, dropNext, delayed expiries) with requests left to affect. */
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

interface PeriodicRule {
  every: number;
  seen: number;
  match: FaultMatch | undefined;
  make: () => FaultAction;
}

interface RandomRule {
  rate: number;
  match: FaultMatch | undefined;
  make: () => FaultAction;
}

interface TriggerRule {
  /** Matching requests still to let through before firing. */
  remaining: number;
  match: FaultMatch | undefined;
  fire: () => void;
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

function checkRate(rate: number): number {
  if (!(rate >= 0 && rate <= 1)) throw new RangeError(`fault rate must be between 0 and 1 (was ${rate})`);
  return rate;
}

function failure(opts: Pick<FailNextOptions, 'status' | 'code' | 'message' | 'headers'>): () => FaultAction {
  if (!(Number.isInteger(opts.status) && opts.status >= 400 && opts.status <= 599)) {
    throw new RangeError(`fault status must be an HTTP error status 400-599 (was ${opts.status})`);
  }
  const defaults = defaultFaultError(opts.status);
  const code = opts.code ?? defaults.code;
  const message = opts.message ?? defaults.message;
  const headers = { ...opts.headers };
  return () => ({ kind: 'fail', error: new ApiError(opts.status, code, message, headers) });
}

export class FaultInjector implements EmulatorFaults {
  readonly #targets: FaultTargets;
  #actions: ActionRule[] = [];
  #latencies: LatencyRule[] = [];
  #periodic: PeriodicRule[] = [];
  #random: RandomRule[] = [];
  #triggers: TriggerRule[] = [];

  constructor(targets: FaultTargets) {
    this.#targets = targets;
  }

  failNext(opts: FailNextOptions): void {
    this.#actions.push({ remaining: checkCount(opts.count ?? 1), match: opts.match, make: failure(opts) });
  }

  failEvery(every: number, opts: FailEveryOptions): void {
    if (!(Number.isInteger(every) && every >= 1)) throw new RangeError(`every must be a whole number of at least 1 (was ${every})`);
    this.#periodic.push({ every, seen: 0, match: opts.match, make: failure(opts) });
  }

  failRate(rate: number, opts: FailRateOptions = {}): void {
    const makers = (opts.statuses ?? [500, 503]).map((status) => failure({ status }));
    if (makers.length === 0) throw new RangeError('failRate needs at least one status');
    const random = (): number => this.#targets.random();
    this.#random.push({
      rate: checkRate(rate),
      match: opts.match,
      // A second draw only when there is a choice, so a single-status rule uses one draw per request.
      make: () => (makers[makers.length === 1 ? 0 : Math.min(makers.length - 1, Math.floor(random() * makers.length))] as () => FaultAction)(),
    });
  }

  dropRate(rate: number, opts: DropRateOptions = {}): void {
    const kind = opts.afterApply === true ? 'drop-after-apply' : 'drop';
    this.#random.push({ rate: checkRate(rate), match: opts.match, make: () => ({ kind }) });
  }

  quotaExhausted(opts: QuotaExhaustedOptions = {}): void {
    this.#targets.exhaustQuota(opts.category, opts.resetSeconds ?? 40_000);
  }

  expireAccessToken(tokenOrOpts?: string | ExpireTokenOptions): void {
    this.#expire(tokenOrOpts, (token) => this.#targets.expireAccessTokens(token));
  }

  expireRefreshToken(tokenOrOpts?: string | ExpireTokenOptions): void {
    this.#expire(tokenOrOpts, (token) => this.#targets.expireRefreshTokens(token));
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
    this.#periodic = [];
    this.#random = [];
    this.#triggers = [];
    this.#targets.clearQuota();
  }

  pending(): number {
    return this.#actions.length + this.#triggers.length;
  }

  /** Consumes the rules that apply to one request and says what to do with it. */
  plan(method: string, path: string): FaultPlan {
    // Expiries fire before the request is handled, so the request that reaches the threshold already sees them.
    for (const trigger of [...this.#triggers]) {
      if (!matches(trigger.match, method, path)) continue;
      if (trigger.remaining > 0) {
        trigger.remaining--;
        continue;
      }
      this.#triggers.splice(this.#triggers.indexOf(trigger), 1);
      trigger.fire();
    }
    let delayMs = 0;
    const latency = this.#latencies.find((rule) => matches(rule.match, method, path));
    if (latency !== undefined) {
      delayMs = latency.ms;
      if (--latency.remaining <= 0) this.#latencies.splice(this.#latencies.indexOf(latency), 1);
    }
    const rule = this.#actions.find((r) => matches(r.match, method, path));
    if (rule !== undefined) {
      if (--rule.remaining <= 0) this.#actions.splice(this.#actions.indexOf(rule), 1);
      return { delayMs, action: rule.make() };
    }
    // Every periodic rule counts every matching request, whether or not another rule answers it.
    let periodic: FaultAction | undefined;
    for (const p of this.#periodic) {
      if (!matches(p.match, method, path)) continue;
      p.seen++;
      if (periodic === undefined && p.seen % p.every === 0) periodic = p.make();
    }
    if (periodic !== undefined) return { delayMs, action: periodic };
    for (const r of this.#random) {
      if (matches(r.match, method, path) && this.#targets.random() < r.rate) return { delayMs, action: r.make() };
    }
    return { delayMs, action: { kind: 'none' } };
  }

  #expire(tokenOrOpts: string | ExpireTokenOptions | undefined, fire: (token: string | undefined) => number): void {
    const opts = typeof tokenOrOpts === 'string' ? { token: tokenOrOpts } : (tokenOrOpts ?? {});
    const after = opts.afterRequests ?? 0;
    if (!(Number.isInteger(after) && after >= 0)) throw new RangeError(`afterRequests must be a whole number (was ${after})`);
    if (after === 0 && opts.match === undefined) {
      fire(opts.token);
      return;
    }
    this.#triggers.push({ remaining: after, match: opts.match, fire: () => void fire(opts.token) });
  }
}
