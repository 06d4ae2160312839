/**
 * `pinsync auth url | exchange | status`: connect pinsync to a Pinterest account without copying tokens around.
 *
 *   auth url       prints the authorization URL (and the `state` to check on the redirect)
 *   auth exchange  trades the code from the redirect for tokens and stores them in the state store, where syncs
 *                  pick them up (they win over the config's tokens until the config's tokens change)
 *   auth status    per destination: where tokens come from, expiries, who they act for, scopes; exits 1 when
 *                  something needs attention (refresh token expiring within 14 days or expired, a rejected token
 *                  that cannot be refreshed, a missing scope), so a monitoring cron can alert on it
 *
 * Tokens and the client secret are never printed.
 */
import type { Dispatcher } from 'undici';
import type { Argv, CommandModule } from 'yargs';
import type { PinterestDestinationConfig } from '../../core/config/destination-schema.js';
import type { LoadedConfig } from '../../core/config/load-config.js';
import { DestinationError, EXIT, UsageError, exitCodeOf } from '../../core/errors.js';
import {
  DEFAULT_REDIRECT_URI,
  PINSYNC_SCOPES,
  buildAuthorizeUrl,
  randomOAuthState,
} from '../../connectors/pinterest/oauth/pinterest-oauth-authorize-url.js';
import { OAUTH_ERROR_CODES, reauthorizeAdvice } from '../../connectors/pinterest/oauth/pinterest-oauth-errors.js';
import { inspectPinterestAuth, type PinterestAuthStatus } from '../../connectors/pinterest/oauth/pinterest-oauth-status.js';
import { TokenEndpointError, requestToken } from '../../connectors/pinterest/oauth/pinterest-oauth-token-endpoint.js';
import { configTokenFingerprint, pinterestTokenKey } from '../../connectors/pinterest/oauth/pinterest-oauth-tokens.js';
import { openStateStore } from '../../connectors/state/open-state-store.js';
import type { CliIo } from '../cli-io.js';
import { configOption, loadCliConfig } from '../config-source.js';
import { reportCommandError } from '../report-command-error.js';

/** Seams for tests; the CLI passes none. */
export interface AuthCommandDeps {
  /** undici dispatcher for token and API requests. */
  dispatcher?: Dispatcher;
  /** Epoch ms. */
  now?: () => number;
  /** Waits between token endpoint retries. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Options every auth subcommand takes. */
interface CommonArgs {
  /** `-c/--config`. */
  config: string;
  /** `--destination`; default: the only one. */
  destination: string | undefined;
}

/** `auth url` arguments. */
export interface AuthUrlArgs extends CommonArgs {
  /** Where Pinterest redirects with the code. */
  redirectUri: string;
  /** Anti-CSRF state; random when not given. */
  state: string | undefined;
  /** Scopes to request. */
  scope: string[];
}

/** `auth exchange` arguments. */
export interface AuthExchangeArgs extends CommonArgs {
  /** The `code` from the redirect. */
  code: string;
  /** The redirect URI used with `auth url`. */
  redirectUri: string;
}

/** `auth status` arguments. */
export interface AuthStatusArgs extends CommonArgs {
  /** JSON output. */
  json: boolean;
  /** Skip the API calls. */
  offline: boolean;
}

/**
 * The `auth` command for `yargs().command(...)`. `setExitCode` receives the subcommand's exit code (0 ok, 1 failed or
 * needs attention, 2 usage/config).
 */
export function authCommand(io: CliIo, setExitCode: (code: number) => void, deps: AuthCommandDeps = {}): CommandModule {
  const common = <T>(y: Argv<T>) =>
    y
      .option('config', configOption(io))
      .option('destination', { type: 'string', describe: 'destination name (default: the only one; status: all)' });
  return {
    command: 'auth',
    describe: 'connect pinsync to Pinterest: authorization URL, code exchange, token status',
    builder: (y: Argv) =>
      y
        .command(
          'url',
          'print the Pinterest authorization URL to open in a browser',
          (s) =>
            common(s)
              .option('redirect-uri', { type: 'string', default: DEFAULT_REDIRECT_URI, describe: "a redirect URI registered for your app" })
              .option('state', { type: 'string', describe: 'state value Pinterest echoes back (default: random)' })
              .option('scope', { type: 'string', array: true, default: [...PINSYNC_SCOPES], describe: 'scopes to request (add user_accounts:read to let auth status name the account)' }),
          async (a) => {
            setExitCode(await authUrl({ config: a.config, destination: a.destination, redirectUri: a['redirect-uri'], state: a.state, scope: a.scope.map(String) }, io));
          },
        )
        .command(
          'exchange',
          'exchange the code from the redirect for tokens and store them in the state store',
          (s) =>
            common(s)
              .option('code', { type: 'string', demandOption: true, describe: 'the code parameter of the redirect' })
              .option('redirect-uri', { type: 'string', default: DEFAULT_REDIRECT_URI, describe: 'the redirect URI given to auth url' }),
          async (a) => {
            // yargs has already reported a missing --code (and set the usage exit code) but still calls the handler.
            if (typeof a.code !== 'string') return;
            setExitCode(await authExchange({ config: a.config, destination: a.destination, code: a.code, redirectUri: a['redirect-uri'] }, io, deps));
          },
        )
        .command(
          'status',
          'show each destination’s tokens: source, expiry, account, scopes (exit 1 when one needs attention)',
          (s) =>
            common(s)
              .option('json', { type: 'boolean', default: false, describe: 'JSON output' })
              .option('offline', { type: 'boolean', default: false, describe: 'do not call the Pinterest API' }),
          async (a) => {
            setExitCode(await authStatus({ config: a.config, destination: a.destination, json: a.json, offline: a.offline }, io, deps));
          },
        )
        .demandCommand(1, 'name an auth command: url, exchange or status'),
    handler: () => undefined,
  };
}

/** `auth url`: prints the URL (first line, alone, for scripts), then the state and what to do next. */
export async function authUrl(args: AuthUrlArgs, io: CliIo): Promise<number> {
  try {
    const config = await loadCliConfig(args.config, io, 'auth url', { deferCredentials: true });
    const [name] = pickDestination(config, args.destination);
    const clientId = requireSetting(config, name, 'clientId', 'the authorization URL names your Pinterest app by its client id');
    const state = args.state ?? randomOAuthState();
    const scopes = args.scope.flatMap((s) => s.split(/[\s,]+/)).filter((s) => s !== '');
    io.stdout.write(`${buildAuthorizeUrl({ clientId, redirectUri: args.redirectUri, state, scopes })}\n`);
    io.stdout.write(
      [
        `state: ${state}`,
        '',
        'Open the URL, approve access, and Pinterest redirects to',
        `  ${args.redirectUri}?code=CODE&state=${state}`,
        'Check that state matches, then run:',
        `  pinsync auth exchange${commandArgs(args.config, name, config)} --code CODE --redirect-uri ${args.redirectUri}`,
        '',
      ].join('\n'),
    );
    return EXIT.ok;
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  }
}

/** `auth exchange`: code → tokens → state store. */
export async function authExchange(args: AuthExchangeArgs, io: CliIo, deps: AuthCommandDeps = {}): Promise<number> {
  try {
    // yargs reports a missing --code but may still call the handler.
    if (typeof args.code !== 'string' || args.code.trim() === '') throw new UsageError('--code is required: the code parameter of the page Pinterest redirected to');
    const config = await loadCliConfig(args.config, io, 'auth exchange', { deferCredentials: true });
    const [name, dest] = pickDestination(config, args.destination);
    const why = 'exchanging a code authenticates your Pinterest app';
    const clientId = requireSetting(config, name, 'clientId', why);
    const clientSecret = requireSetting(config, name, 'clientSecret', why);
    const now = deps.now ?? Date.now;

    // Opened first: a code is single-use, so a state store that cannot be written must fail before it is spent.
    const state = await openStateStore(config.state, { env: io.env });
    let grant;
    try {
      state.checkTokenStorage?.();
      try {
        grant = await requestToken({
          baseUrl: dest.apiBaseUrl,
          clientId,
          clientSecret,
          // continuous_refresh: apps created before 2025-09-25 otherwise get a legacy, non-renewable refresh token.
          form: { grant_type: 'authorization_code', code: args.code, redirect_uri: args.redirectUri, continuous_refresh: 'true' },
          dispatcher: deps.dispatcher,
          sleep: deps.sleep,
          now,
          signal: io.signal,
        });
      } catch (err) {
        throw err instanceof TokenEndpointError ? exchangeFailed(err, name, args.config, config) : err;
      }
      await state.saveTokens(pinterestTokenKey(dest), {
        accessToken: grant.accessToken,
        accessExpiresAt: grant.accessExpiresAt,
        refreshToken: grant.refreshToken,
        refreshExpiresAt: grant.refreshExpiresAt,
        // Ties the stored tokens to the config as it is now: until its tokens change, syncs use these.
        configFingerprint: configTokenFingerprint(dest.auth),
      });
    } finally {
      await state.close();
    }

    io.stdout.write(
      [
        `stored new Pinterest tokens for destination "${name}" (ad account ${dest.adAccountId}) in the state store`,
        `  scopes:         ${grant.scopes.length > 0 ? grant.scopes.join(', ') : 'not stated'}`,
        `  access token:   expires ${grant.accessExpiresAt?.toISOString() ?? 'at an unknown time'}`,
        `  refresh token:  ${grant.refreshToken === null ? 'none returned (pinsync cannot refresh; re-run auth url/exchange when the access token expires)' : `expires ${grant.refreshExpiresAt?.toISOString() ?? 'at an unknown time'}`}`,
        missingScopes(grant.scopes),
        'Syncs use these tokens from now on and refresh them automatically. Tokens in the config are ignored until you change them there.',
        '',
      ]
        .filter((line) => line !== '')
        .join('\n') + '\n',
    );
    return EXIT.ok;
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  }
}

/** `auth status`: one block (or JSON object) per destination. */
export async function authStatus(args: AuthStatusArgs, io: CliIo, deps: AuthCommandDeps = {}): Promise<number> {
  try {
    const config = await loadCliConfig(args.config, io, 'auth status', { deferCredentials: true });
    const names = args.destination === undefined ? Object.keys(config.destinations) : [pickDestination(config, args.destination)[0]];
    const state = await openStateStore(config.state, { planOnly: true, env: io.env });
    const statuses: PinterestAuthStatus[] = [];
    try {
      for (const name of names) {
        const status = await inspectPinterestAuth({
          name,
          config: config.destinations[name]!,
          store: state,
          probe: !args.offline,
          configPath: args.config,
          dispatcher: deps.dispatcher,
          now: deps.now,
        });
        // Token variables do not matter once the tokens come from the state store; the app's id and secret always do.
        for (const d of config.deferredCredentials) {
          const isToken = d.key === 'accessToken' || d.key === 'refreshToken';
          if (d.destination === name && !(isToken && status.source === 'state')) status.warnings.push(`${d.path}: ${d.message}`);
        }
        statuses.push(status);
      }
    } finally {
      await state.close();
    }
    const attention = statuses.some((s) => s.warnings.length > 0);
    io.stdout.write(args.json ? `${JSON.stringify({ version: 1, ok: !attention, destinations: statuses }, null, 2)}\n` : renderStatuses(statuses));
    return attention ? EXIT.syncFailed : EXIT.ok;
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  }
}

function renderStatuses(statuses: PinterestAuthStatus[]): string {
  const lines: string[] = [];
  for (const s of statuses) {
    const source =
      s.source === 'state'
        ? `state store (stored ${s.storedAt})`
        : s.source === 'none'
          ? 'none: not authorized yet'
          : s.configReplacesStored
            ? 'config (newer than the stored tokens, which the next sync replaces)'
            : 'config';
    const account =
      s.account.state === 'ok'
        ? `${s.account.username ?? '?'} (user ${s.account.id ?? '?'}${s.account.accountType ? `, ${s.account.accountType}` : ''})`
        : s.account.state === 'missing-scope'
          ? 'unknown: the token lacks user_accounts:read (request it with auth url --scope ads:read,ads:write,user_accounts:read)'
          : s.account.message;
    const adAccount = s.adAccount.state === 'ok' ? `reachable${s.adAccount.name ? ` (${s.adAccount.name})` : ''}` : s.adAccount.message;
    lines.push(
      `destination ${s.destination} (ad account ${s.adAccountId}, ${s.apiBaseUrl})`,
      `  tokens from:    ${source}`,
      `  refresh:        ${s.autoRefresh ? 'automatic' : s.source === 'none' ? 'none yet: `pinsync auth exchange` stores the first tokens' : 'not possible (needs auth.clientId, auth.clientSecret and a refresh token)'}`,
      `  access token:   ${s.accessExpiresAt === null ? `expiry unknown${s.autoRefresh ? ' (learned at the first refresh)' : ''}` : `expires ${s.accessExpiresAt}`}`,
      `  refresh token:  ${s.refreshExpiresAt === null ? (s.autoRefresh ? 'expiry unknown (learned at the first refresh)' : 'none') : `expires ${s.refreshExpiresAt}`}`,
      `  account:        ${account}`,
      `  ad account:     ${adAccount}`,
      `  scopes:         ${s.scopes.map((c) => `${c.scope} ${c.state === 'granted' ? 'yes' : c.state === 'missing' ? 'NO' : '?'}`).join(', ')}`,
    );
    for (const w of s.warnings) lines.push(`  WARNING: ${w}`);
    lines.push('');
  }
  return `${lines.join('\n')}`;
}

function pickDestination(config: LoadedConfig, name: string | undefined): [string, PinterestDestinationConfig] {
  const names = Object.keys(config.destinations);
  if (name === undefined) {
    if (names.length === 1) return [names[0]!, config.destinations[names[0]!]!];
    throw new UsageError(`several destinations are defined (${names.join(', ')}); name one with --destination`);
  }
  const dest = config.destinations[name];
  if (dest === undefined) throw new UsageError(`unknown destination "${name}"; defined: ${names.join(', ')}`);
  return [name, dest];
}

function requireSetting(config: LoadedConfig, destination: string, key: 'clientId' | 'clientSecret', why: string): string {
  const value = config.destinations[destination]!.auth[key];
  if (value !== undefined && value !== '') return value;
  const unset = config.deferredCredentials.find((d) => d.destination === destination && d.key === key);
  throw new UsageError(`destinations.${destination}.auth.${key} is not set${unset === undefined ? '' : ` (${unset.message})`}: ${why}`);
}

function commandArgs(configArg: string, name: string, config: LoadedConfig): string {
  const c = configArg === 'pinsync.yaml' ? '' : ` -c ${configArg}`;
  return Object.keys(config.destinations).length > 1 ? `${c} --destination ${name}` : c;
}

function exchangeFailed(err: TokenEndpointError, name: string, configArg: string, config: LoadedConfig): DestinationError {
  const details = { status: err.status, apiCode: err.apiCode, requestId: err.requestId, cause: err };
  const hint = { destinationName: Object.keys(config.destinations).length > 1 ? name : undefined, configPath: configArg === 'pinsync.yaml' ? undefined : configArg };
  switch (err.kind) {
    case 'invalid-grant':
      return new DestinationError(
        OAUTH_ERROR_CODES.reauthorize,
        `Pinterest refused the authorization code (${err.message}): codes are single-use and short-lived, and --redirect-uri must be ` +
          `the one given to auth url. Nothing was stored. Start over: ${reauthorizeAdvice(hint)}`,
        details,
      );
    case 'invalid-client':
      return new DestinationError(
        OAUTH_ERROR_CODES.client,
        `Pinterest rejected the app credentials (${err.message}): check destinations.${name}.auth.clientId and clientSecret. Nothing was stored.`,
        details,
      );
    default:
      return new DestinationError(OAUTH_ERROR_CODES.unavailable, `exchanging the code failed: ${err.message}. Nothing was stored; try again.`, {
        ...details,
        retryable: err.kind === 'unavailable',
      });
  }
}

function missingScopes(granted: string[]): string {
  if (granted.length === 0) return '';
  const missing = PINSYNC_SCOPES.filter((s) => !granted.includes(s));
  return missing.length === 0 ? '' : `  WARNING: the grant lacks ${missing.join(', ')}, which syncs need; run auth url again and approve every scope`;
}
