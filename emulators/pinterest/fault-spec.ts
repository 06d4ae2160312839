/**
 * The small text syntax `pinsync emulator` flags use to script faults and limits, so users can rehearse failures in
 * their own CI without writing code: `--fault status=429,code=8,every=20`, `--rate-limit ads_write=400`,
 * `--quota-exhausted ads_write=40000`. Parsing is strict (unknown keys and bad numbers are errors that name the
 * flag) because a typo that silently disables a fault would make a rehearsal pass for the wrong reason.
 */

import type { RateLimits } from './emulator-options.js';
import type { EmulatorFaults, FaultMatch, QuotaExhaustedOptions } from './fault-injector.js';
import type { RateLimitCategory } from './route-table.js';

/** One `--fault`: an error answer on a schedule. */
export interface FaultSpec {
  /** HTTP status to answer with (400-599). */
  status: number;
  /** Pinterest error code; default per status (429 → 8, 503 → 4197, …). */
  code?: number;
  /** Fail every Nth matching request (repeats). */
  every?: number;
  /** Fail the next N matching requests (once). */
  count?: number;
  /** Fail this random share (0..1) of matching requests (repeats). */
  rate?: number;
  /** `X-RateLimit-Reset` seconds to send; default 1 for 429, none otherwise. */
  resetSeconds?: number;
  /** Which requests the fault applies to. */
  match?: FaultMatch;
}

/** Every fault the CLI sets up after start. */
export interface CliFaults {
  /** `--fault` entries. */
  specs?: readonly FaultSpec[];
  /** `--fail-rate`: random share of requests answered 500 or 503. */
  failRate?: number;
  /** `--drop-rate`: random share of requests whose connection is dropped unanswered. */
  dropRate?: number;
  /** `--latency-ms`: delay before every request is handled. */
  latencyMs?: number;
  /** `--quota-exhausted` entries. */
  quotas?: readonly QuotaExhaustedOptions[];
}

/** A flag value the CLI cannot use; the message names the flag and the problem. */
export class FlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlagError';
  }
}

export const RATE_LIMIT_CATEGORIES: readonly RateLimitCategory[] = ['ads_read', 'ads_write', 'org_read', 'org_write'];
const FAULT_KEYS = ['status', 'code', 'every', 'count', 'rate', 'reset', 'method', 'path'] as const;

/** Parses `status=429,code=8,every=20[,reset=2][,method=PATCH][,path=/customer_lists]`; exactly one of every/count/rate. */
export function parseFaultSpec(text: string): FaultSpec {
  const fields = keyValues('--fault', text, FAULT_KEYS);
  const status = integer('--fault status', fields.get('status'), 400, 599);
  if (status === undefined) throw new FlagError(`--fault '${text}': status=NNN is required`);
  const schedules = (['every', 'count', 'rate'] as const).filter((k) => fields.has(k));
  if (schedules.length !== 1) throw new FlagError(`--fault '${text}': give exactly one of every=N, count=N or rate=0..1`);
  const method = fields.get('method');
  const path = fields.get('path');
  const spec: FaultSpec = { status };
  const code = integer('--fault code', fields.get('code'), 0, Number.MAX_SAFE_INTEGER);
  if (code !== undefined) spec.code = code;
  const every = integer('--fault every', fields.get('every'), 1, Number.MAX_SAFE_INTEGER);
  if (every !== undefined) spec.every = every;
  const count = integer('--fault count', fields.get('count'), 1, Number.MAX_SAFE_INTEGER);
  if (count !== undefined) spec.count = count;
  const rate = share('--fault rate', fields.get('rate'));
  if (rate !== undefined) spec.rate = rate;
  const reset = integer('--fault reset', fields.get('reset'), 0, Number.MAX_SAFE_INTEGER);
  if (reset !== undefined) spec.resetSeconds = reset;
  if (method !== undefined || path !== undefined) {
    spec.match = {};
    if (method !== undefined) spec.match.method = method.toUpperCase();
    if (path !== undefined) spec.match.pathIncludes = path;
  }
  return spec;
}

/** Parses `--rate-limit` entries: `CATEGORY=PER_MINUTE` or `universal=PER_SECOND`; later entries win. */
export function parseRateLimits(entries: readonly string[]): RateLimits {
  const limits: RateLimits = {};
  for (const entry of entries) {
    const [key, value] = splitPair('--rate-limit', entry);
    const n = positiveNumber(`--rate-limit ${key}`, value);
    if (key === 'universal') limits.universalPerSecond = n;
    else if ((RATE_LIMIT_CATEGORIES as readonly string[]).includes(key)) limits[key as RateLimitCategory] = n;
    else throw new FlagError(`--rate-limit '${entry}': category must be one of ${[...RATE_LIMIT_CATEGORIES, 'universal'].join(', ')}`);
  }
  return limits;
}

/** Parses a `--quota-exhausted` entry: `CATEGORY[=RESET_SECONDS]` or `all[=RESET_SECONDS]` (default 40,000 s). */
export function parseQuotaExhausted(entry: string): QuotaExhaustedOptions {
  const eq = entry.indexOf('=');
  const key = (eq === -1 ? entry : entry.slice(0, eq)).trim();
  const resetSeconds = eq === -1 ? 40_000 : positiveNumber(`--quota-exhausted ${key}`, entry.slice(eq + 1));
  if (key === 'all') return { resetSeconds };
  if (!(RATE_LIMIT_CATEGORIES as readonly string[]).includes(key)) {
    throw new FlagError(`--quota-exhausted '${entry}': category must be one of ${[...RATE_LIMIT_CATEGORIES, 'all'].join(', ')}`);
  }
  return { category: key as RateLimitCategory, resetSeconds };
}

/** Checks a share flag (`--fail-rate`, `--drop-rate`, `--match-rate`): a number from 0 to 1. */
export function checkShare(flag: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new FlagError(`${flag} must be a number from 0 to 1 (was ${value})`);
  return value;
}

/** Checks a count or duration flag: a whole number of at least `min`. */
export function checkWhole(flag: string, value: number, min: number): number {
  if (!(Number.isInteger(value) && value >= min)) throw new FlagError(`${flag} must be a whole number of at least ${min} (was ${value})`);
  return value;
}

/** Installs the CLI's faults on a running emulator. */
export function applyCliFaults(faults: EmulatorFaults, cli: CliFaults): void {
  if (cli.latencyMs !== undefined && cli.latencyMs > 0) faults.latency(cli.latencyMs);
  if (cli.failRate !== undefined && cli.failRate > 0) faults.failRate(cli.failRate);
  if (cli.dropRate !== undefined && cli.dropRate > 0) faults.dropRate(cli.dropRate);
  for (const quota of cli.quotas ?? []) faults.quotaExhausted(quota);
  for (const spec of cli.specs ?? []) {
    // A 429 without X-RateLimit-Reset makes clients fall back to exponential backoff; 1 s mimics a per-minute
    // window that is about to refill, the common case a rehearsal wants.
    const reset = spec.resetSeconds ?? (spec.status === 429 ? 1 : undefined);
    const base = {
      status: spec.status,
      ...(spec.code === undefined ? {} : { code: spec.code }),
      ...(reset === undefined ? {} : { headers: { 'X-RateLimit-Reset': String(reset) } }),
      ...(spec.match === undefined ? {} : { match: spec.match }),
    };
    if (spec.every !== undefined) faults.failEvery(spec.every, base);
    else if (spec.count !== undefined) faults.failNext({ ...base, count: spec.count });
    else if (spec.rate !== undefined) faults.failRate(spec.rate, { statuses: [spec.status], ...(spec.match === undefined ? {} : { match: spec.match }) });
  }
}

/** One line per active fault, for the CLI's start-up banner. */
export function describeCliFaults(cli: CliFaults): string[] {
  const lines: string[] = [];
  if (cli.latencyMs !== undefined && cli.latencyMs > 0) lines.push(`${cli.latencyMs} ms latency on every request`);
  if (cli.failRate !== undefined && cli.failRate > 0) lines.push(`${percent(cli.failRate)} of requests answered 500/503`);
  if (cli.dropRate !== undefined && cli.dropRate > 0) lines.push(`${percent(cli.dropRate)} of connections dropped unanswered`);
  for (const q of cli.quotas ?? []) lines.push(`${q.category ?? 'every category'} quota exhausted for ${q.resetSeconds ?? 40_000} s`);
  for (const spec of cli.specs ?? []) {
    const when = spec.every !== undefined ? `every ${ordinal(spec.every)} request` : spec.count !== undefined ? `the next ${spec.count} requests` : `${percent(spec.rate ?? 0)} of requests`;
    const scope = spec.match === undefined ? '' : ` (${[spec.match.method, spec.match.pathIncludes].filter((x) => x !== undefined).join(' ')})`;
    lines.push(`${when}${scope} answered ${spec.status}${spec.code === undefined ? '' : ` code ${spec.code}`}`);
  }
  return lines;
}

function keyValues<K extends string>(flag: string, text: string, allowed: readonly K[]): Map<K, string> {
  const out = new Map<K, string>();
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const [key, value] = splitPair(flag, part);
    if (!(allowed as readonly string[]).includes(key)) throw new FlagError(`${flag} '${text}': unknown key '${key}' (known: ${allowed.join(', ')})`);
    if (out.has(key as K)) throw new FlagError(`${flag} '${text}': '${key}' given twice`);
    out.set(key as K, value);
  }
  return out;
}

function splitPair(flag: string, text: string): [string, string] {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new FlagError(`${flag} '${text}': expected KEY=VALUE`);
  return [text.slice(0, eq).trim(), text.slice(eq + 1).trim()];
}

function integer(what: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < min || n > max) throw new FlagError(`${what} must be a whole number from ${min} to ${max} (was '${raw}')`);
  return n;
}

function share(what: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw === '' || !(n >= 0 && n <= 1)) throw new FlagError(`${what} must be a number from 0 to 1 (was '${raw}')`);
  return n;
}

function positiveNumber(what: string, raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !(Number.isFinite(n) && n > 0)) throw new FlagError(`${what} must be a positive number (was '${raw}')`);
  return n;
}

function percent(share: number): string {
  return `${Math.round(share * 1000) / 10}%`;
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}
