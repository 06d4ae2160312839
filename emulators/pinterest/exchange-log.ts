/**
 * Every exchange (request and answer, with headers and parsed bodies) the emulator handled, so a test can check a
 * whole session against the OpenAPI description. Kept apart from the request log, which stays small and numeric
 * for counting calls in big syncs.
 *
 * Two things keep it cheap and safe to print: strings longer than `MAX_STRING` are cut (a 10,000-record `records`
 * string is ~650 KB; its type, not its content, is what a schema checks), and credentials are redacted (bearer and
 * Basic headers, tokens, codes and secrets in bodies), so a failing assertion never prints one.
 */

import type { IncomingHttpHeaders } from 'node:http';

import type { RequestOutcome } from './request-log.js';

/**
 * How a body was read: absent, JSON, form-urlencoded, text that did not parse as its content type says, or not
 * read at all because it was over `maxBodyBytes` (answered 413 without looking inside).
 */
export type ExchangeBodyKind = 'none' | 'json' | 'form' | 'unparsed' | 'unread';

/** One request and what the emulator did with it. */
export interface Exchange {
  /** HTTP method, upper case. */
  method: string;
  /** Path without the query string, e.g. `/v5/ad_accounts/1/customer_lists`. */
  path: string;
  /** Query string including `?`, or empty. */
  query: string;
  /** Spec operation id of the route; undefined when no route matched. */
  operationId: string | undefined;
  /** Request headers by lower-case name; `authorization` keeps only its scheme (`Bearer <redacted>`). */
  requestHeaders: Record<string, string>;
  /** How the request body was read. */
  requestBodyKind: ExchangeBodyKind;
  /** Parsed body (JSON value, or form fields as strings), compacted and redacted; text prefix when unparsed; undefined when none or unread. */
  requestBody: unknown;
  /** HTTP status answered; null when the connection was dropped instead. */
  status: number | null;
  /** Response headers by lower-case name. */
  responseHeaders: Record<string, string>;
  /** Parsed JSON answer, compacted and redacted; undefined when the answer had no body or was dropped. */
  responseBody: unknown;
  /** How the request ended. */
  outcome: RequestOutcome;
  /** The `x-pinterest-rid` of the answer. */
  requestId: string;
  /** Wall-clock ms since the epoch when the request arrived. */
  timestamp: number;
}

/** Strings longer than this are cut in logged bodies (every length limit in the spec is far below it). */
export const MAX_STRING = 1024;

// Body fields that carry credentials in OAuth requests and answers. Only string values are redacted, so the numeric
// `code` of an error body stays readable.
const SECRET_FIELDS = new Set(['access_token', 'refresh_token', 'code', 'token', 'client_secret']);

export class ExchangeLog {
  readonly #limit: number;
  readonly #entries: Exchange[] = [];
  #dropped = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The live list of entries, oldest first. */
  get entries(): readonly Exchange[] {
    return this.#entries;
  }

  /** Exchanges dropped from the front because the log was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Appends an exchange, dropping the oldest beyond the limit. */
  push(exchange: Exchange): void {
    if (this.#limit <= 0) {
      this.#dropped++;
      return;
    }
    this.#entries.push(exchange);
    // Trim in bulk so a long-running emulator does not pay an O(n) shift per request.
    if (this.#entries.length > this.#limit * 1.1) {
      const excess = this.#entries.length - this.#limit;
      this.#entries.splice(0, excess);
      this.#dropped += excess;
    }
  }

  /** Forgets every entry (and the dropped count). */
  clear(): void {
    this.#entries.length = 0;
    this.#dropped = 0;
  }
}

/**
 * A request body as the log keeps it: form fields when the content type says form-urlencoded, else the JSON the
 * server already parsed (`json`, so large bodies are not parsed twice), else the text as `unparsed`.
 */
export function requestExchangeBody(
  contentType: string | undefined,
  text: string,
  json: { ok: true; value: unknown } | { readonly ok: false },
): { kind: ExchangeBodyKind; value: unknown } {
  if (text === '') return { kind: 'none', value: undefined };
  if (mediaType(contentType) === 'application/x-www-form-urlencoded') {
    return { kind: 'form', value: compactBody(Object.fromEntries(new URLSearchParams(text))) };
  }
  if (json.ok) return { kind: 'json', value: compactBody(json.value) };
  return { kind: 'unparsed', value: cut(text) };
}

/** The media type of a Content-Type header, lower case, without parameters; '' when absent. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * A deep copy with long strings cut and credential fields redacted. Copies are built from fresh strings, so the log
 * never keeps a multi-megabyte request body alive through a V8 sliced string.
 */
export function compactBody(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && SECRET_FIELDS.has(key) ? '<redacted>' : cut(value);
  if (Array.isArray(value)) return value.map((item) => compactBody(item));
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = compactBody(v, k);
    return out;
  }
  return value;
}

/** Request headers as a flat record; the credential part of `authorization` is replaced. */
export function redactedRequestHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = name === 'authorization' ? `${text.split(/\s+/)[0] ?? ''} <redacted>` : text;
  }
  return out;
}

function cut(text: string): string {
  if (text.length <= MAX_STRING) return text;
  // Buffer round trip = a flat copy that does not reference the original string.
  return `${Buffer.from(text.slice(0, MAX_STRING), 'utf8').toString('utf8')}…[${text.length} chars]`;
}
