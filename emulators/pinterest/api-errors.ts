/**
 * Every error body the emulator sends, in one place. Messages marked "documented" are verbatim from Pinterest's
 * spec or the emulator contract (reference/pinterest-api.md); the rest are emulator choices, phrased in Pinterest's
 * style (`{code, message}`, code 1 with "Invalid request: …" for bad bodies).
 */

/** An HTTP error answer with Pinterest's `{code, message}` body. Thrown by handlers, turned into a reply. */
export class ApiError extends Error {
  /** HTTP status. */
  readonly status: number;
  /** Pinterest's numeric error code (body `code`). */
  readonly apiCode: number;
  /** Extra response headers, e.g. `X-RateLimit-Reset`. */
  readonly headers: Readonly<Record<string, string>>;
  constructor(status: number, apiCode: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.apiCode = apiCode;
    this.headers = headers;
  }

  /** The JSON body Pinterest would send. */
  body(): { code: number; message: string } {
    return { code: this.apiCode, message: this.message };
  }
}

export const MESSAGES = {
  // documented
  authFailed: 'Authentication failed.',
  insufficientScope:
    'Your token does not have sufficient permissions to perform this operation. Please ensure your token is authorized with the correct set of scopes.',
  forbidden: 'You are not permitted to access that resource.',
  adAccountNotFound: 'AdAccount not found.',
  customerListNotFound: 'Customer list not found.',
  audienceNotFound: 'Audience not found.',
  rateLimited:
    'This request exceeded a rate limit. This can happen if the client exceeds one of the published rate limits within a short time window.',
  rampedDown: 'The endpoint has been ramped down and is currently not accepting any traffic.',
  methodNotAllowed: 'Method not allowed',
  invalidParameters: 'Invalid parameters.',
  invalidAudienceParameters: 'Invalid ad account audience parameters.',
  invalidGrant: 'The authorization grant is invalid',
  userAccountForbidden: 'Not authorized to access the user account.',
} as const;

/** 401 code 2: missing, unknown, expired or revoked bearer token. */
export function authFailed(): ApiError {
  return new ApiError(401, 2, MESSAGES.authFailed);
}

/** 401 code 3: the token lacks the operation's OAuth scope. */
export function insufficientScope(): ApiError {
  return new ApiError(401, 3, MESSAGES.insufficientScope);
}

/** 401 code 283 (documented): unknown, expired, used or mismatched authorization code or refresh token. */
export function invalidGrant(): ApiError {
  return new ApiError(401, 283, MESSAGES.invalidGrant);
}

/** 403 code 403 (documented on `user_account/get`): the token's user may not act for that ad account's owner. */
export function userAccountForbidden(): ApiError {
  return new ApiError(403, 403, MESSAGES.userAccountForbidden);
}

/** 429 code 8 (documented) with the `X-RateLimit-*` headers the limiter computed. */
export function rateLimited(headers: Record<string, string>): ApiError {
  return new ApiError(429, 8, MESSAGES.rateLimited, headers);
}

/** 403 code 29: the ad account exists but the token's user may not use it. */
export function forbidden(): ApiError {
  return new ApiError(403, 29, MESSAGES.forbidden);
}

/** 404 code 2: unknown ad account (the spec's own example of `Pinterest.Lib.Error`). */
export function adAccountNotFound(): ApiError {
  return new ApiError(404, 2, MESSAGES.adAccountNotFound);
}

// Pinterest documents the message but not the code of these 404s; code 2 mirrors "AdAccount not found.".
/** 404: unknown customer list, or one that belongs to another ad account. */
export function customerListNotFound(): ApiError {
  return new ApiError(404, 2, MESSAGES.customerListNotFound);
}

/** 404: unknown or removed audience, or one that belongs to another ad account. */
export function audienceNotFound(): ApiError {
  return new ApiError(404, 2, MESSAGES.audienceNotFound);
}

/** 400 code 1 for a path parameter that is not a digit string of at most 18 characters (documented wording). */
export function badPathParam(name: string, value: string): ApiError {
  return new ApiError(400, 1, `'${name}' value '${value}' must match the pattern: ^\\d+$`);
}

/** 400 code 1 for a non-numeric `page_size` (documented wording). */
export function pageSizeNotNumeric(value: string): ApiError {
  return new ApiError(400, 1, `Parameter 'page_size' was not numeric (was ${value})`);
}

/** 400 code 1 for any other bad query parameter. */
export function badQueryParam(name: string, detail: string, value: string): ApiError {
  return new ApiError(400, 1, `Parameter '${name}' ${detail} (was ${value})`);
}

/** 400 code 1 for a malformed, mistyped or incomplete body. */
export function invalidRequest(detail: string): ApiError {
  return new ApiError(400, 1, `Invalid request: ${detail}`);
}

/** 400 code 400: the spec's documented answer to bad `audiences/list` parameters. */
export function invalidAudienceParameters(): ApiError {
  return new ApiError(400, 400, MESSAGES.invalidAudienceParameters);
}

/**
 * Audience creation on a list with too few matched users. Pinterest's docs say "The API does not accept a lower
 * number" without giving the answer; the wording says "too small" like the TOO_SMALL status it corresponds to.
 */
export function audienceTooSmall(listId: string, minMatched: number, matched: number | undefined): ApiError {
  const have = matched === undefined ? 'its matching has not finished yet' : `it has ${matched}`;
  return invalidRequest(
    `customer list ${listId} is too small to create an audience: an audience needs at least ${minMatched} matched Pinterest users and ${have}.`,
  );
}

/**
 * A request over the configured record or byte limit. 413 by default (what a gateway would send); 400 code 1 when
 * configured, worded so that a client looking for "too large" recognizes it either way.
 */
export function tooLarge(status: 400 | 413, what: string): ApiError {
  const message = `Request entity too large: ${what}.`;
  return status === 413 ? new ApiError(413, 413, message) : invalidRequest(message);
}

/** 404 for a path no route serves. */
export function routeNotFound(path: string): ApiError {
  return new ApiError(404, 404, `Not found: ${path}`);
}

/** 405 code 5 (documented) for a known path with the wrong method. */
export function methodNotAllowed(): ApiError {
  return new ApiError(405, 5, MESSAGES.methodNotAllowed);
}

/** 500 for a bug in the emulator itself, so it never hangs a client. */
export function internalError(): ApiError {
  return new ApiError(500, 500, 'Internal server error.');
}

/** Default body for an injected failure with this status, unless the test gives its own code and message. */
export function defaultFaultError(status: number): { code: number; message: string } {
  switch (status) {
    case 400:
      return { code: 1, message: MESSAGES.invalidParameters };
    case 401:
      return { code: 2, message: MESSAGES.authFailed };
    case 403:
      return { code: 29, message: MESSAGES.forbidden };
    case 429:
      return { code: 8, message: MESSAGES.rateLimited };
    case 503:
      return { code: 4197, message: MESSAGES.rampedDown };
    default:
      return { code: status, message: status >= 500 ? 'Internal server error.' : `Error ${status}.` };
  }
}
