/**
 * The errors the Pinterest client throws: stable codes core can branch on, messages a user can act on (status,
 * Pinterest's code and message, the call, the request id for a support ticket), and no secrets, ever.
 */
import { DestinationError } from '../../../core/errors.js';
import { DESTINATION_ERROR_CODES } from '../../../core/destination.js';

/** Stable `code` values of the errors the Pinterest client throws. */
export const PINTEREST_ERROR_CODES = {
  /** A 4xx that retrying cannot fix (400, 405, 409, 422, …). */
  rejected: 'PINSYNC_PINTEREST_REJECTED',
  /** 404: the ad account, list or audience does not exist (or is not visible to this token). */
  notFound: DESTINATION_ERROR_CODES.notFound,
  /** 403, or 401 with a code other than 2 (missing scope): the token works but may not do this. */
  forbidden: 'PINSYNC_PINTEREST_FORBIDDEN',
  /** 401 code 2 that no refresh could fix: the user must re-authorize. */
  auth: 'PINSYNC_PINTEREST_AUTH',
  /** The batch is too large (local body check, 413, or a 400 about size): split it and retry. */
  tooLarge: DESTINATION_ERROR_CODES.tooLarge,
  /** 429 that we will not wait out (reset too far away) or that kept coming until maxAttempts. */
  rateLimited: 'PINSYNC_PINTEREST_RATE_LIMITED',
  /** 429 mentioning spam: never retried. */
  spam: 'PINSYNC_PINTEREST_SPAM',
  /** 5xx until maxAttempts. */
  server: 'PINSYNC_PINTEREST_SERVER',
  /** Network failure until maxAttempts, or one not worth retrying (unknown host). */
  network: 'PINSYNC_PINTEREST_NETWORK',
  /** A create may or may not have been applied; look the object up by name before creating it again. */
  createUncertain: DESTINATION_ERROR_CODES.createUncertain,
  /** A 2xx whose body is not the JSON we expect. */
  badResponse: 'PINSYNC_PINTEREST_BAD_RESPONSE',
  /** An id argument that Pinterest would reject (`^\d+$`, at most 18 digits); nothing was sent. */
  invalidId: 'PINSYNC_PINTEREST_INVALID_ID',
  /** The caller's AbortSignal fired. */
  aborted: 'PINSYNC_PINTEREST_ABORTED',
} as const;

/** One of the codes above. */
export type PinterestErrorCode = (typeof PINTEREST_ERROR_CODES)[keyof typeof PINTEREST_ERROR_CODES];

/** Context every Pinterest error carries beyond DestinationError's status/apiCode/requestId. */
export interface PinterestErrorDetails {
  /** HTTP status of the last response, undefined when there was none. */
  status?: number;
  /** Pinterest's `code` from the error body. */
  apiCode?: number;
  /** Pinterest's `message` from the error body (secrets redacted). */
  apiMessage?: string;
  /** `x-pinterest-rid` of the last response. */
  requestId?: string;
  /** Whether the same request may succeed later. */
  retryable?: boolean;
  /** Client method that failed, e.g. `updateCustomerList`. */
  operation: string;
  /** HTTP method. */
  method: string;
  /** Path under the API base, without the query string. */
  path: string;
  /** HTTP attempts made for this call. */
  attempts: number;
  /** When a rate limit lifts (429 whose reset is too far away to wait for). */
  retryAt?: Date;
  /** The underlying error, e.g. undici's socket error. */
  cause?: unknown;
}

/** A DestinationError from the Pinterest client, with the failed call's context as fields. */
export class PinterestError extends DestinationError {
  /** Pinterest's `message` from the error body, when there was one. */
  readonly apiMessage: string | undefined;
  /** Client method that failed. */
  readonly operation: string;
  /** HTTP method of the failed call. */
  readonly method: string;
  /** Path of the failed call under the API base. */
  readonly path: string;
  /** HTTP attempts made. */
  readonly attempts: number;
  /** When the rate limit lifts, for PINSYNC_PINTEREST_RATE_LIMITED raised without waiting. */
  readonly retryAt: Date | undefined;
  constructor(code: PinterestErrorCode, message: string, details: PinterestErrorDetails) {
    super(code, message, details);
    this.apiMessage = details.apiMessage;
    this.operation = details.operation;
    this.method = details.method;
    this.path = details.path;
    this.attempts = details.attempts;
    this.retryAt = details.retryAt;
  }
}

/** Pinterest's error body, leniently parsed: `{code, message}` plus the `message_detail` some answers carry. */
export interface PinterestErrorBody {
  /** Pinterest's numeric error code. */
  code: number | undefined;
  /** Message and detail joined, or undefined when the body had neither (e.g. an HTML page from a proxy). */
  message: string | undefined;
}

/** Parses an error body without ever throwing: proxies answer with HTML or nothing. */
export function parseErrorBody(text: string): PinterestErrorBody {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return { code: undefined, message: trimmed === '' || trimmed.startsWith('<') ? undefined : trimmed.slice(0, 300) };
  }
  if (typeof json !== 'object' || json === null) return { code: undefined, message: undefined };
  const { code, message, message_detail: detail } = json as Record<string, unknown>;
  const parts = [message, detail].filter((p): p is string => typeof p === 'string' && p !== '');
  return {
    code: typeof code === 'number' && Number.isInteger(code) ? code : undefined,
    message: parts.length > 0 ? parts.join(' — ') : undefined,
  };
}

// Pinterest token shapes (`pina_…` access, `pinr_…`/`pinr.…` refresh) and any bearer credential, caught even when
// they are not the token this request used (an echo of an older token, a refresh token in a proxy's error page).
const TOKEN_PATTERNS = [/\bpin[ar][._][A-Za-z0-9._~+/=-]+/g, /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi];

/** Replaces every known secret and anything token-shaped in `text` with `[redacted]`. */
export function redactSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const secret of secrets) {
    // Very short "secrets" would shred ordinary words; real tokens are long.
    if (secret.length >= 8) out = out.split(secret).join('[redacted]');
  }
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, '[redacted]');
  return out;
}

/** `HTTP 400, Pinterest code 1: "Invalid parameters."`, leaving out whatever is unknown. */
export function describeResponse(status: number | undefined, apiCode: number | undefined, apiMessage: string | undefined): string {
  const parts: string[] = [];
  if (status !== undefined) parts.push(`HTTP ${status}`);
  if (apiCode !== undefined) parts.push(`Pinterest code ${apiCode}`);
  const head = parts.join(', ');
  if (apiMessage === undefined) return head;
  return head === '' ? JSON.stringify(apiMessage) : `${head}: ${JSON.stringify(apiMessage)}`;
}

/** ` (x-pinterest-rid abc123)`, or nothing when the response had no request id. */
export function ridSuffix(requestId: string | undefined): string {
  return requestId === undefined ? '' : ` (x-pinterest-rid ${requestId})`;
}
