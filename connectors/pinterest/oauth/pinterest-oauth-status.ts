/**
 * What `pinsync auth status` reports about one destination's credentials: where the tokens come from, when they
 * expire, whether they work, and who they act for. Read-only: it never refreshes (a refresh rotates the refresh
 * token, which is a change) and never returns a token.
 */
import type { Dispatcher } from 'undici';
import type { PinterestDestinationConfig } from '../../../core/config/destination-schema.js';
import type { StateStore } from '../../../core/state-store.js';
import { PinterestClient } from '../http/pinterest-client.js';
import { PinterestError } from '../http/pinterest-errors.js';
import { authorizeSteps, reauthorizeAdvice, type ReauthHint } from './pinterest-oauth-errors.js';
import { resolveTokens, type TokenSource } from './pinterest-oauth-tokens.js';
import { staticTokenProvider } from './pinterest-token-provider.js';

/** Warn when the refresh token has less than this left. */
export const REFRESH_WARNING_MS = 14 * 24 * 3_600_000;

/** Outcome of one API probe. */
export type ProbeResult =
  | {
      /** The call worked. */
      state: 'ok';
    }
  | {
      /** `missing-scope`: 401 code 3; `rejected`: 401 code 2 (expired or revoked); `forbidden`: 403; `error`: anything else; `skipped`: `--offline` or no token. */
      state: 'missing-scope' | 'rejected' | 'forbidden' | 'error' | 'skipped';
      /** What happened, for people. */
      message: string;
    };

/** Whether the token holds a scope, as far as read-only calls can tell. */
export interface ScopeCheck {
  /** OAuth scope. */
  scope: string;
  /** `unknown` when no read-only call can prove it (ads:write) or the probes were skipped. */
  state: 'granted' | 'missing' | 'unknown';
}

/** One destination's credential status. Never holds a token. */
export interface PinterestAuthStatus {
  /** `destinations.<name>`. */
  destination: string;
  /** The ad account. */
  adAccountId: string;
  /** The API root probed. */
  apiBaseUrl: string;
  /** `state` (refreshed or exchanged tokens in the state store), `config`, or `none` (not authorized yet). */
  source: TokenSource;
  /** Whether there is any token to act with; false: `pinsync auth url` and `auth exchange` still have to be run. */
  authorized: boolean;
  /** The config holds newer tokens than the stored ones; the next sync replaces the stored ones. */
  configReplacesStored: boolean;
  /** When the stored tokens were written (ISO), if any. */
  storedAt: string | null;
  /** Whether pinsync can refresh the access token itself (client id, secret and a refresh token). */
  autoRefresh: boolean;
  /** Access-token expiry (ISO); null when unknown. */
  accessExpiresAt: string | null;
  /** Refresh-token expiry (ISO); null when unknown or there is none. */
  refreshExpiresAt: string | null;
  /** Who the token acts for (`GET /user_account`, which needs `user_accounts:read`). */
  account: ProbeResult & { username?: string; id?: string; accountType?: string };
  /** Whether the token reaches the ad account (`GET /ad_accounts/{id}`, needs `ads:read`). */
  adAccount: ProbeResult & { name?: string; permissions?: string[] };
  /** What the probes say about scopes. */
  scopes: ScopeCheck[];
  /** Things to act on; `auth status` exits 1 when any destination has one. */
  warnings: string[];
}

/** Options of `inspectPinterestAuth`. */
export interface InspectOptions {
  /** The destination's name. */
  name: string;
  /** Its config. */
  config: PinterestDestinationConfig;
  /** The state store (opened read-only is enough). */
  store: StateStore;
  /** Call the API (default true); false reports only what the config and the state store know. */
  probe?: boolean;
  /** Names the config file in advice. */
  configPath?: string;
  /** undici dispatcher for the probes (tests). */
  dispatcher?: Dispatcher;
  /** Epoch ms. */
  now?: () => number;
}

export async function inspectPinterestAuth(opts: InspectOptions): Promise<PinterestAuthStatus> {
  const { config, name } = opts;
  const now = (opts.now ?? Date.now)();
  const resolved = await resolveTokens(opts.store, config);
  const { tokens } = resolved;
  const hint: ReauthHint = { destinationName: name, configPath: opts.configPath };
  const autoRefresh = tokens.refreshToken !== null && isSet(config.auth.clientId) && isSet(config.auth.clientSecret);
  const authorized = resolved.source !== 'none';

  // Without a token a probe could only be refused, which would read as "Pinterest rejects the token".
  const skipped = authorized ? 'not checked (--offline)' : 'not checked: not authorized yet';
  let account: PinterestAuthStatus['account'] = { state: 'skipped', message: skipped };
  let adAccount: PinterestAuthStatus['adAccount'] = { state: 'skipped', message: skipped };
  if (opts.probe !== false && authorized) {
    const client = new PinterestClient({
      baseUrl: config.apiBaseUrl,
      adAccountId: config.adAccountId,
      auth: staticTokenProvider(tokens.accessToken),
      dispatcher: opts.dispatcher,
      // A status check should answer quickly, not ride out an outage.
      retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1_000, rateLimitMaxWaitMs: 0 },
      timeouts: { headersMs: 15_000, bodyMs: 15_000 },
    });
    try {
      account = await probe(async () => {
        const res = await client.request<Record<string, unknown>>({ operation: 'getUserAccount', method: 'GET', path: '/user_account' });
        return { username: str(res.data.username), id: str(res.data.id), accountType: str(res.data.account_type) };
      }, 'user_accounts:read');
      adAccount = await probe(async () => {
        const info = await client.getAdAccount();
        return { name: info.name, permissions: info.permissions };
      }, 'ads:read');
    } finally {
      await client.close();
    }
  }

  const scopeOf = (p: ProbeResult): ScopeCheck['state'] => (p.state === 'ok' ? 'granted' : p.state === 'missing-scope' ? 'missing' : 'unknown');
  const scopes: ScopeCheck[] = [
    { scope: 'ads:read', state: scopeOf(adAccount) },
    // No read-only call proves a write scope.
    { scope: 'ads:write', state: 'unknown' },
    { scope: 'user_accounts:read', state: scopeOf(account) },
  ];

  const warnings: string[] = [];
  if (!authorized) warnings.push(`not authorized yet: ${authorizeSteps(hint)}`);
  const advice = reauthorizeAdvice(hint);
  if (tokens.refreshExpiresAt !== null) {
    const left = tokens.refreshExpiresAt.getTime() - now;
    if (left <= 0) warnings.push(`the refresh token expired on ${tokens.refreshExpiresAt.toISOString()}; ${advice}`);
    else if (left < REFRESH_WARNING_MS) {
      warnings.push(
        `the refresh token expires in ${formatDays(left)} (${tokens.refreshExpiresAt.toISOString()}); a sync that refreshes renews a ` +
          `continuous refresh token, otherwise ${advice}`,
      );
    }
  }
  const rejected = account.state === 'rejected' || adAccount.state === 'rejected';
  if (rejected && !autoRefresh) warnings.push(`Pinterest rejects the access token and pinsync cannot refresh it; ${advice}`);
  if (!rejected && !autoRefresh && tokens.accessExpiresAt !== null && tokens.accessExpiresAt.getTime() - now < REFRESH_WARNING_MS) {
    warnings.push(`the access token expires in ${formatDays(tokens.accessExpiresAt.getTime() - now)} and pinsync cannot refresh it; ${advice}`);
  }
  if (adAccount.state === 'missing-scope') warnings.push(`the token lacks ads:read; ${advice}`);
  if (adAccount.state === 'forbidden') warnings.push(`the token's user cannot use ad account ${config.adAccountId}: ${adAccount.message}`);

  return {
    destination: name,
    adAccountId: config.adAccountId,
    apiBaseUrl: config.apiBaseUrl,
    source: resolved.source,
    authorized,
    configReplacesStored: resolved.configReplacesStored,
    storedAt: resolved.stored?.updatedAt.toISOString() ?? null,
    autoRefresh,
    accessExpiresAt: tokens.accessExpiresAt?.toISOString() ?? null,
    refreshExpiresAt: tokens.refreshExpiresAt?.toISOString() ?? null,
    account,
    adAccount,
    scopes,
    warnings,
  };
}

async function probe<T extends object>(call: () => Promise<T>, scope: string): Promise<({ state: 'ok' } & T) | Exclude<ProbeResult, { state: 'ok' }>> {
  try {
    return { state: 'ok', ...(await call()) };
  } catch (err) {
    if (!(err instanceof PinterestError)) return { state: 'error', message: err instanceof Error ? err.message : String(err) };
    if (err.status === 401 && err.apiCode === 3) return { state: 'missing-scope', message: `the token lacks ${scope}` };
    if (err.status === 401) return { state: 'rejected', message: 'Pinterest rejected the access token (expired or revoked)' };
    if (err.status === 403) return { state: 'forbidden', message: err.apiMessage ?? 'HTTP 403' };
    return { state: 'error', message: err.message };
  }
}

function formatDays(ms: number): string {
  const days = ms / 86_400_000;
  return days >= 1 ? `${Math.floor(days)} day${Math.floor(days) === 1 ? '' : 's'}` : `${Math.max(1, Math.round(ms / 3_600_000))} h`;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : value === undefined || value === null ? undefined : String(value);
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
