/**
 * The errors OAuth failures end a command with: each says what happened, what it means for the stored tokens and
 * memberships, and what to run next. They are DestinationErrors (exit 1) so a sync records them like any other
 * Pinterest failure; "not authorized yet" is a setup step still to do, so it exits 2 before anything runs. No secret
 * is ever part of a message: token endpoint answers are redacted before they get here.
 */
import { DestinationError, EXIT, PinsyncError } from '../../../core/errors.js';
import { redactSecrets, ridSuffix } from '../http/pinterest-errors.js';
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
  /** No access token anywhere (config or state) and no refresh token to get one: run `pinsync auth url` and `auth exchange`. */
  notAuthorized: 'PINSYNC_PINTEREST_NOT_AUTHORIZED',
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
  return `re-authorize: ${authorizeSteps(hint)}`;
}

/** `run \`pinsync auth url …\`, open the URL …, then \`pinsync auth exchange …\``, with `-c` and `--destination` filled in when known. */
export function authorizeSteps(hint: ReauthHint): string {
  const args = [
    hint.configPath === undefined ? '' : ` -c ${shellQuote(hint.configPath)}`,
    hint.destinationName === undefined ? '' : ` --destination ${shellQuote(hint.destinationName)}`,
  ].join('');
  return (
    `run \`pinsync auth url${args}\`, open the URL it prints and approve access, then ` +
    `\`pinsync auth exchange${args} --code CODE --redirect-uri URI\` with the code from the page Pinterest redirects to`
  );
}

/**
 * The tokens pinsync holds no longer work: re-authorization is needed. Says nothing reassuring about the tokens (a
 * refused refresh token may be one a dead run used up); the memberships are intact, since a refused request
 * acknowledges nothing.
 */
export function reauthorizationRequired(hint: ReauthHint, why: string, cause?: TokenEndpointError): DestinationError {
  return new DestinationError(
    OAUTH_ERROR_CODES.reauthorize,
    `Pinterest re-authorization needed for ${destinationLabel(hint)}: ${why}. pinsync cannot get a working access token ` +
      `until you re-authorize; acknowledged memberships are unchanged, so the first sync afterwards sends whatever is still missing. ` +
      `To fix it, ${reauthorizeAdvice(hint)}` +
      ridSuffix(cause?.requestId),
    { status: cause?.status, apiCode: cause?.apiCode, requestId: cause?.requestId, cause },
  );
}

/**
 * Neither the config nor the state store holds an access token, and there is no refresh token to get one: the
 * app was never authorized. Raised before any request, so Pinterest never sees an empty bearer token.
 */
export function notAuthorizedYet(hint: ReauthHint, detail?: string): PinsyncError {
  return new PinsyncError(
    OAUTH_ERROR_CODES.notAuthorized,
    `${destinationLabel(hint)} is not authorized yet: the config has no access token${detail === undefined ? '' : ` (${detail})`} and the ` +
      `state store holds none from \`pinsync auth exchange\`, so nothing was sent. To authorize pinsync, ${authorizeSteps(hint)}; ` +
      `or set auth.accessToken`,
    EXIT.usage,
  );
}

/** Turns a failed refresh into the error that ends the run. */
export function refreshFailed(hint: ReauthHint, err: TokenEndpointError): DestinationError {
  switch (err.kind) {
    case 'invalid-grant':
      // Pinterest rotates the refresh token at every refresh: a run killed between Pinterest's answer and storing it
      // leaves the old, now spent, token in the state, and the next refresh is refused exactly like this.
      return reauthorizationRequired(
        hint,
        `Pinterest refused the refresh token (${err.message}). It expired or was revoked, or it was already used: Pinterest ` +
          `replaces the refresh token at every refresh, so it may have been used up by an earlier run that refreshed it and stopped ` +
          `before it could store the new one`,
        err,
      );
    case 'invalid-client':
      return new DestinationError(
        OAUTH_ERROR_CODES.client,
        `Pinterest rejected the app credentials of ${destinationLabel(hint)} while refreshing the access token (${err.message}): ` +
          `check auth.clientId and auth.clientSecret. The stored tokens were not used (Pinterest refuses the app before it looks at them)${ridSuffix(err.requestId)}`,
        { status: err.status, apiCode: err.apiCode, requestId: err.requestId, cause: err },
      );
    case 'unavailable':
      return new DestinationError(
        OAUTH_ERROR_CODES.unavailable,
        `could not refresh the Pinterest access token of ${destinationLabel(hint)}: ${err.message}; try again later ` +
          `(if Pinterest then refuses the stored refresh token, ${reauthorizeAdvice(hint)})${ridSuffix(err.requestId)}`,
        { status: err.status, apiCode: err.apiCode, requestId: err.requestId, retryable: true, cause: err },
      );
    default:
      return new DestinationError(
        OAUTH_ERROR_CODES.unavailable,
        `refreshing the Pinterest access token of ${destinationLabel(hint)} failed: ${err.message}; try again later ` +
          `(if Pinterest then refuses the stored refresh token, ${reauthorizeAdvice(hint)})${ridSuffix(err.requestId)}`,
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
