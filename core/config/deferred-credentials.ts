/**
 * Pinterest credentials are the one part of a config that commands which never call Pinterest (plan, sync
 * --dry-run, validate, runs) do not need, and the part a pull-request job does not have. Loaded with
 * `deferCredentials`, an unset `${VAR}` in `destinations.<name>.auth` is recorded here instead of failing the load,
 * and each command that does call Pinterest decides whether it needs that value (see `missingCredentials`).
 */
import { ConfigError, type ConfigIssue } from '../errors.js';
import { formatConfigIssues } from './format-config-issues.js';
import { formatConfigPath } from './format-config-path.js';
import type { DeferredValue } from './interpolate-env.js';

/** A credential left unset because its environment variable was not set. */
export interface DeferredCredential extends ConfigIssue {
  /** `destinations.<name>`. */
  destination: string;
  /** Its key in the auth block: accessToken, refreshToken, clientId or clientSecret. */
  key: string;
  /** The variables that were not set. */
  variables: string[];
}

/**
 * Stands in for a deferred value while the schema checks the rest, so rules that do not depend on the secret's
 * value (a refresh token needs a client id) still apply; `clearDeferred` removes it before anyone sees the config.
 */
const PLACEHOLDER = 'pinsync-deferred-credential';

/** `destinations.<name>.auth.<key>`. */
export function isCredentialPath(path: readonly PropertyKey[]): boolean {
  return path.length === 4 && path[0] === 'destinations' && typeof path[1] === 'string' && path[2] === 'auth' && typeof path[3] === 'string';
}

/** The record of one deferred value at a credential path. */
export function deferredCredential(value: DeferredValue): DeferredCredential {
  const message = value.variables.map((name) => `environment variable ${name} is not set`).join('; ');
  return { destination: String(value.path[1]), key: String(value.path[3]), path: formatConfigPath(value.path), variables: value.variables, message };
}

/** Puts the placeholder where each deferred value is, in the plain data about to be validated. */
export function fillDeferred(data: unknown, deferred: readonly DeferredCredential[]): void {
  for (const d of deferred) {
    const auth = authOf(data, d.destination);
    if (auth !== undefined) auth[d.key] = PLACEHOLDER;
  }
}

/** Takes the placeholders out of the validated config again: a deferred credential is simply not set. */
export function clearDeferred(config: unknown, deferred: readonly DeferredCredential[]): void {
  for (const d of deferred) {
    const auth = authOf(config, d.destination);
    if (auth !== undefined && auth[d.key] === PLACEHOLDER) delete auth[d.key];
  }
}

/**
 * The deferred credentials a command that calls Pinterest through `destination` cannot do without: the app's client
 * id and secret always; the access and refresh tokens unless `tokensMayBeStored` (the tokens come from the state
 * store, put there by `pinsync auth exchange` or an earlier refresh, and the config's token variables are not used).
 */
export function missingCredentials(
  deferred: readonly DeferredCredential[],
  destination: string,
  opts: { tokensMayBeStored: boolean },
): DeferredCredential[] {
  const isToken = (key: string) => key === 'accessToken' || key === 'refreshToken';
  return deferred.filter((d) => d.destination === destination && !(opts.tokensMayBeStored && isToken(d.key)));
}

/** Exit 2, listing each unset credential at its path, for a command that needs them (`label`: the config file). */
export function credentialsNotSet(label: string, missing: readonly DeferredCredential[]): ConfigError {
  const issues = missing.map(({ path, message }) => ({ path, message }));
  return new ConfigError(
    `${label}: ${missing.length === 1 ? 'a credential this command needs is' : 'credentials this command needs are'} not set ` +
      `(plan and sync --dry-run work without them)\n${formatConfigIssues(issues, '  ')}`,
    issues,
  );
}

function authOf(data: unknown, destination: string): Record<string, unknown> | undefined {
  const destinations = isObject(data) ? data.destinations : undefined;
  const dest = isObject(destinations) ? destinations[destination] : undefined;
  const auth = isObject(dest) ? dest.auth : undefined;
  return isObject(auth) ? auth : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
