/**
 * POSTs one alert with undici: retries network failures, 408, 429 (after its Retry-After) and 5xx with exponential
 * backoff and jitter, all within a hard bound on the total time, after which it gives up. It resolves with what
 * happened and never rejects: an alert must not fail or hold up the sync it reports on. Errors name the status or
 * the error code only, never the URL (a Slack webhook URL is a credential).
 */
import { type Dispatcher, request } from 'undici';
import type { AlertRequest, DeliverAlert, DeliveryOutcome } from '../../core/alerts/alert-request.js';

/** Retry settings; the defaults suit a page-worthy alert: a few quick tries inside the channel's bound. */
export interface DeliveryOptions {
  /** The whole delivery, every attempt and wait included. */
  timeoutMs: number;
  /** The bound failure messages name (the channel's configured timeout); default timeoutMs. */
  boundMs?: number;
  /** Requests at most. Default 4. */
  maxAttempts?: number;
  /** First backoff; doubled each retry, with jitter. Default 500 ms. */
  baseDelayMs?: number;
  /** For tests: an undici dispatcher (an agent) instead of the global one. */
  dispatcher?: Dispatcher;
}

// A timeout, a rate limit and a server error may pass; any other refusal (a revoked Slack URL, a bad payload) will not.
const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

/** Sends `req`; see the module comment. */
export async function deliverAlert(req: AlertRequest, options: DeliveryOptions): Promise<DeliveryOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  // Messages name the bound the user configured, not the few ms less that were left of it when this payload started.
  const bound = options.boundMs ?? options.timeoutMs;
  const maxAttempts = options.maxAttempts ?? 4;
  const base = options.baseDelayMs ?? 500;
  let attempts = 0;
  let last: { status?: number; error: string } = { error: 'not sent' };
  while (attempts < maxAttempts) {
    const left = deadline - Date.now();
    if (left <= 0) break;
    attempts++;
    let retryAfterMs: number | undefined;
    try {
      const res = await request(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: AbortSignal.timeout(left),
        // The abort signal bounds the whole exchange; these make a silent server fail fast instead of at undici's 300 s.
        headersTimeout: left,
        bodyTimeout: left,
        ...(options.dispatcher !== undefined && { dispatcher: options.dispatcher }),
      });
      const text = await res.body.text().catch(() => '');
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, attempts, status: res.statusCode };
      last = { status: res.statusCode, error: `HTTP ${res.statusCode}${slackReason(text)}` };
      if (!RETRYABLE(res.statusCode)) break;
      if (res.statusCode === 429) retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    } catch (err) {
      last = { error: timedOut(err) ? `no answer within ${bound} ms` : errorCode(err) };
    }
    if (attempts >= maxAttempts) break;
    const backoff = retryAfterMs ?? Math.round(base * 2 ** (attempts - 1) * (0.5 + Math.random() / 2));
    if (Date.now() + backoff >= deadline) {
      if (retryAfterMs !== undefined) last = { ...last, error: `${last.error}; Retry-After (${Math.ceil(retryAfterMs / 1000)} s) is past the ${bound} ms bound` };
      break;
    }
    await sleep(backoff);
  }
  return { ok: false, attempts, ...(last.status !== undefined && { status: last.status }), error: `${last.error} after ${attempts} attempt${attempts === 1 ? '' : 's'}` };
}

/** `deliverAlert` with fixed options, as `notifyRunAlerts` takes it. */
export function alertDeliverer(options: Omit<DeliveryOptions, 'timeoutMs'> = {}): DeliverAlert {
  return (req, { timeoutMs, boundMs }) => deliverAlert(req, { ...options, timeoutMs, ...(boundMs !== undefined && { boundMs }) });
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

// Slack answers errors as a short plain-text code (`invalid_payload`, `no_service`, `channel_is_archived`): worth showing.
function slackReason(text: string): string {
  const t = text.trim();
  return /^[a-z_]{3,60}$/.test(t) ? ` (${t})` : '';
}

function timedOut(err: unknown): boolean {
  const e = err as { name?: string; code?: string } | null;
  return e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.code === 'UND_ERR_HEADERS_TIMEOUT' || e?.code === 'UND_ERR_BODY_TIMEOUT' || e?.code === 'UND_ERR_ABORTED';
}

function errorCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown }; name?: unknown } | null;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.cause?.code === 'string') return e.cause.code;
  return typeof e?.name === 'string' ? e.name : 'network error';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
