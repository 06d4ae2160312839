/**
 * The errors OAuth failures end a command with: each says what happened, that nothing was lost, and what to run
 * next. They are DestinationErrors (exit 1) so a sync records them like any other Pinterest failure. No secret is
 * ever part of a message: token endpoint answers are redacted before they get here.
 */
import { DestinationError } from '../../core/errors.js';
import { redactSecrets, ridSuffix } from './pinterest-errors.js';
import type { TokenEndpointError } from './pinterest-oauth-token-endpoint.js';

/** Stable codes of OAuth errors. */
export const OAUTH_ERROR_CODES = {
  /** The refresh token (or authorization code) is no longer accepted: run `pinsync auth url` and `auth exchange`. */
  reauthorize: 'PINSYNC_PINTEREST_REAUTHORIZE',
  /** Pinterest did not accept the app's client id and secret. */
  client: 'PINSYNC_PINTEREST_OAUTH_CLIENT',
  /** The token endpoint stayed unavailable (429/5xx/network) past the retry budget; try again later. */
  unavailable: 'PINSYNC_PINTEREST_OAUTH_UNAVAILABLE',
  /** Refreshed tokens could not be written to the state store. */
  store: 'PINSYNC_PINTEREST_TOKEN_STORE',
} as const;

/** Names a destination in messages and spells out the commands to re-authorize it. */
export interface ReauthHint {
  /** The destination's name in the config (`destinations.<name>`). */
  destinationName?: string;
  /** The config file, as the user would pass it to `-c`. */
  configPath?: string;
}

/** `destination "pinterest"`, or `the Pinterest destination` when the name is unknown. */
export function destinationLabel(hint: ReauthHint): string {
  return hint.destinationName === undefined ? 'the Pinterest destination' : `destination "${hint.destinationName}"`;
}

/** The two commands that re-authorize, with `-c` and `--destination` filled in when known. */
export function reauthorizeAdvice(hint: ReauthHint): string {
  const args = [
    hint.configPath === undefined ? '' : ` -c ${shellQuote(hint.configPath)}`,
    hint.destinationName === undefined ? '' : ` --destination ${shellQuote(hint.destinationName)}`,
  ].join('');
  return (
    `re-authorize: run \`pinsync auth url${args}\`, open the URL it prints and approve access, then ` +
    `\`pinsync auth exchange${args} --code CODE --redirect-uri URI\` with the code from the page Pinterest redirects to`
  );
}

/** The refresh token is gone: re-authorization is needed. Nothing was lost; the next sync resumes. */
export function reauthorizationRequired(hint: ReauthHint, why: string, cause?: TokenEndpointError): DestinationError {
  return new DestinationError(
    OAUTH_ERROR_CODES.reauthorize,
    `Pinterest re-authorization needed for ${destinationLabel(hint)}: ${why}. Nothing was lost: stored tokens and ` +
      `acknowledged memberships are unchanged, and the next sync sends whatever is still missing. To fix it, ${reauthorizeAdvice(hint)}` +
      ridSuffix(cause?.requestId),
    { status: cause?.status, apiCode: cause?.apiCode, requestId: cause?.requestId, cause },
  );
}

/** Turns a failed refresh into the error that ends the run. */
export function refreshFailed(hint: ReauthHint, err: TokenEndpointError): DestinationError {
  switch (err.kind) {
    case 'invalid-grant':
      return reauthorizationRequired(hint, `Pinterest refused to refresh the access token (${err.message}): the refresh token is invalid, expired or revoked`, err);
    case 'invalid-client':
      return new DestinationError(
        OAUTH_ERROR_CODES.client,
        `Pinterest rejected the app credentials of ${destinationLabel(hint)} while refreshing the access token (${err.message}): ` +
          `check auth.clientId and auth.clientSecret. Nothing was lost; stored tokens are unchanged${ridSuffix(err.requestId)}`,
        { status: err.status, apiCode: err.apiCode, requestId: err.requestId, cause: err },
      );
    case 'unavailable':
      return new DestinationError(
        OAUTH_ERROR_CODES.unavailable,
        `could not refresh the Pinterest access token of ${destinationLabel(hint)}: ${err.message}; try again later. ` +
          `Nothing was lost; stored tokens are unchanged${ridSuffix(err.requestId)}`,
        { status: err.status, apiCode: err.apiCode, requestId: err.requestId, retryable: true, cause: err },
      );
    default:
      return new DestinationError(
        OAUTH_ERROR_CODES.unavailable,
        `refreshing the Pinterest access token of ${destinationLabel(hint)} failed: ${err.message}. Nothing was lost; stored tokens are unchanged${ridSuffix(err.requestId)}`,
        { status: err.status, apiCode: err.apiCode, requestId: err.requestId, cause: err },
      );
  }
}

/** The refresh worked but its tokens could not be stored; Pinterest may already have retired the old refresh token. */
export function tokenStoreFailed(hint: ReauthHint, cause: unknown, secrets: readonly string[]): DestinationError {
  // A database error could quote the row it failed to write.
  const detail = redactSecrets(cause instanceof Error ? cause.message : String(cause), secrets);
  return new DestinationError(
    OAUTH_ERROR_CODES.store,
    `refreshed the Pinterest access token of ${destinationLabel(hint)} but could not store it (${detail}), so it was not used. ` +
      `Fix the state store; if the next run is refused, ${reauthorizeAdvice(hint)}`,
    { cause },
  );
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
