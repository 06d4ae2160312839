/**
 * What a test or the CLI can configure, and the defaults. Defaults follow the emulator contract in
 * reference/pinterest-api.md; every (E) choice there is an option here.
 */

import type { Exchange } from './exchange-log.js';
import type { MatchPredicate } from './match-simulation.js';
import type { RateLimitCategory } from './route-table.js';

export const DEFAULT_TOKEN = 'pinsync-emulator-token';
/** The default OAuth app's credentials (HTTP Basic on `/v5/oauth/token`). */
export const DEFAULT_CLIENT_ID = 'pinsync-emulator-client';
export const DEFAULT_CLIENT_SECRET = 'pinsync-emulator-secret';
/** A refresh token the emulator accepts from the start, so a config can rehearse refresh without an OAuth dance. */
export const DEFAULT_REFRESH_TOKEN = 'pinsync-emulator-refresh-token';
/** Access tokens live 30 days (`expires_in: 2592000` in every sample Pinterest response). */
export const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 2_592_000;
/** Continuous refresh tokens: 60 days, renewed by every refresh (`refresh_token_expires_in: 5184000`). */
export const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 5_184_000;
/** Legacy refresh tokens: 365 days from issue, never renewed. */
export const LEGACY_REFRESH_TOKEN_TTL_SECONDS = 31_536_000;
export const DEFAULT_AD_ACCOUNT_ID = '549755885175';
export const DEFAULT_USER_ID = '1000000001';
export const DEFAULT_USERNAME = 'pinsync-emulator';
/** Every scope the implemented routes need; tokens get them all unless told otherwise. */
export const ALL_SCOPES: readonly string[] = ['ads:read', 'ads:write', 'user_accounts:read'];

/** An access token the emulator accepts, and who it belongs to. */
export interface TokenSeed {
  /** The bearer token string. */
  token: string;
  /** The token user's id; default: the emulator's one default user. */
  userId?: string;
  /** The token user's username; default derived from the user id. */
  username?: string;
  /** Ad accounts this token may use; default: every configured ad account. */
  adAccountIds?: readonly string[];
  /** OAuth scopes granted; default: all of `ALL_SCOPES`. */
  scopes?: readonly string[];
  /** The OAuth app the token was issued to; default: the first configured app. */
  clientId?: string;
  /** Seconds from emulator start until the token expires (401 code 2 afterwards); default: never. */
  expiresInSeconds?: number;
}

/** Seed tokens with every default filled in. */
export interface ResolvedTokenSeed {
  /** See `TokenSeed.token`. */
  token: string;
  /** See `TokenSeed.userId`. */
  userId: string;
  /** See `TokenSeed.username`. */
  username: string;
  /** See `TokenSeed.adAccountIds`. */
  adAccountIds: string[];
  /** See `TokenSeed.scopes`. */
  scopes: string[];
  /** See `TokenSeed.clientId`. */
  clientId: string;
  /** See `TokenSeed.expiresInSeconds`; null = never expires. */
  expiresInSeconds: number | null;
}

/**
 * How an app's refresh tokens behave. `continuous` (Pinterest's only mode since 2025): every refresh returns a new
 * refresh token with a fresh 60-day window and the old one stops working. `legacy`: the refresh token is kept
 * (365 days from issue) and refresh answers carry no new one, which the 5.23 schema no longer allows.
 */
export type RefreshTokenMode = 'continuous' | 'legacy';

/** An OAuth app (client) that may call `/v5/oauth/token`. */
export interface OAuthAppSeed {
  /** `client_id` (the Basic user name). */
  clientId: string;
  /** `client_secret` (the Basic password). */
  clientSecret: string;
  /** Refresh token behaviour; default `continuous`. */
  refreshTokenMode?: RefreshTokenMode;
  /** User that `client_credentials` tokens act as; default: the first token's user. */
  userId?: string;
}

/** A refresh token the emulator accepts from the start. */
export interface RefreshTokenSeed {
  /** The refresh token string. */
  token: string;
  /** Its user; default: the first token's user. Tokens it yields get that user's ad accounts. */
  userId?: string;
  /** The app it belongs to; default: the first configured app. */
  clientId?: string;
  /** Scopes it grants; default: all of `ALL_SCOPES`. */
  scopes?: readonly string[];
  /** Seconds from emulator start until it expires; default: the app's refresh-token lifetime. */
  expiresInSeconds?: number;
}

/** Per-category request quotas per minute, per (user, app), like Pinterest's Standard tier; absent = unlimited. */
export type RateLimits = Partial<Record<RateLimitCategory, number>> & {
  /** Pinterest's universal limit across categories, per second (Standard tier: 100). */
  universalPerSecond?: number;
};

/** A user of the emulator: who a token acts for and which ad accounts it may use. */
export interface UserIdentity {
  /** User id. */
  userId: string;
  /** Username. */
  username: string;
  /** Ad accounts the user may use. */
  adAccountIds: string[];
}

/** An ad account that exists in the emulator. */
export interface AdAccountSeed {
  /** Digit-string id. */
  id: string;
  /** Display name; default `Emulated ad account <id>`. */
  name?: string;
  /** Owning user; default: the user of the first token that lists the account, else the default user. */
  ownerUserId?: string;
  /** ISO-3166 alpha-2 country; default `US`. */
  country?: string;
  /** ISO-4217 currency; default `USD`. */
  currency?: string;
}

export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to bind; default `127.0.0.1` (tests may only use loopback). */
  host?: string;
  /** Accepted access tokens; default: one token `pinsync-emulator-token` with access to every ad account. */
  tokens?: readonly (TokenSeed | string)[];
  /** Existing ad accounts; default: `549755885175`. Ids a token lists that are missing here are created too. */
  adAccounts?: readonly AdAccountSeed[];
  /** JSON state file: loaded at start when it exists, saved (temp file + rename) after changes and on close. */
  dataFile?: string;
  /** Coalesces saves of `dataFile` that follow each other within this many ms; default 25. */
  persistDebounceMs?: number;
  /** Keep each list's records (default true); false keeps counters only, for very large benchmark lists. */
  trackMembership?: boolean;
  /** Share of records that match a Pinterest user, 0..1; default 1. Ignored when `matchPredicate` is given. */
  matchRate?: number;
  /** Decides per record whether it matches a Pinterest user ("known users"); overrides `matchRate`. */
  matchPredicate?: MatchPredicate;
  /** How long a list stays PROCESSING after a write before it turns READY / TOO_SMALL; default 0. */
  matchDelayMs?: number;
  /**
   * Matched users a list needs to be READY rather than TOO_SMALL, below which an audience's `size` stays null, and
   * (unless `refuseSmallAudiences` is false) below which a CUSTOMER_LIST audience is refused; default 100.
   */
  audienceMinMatched?: number;
  /** Refuse (400 code 1, "too small") to create an audience on a list below `audienceMinMatched`; default true. */
  refuseSmallAudiences?: boolean;
  /** Records allowed in one create/PATCH; default unlimited. */
  maxRecordsPerRequest?: number;
  /** Request body bytes allowed; default 32 MiB. */
  maxBodyBytes?: number;
  /** Status for a request over `maxRecordsPerRequest` or `maxBodyBytes`: 413 (default) or 400 code 1. */
  tooLargeStatus?: 400 | 413;
  /** Entries kept in `requests` (oldest dropped first); default 100,000. */
  requestLogLimit?: number;
  /** Told about emulator bugs (answered as 500) and failed state-file saves; default: printed to stderr. */
  onError?: (err: unknown) => void;
  /** OAuth apps; default: one app `pinsync-emulator-client` / `pinsync-emulator-secret`. */
  oauthApps?: readonly OAuthAppSeed[];
  /** Refresh tokens accepted from the start; default: `pinsync-emulator-refresh-token` for the first token's user. */
  refreshTokens?: readonly (RefreshTokenSeed | string)[];
  /** Lifetime of access tokens issued by `/v5/oauth/token`; default 2,592,000 s (30 days). */
  accessTokenTtlSeconds?: number;
  /** Lifetime of continuous refresh tokens (renewed by each refresh); default 5,184,000 s (60 days). */
  refreshTokenTtlSeconds?: number;
  /** Lifetime of an authorization code from `oauth.issueCode`; default 600 s. */
  authorizationCodeTtlSeconds?: number;
  /** Token-bucket rate limits per category; default: none (the emulator never answers 429 on its own). */
  rateLimits?: RateLimits;
  /** Exchanges kept in `exchanges` (oldest dropped first, counted in `exchangesDropped`); default 10,000. */
  exchangeLogLimit?: number;
  /** Called after every exchange (request and answer, bodies compacted and secrets redacted). */
  onExchange?: (exchange: Exchange) => void;
  /** Source of randomness in [0, 1) for random faults (`failRate`, `dropRate`); default Math.random. */
  random?: () => number;
}

/** `EmulatorOptions` with every default applied. */
export interface ResolvedOptions {
  /** See `EmulatorOptions.port`. */
  port: number;
  /** See `EmulatorOptions.host`. */
  host: string;
  /** Tokens with every default filled in. */
  tokens: ResolvedTokenSeed[];
  /** Ad accounts with every default filled in. */
  adAccounts: Required<AdAccountSeed>[];
  /** See `EmulatorOptions.dataFile`. */
  dataFile: string | undefined;
  /** See `EmulatorOptions.persistDebounceMs`. */
  persistDebounceMs: number;
  /** See `EmulatorOptions.trackMembership`. */
  trackMembership: boolean;
  /** See `EmulatorOptions.matchRate`. */
  matchRate: number;
  /** See `EmulatorOptions.matchPredicate`. */
  matchPredicate: MatchPredicate | undefined;
  /** See `EmulatorOptions.matchDelayMs`. */
  matchDelayMs: number;
  /** See `EmulatorOptions.audienceMinMatched`. */
  audienceMinMatched: number;
  /** See `EmulatorOptions.refuseSmallAudiences`. */
  refuseSmallAudiences: boolean;
  /** See `EmulatorOptions.maxRecordsPerRequest`; Infinity when unlimited. */
  maxRecordsPerRequest: number;
  /** See `EmulatorOptions.maxBodyBytes`. */
  maxBodyBytes: number;
  /** See `EmulatorOptions.tooLargeStatus`. */
  tooLargeStatus: 400 | 413;
  /** See `EmulatorOptions.requestLogLimit`. */
  requestLogLimit: number;
  /** See `EmulatorOptions.onError`. */
  onError: (err: unknown) => void;
  /** OAuth apps with every default filled in (never empty). */
  oauthApps: Required<OAuthAppSeed>[];
  /** Refresh-token seeds with every default filled in (expiry null = the app's lifetime). */
  refreshTokens: (Required<Omit<RefreshTokenSeed, 'expiresInSeconds'>> & { expiresInSeconds: number | null })[];
  /** Users by id: every token seed's user, apps' and refresh seeds' users included. */
  users: ReadonlyMap<string, UserIdentity>;
  /** The user that unspecified OAuth grants act for: the first token's. */
  defaultUserId: string;
  /** See `EmulatorOptions.accessTokenTtlSeconds`. */
  accessTokenTtlSeconds: number;
  /** See `EmulatorOptions.refreshTokenTtlSeconds`. */
  refreshTokenTtlSeconds: number;
  /** See `EmulatorOptions.authorizationCodeTtlSeconds`. */
  authorizationCodeTtlSeconds: number;
  /** See `EmulatorOptions.rateLimits`. */
  rateLimits: RateLimits;
  /** See `EmulatorOptions.exchangeLogLimit`. */
  exchangeLogLimit: number;
  /** See `EmulatorOptions.onExchange`. */
  onExchange: ((exchange: Exchange) => void) | undefined;
  /** See `EmulatorOptions.random`. */
  random: () => number;
}

export function resolveOptions(opts: EmulatorOptions = {}): ResolvedOptions {
  const matchRate = opts.matchRate ?? 1;
  if (!(matchRate >= 0 && matchRate <= 1)) throw new RangeError(`matchRate must be between 0 and 1 (was ${matchRate})`);

  const oauthApps = resolveApps(opts);
  const defaultClientId = (oauthApps[0] as Required<OAuthAppSeed>).clientId;
  const accountSeeds = opts.adAccounts ?? [{ id: DEFAULT_AD_ACCOUNT_ID }];
  const allIds = accountSeeds.map((a) => a.id);
  const tokens = (opts.tokens ?? [DEFAULT_TOKEN]).map((seed) => resolveTokenSeed(seed, allIds, defaultClientId));
  const defaultUserId = tokens[0]?.userId ?? DEFAULT_USER_ID;
  for (const app of oauthApps) app.userId ||= defaultUserId;
  for (const t of tokens) {
    if (!oauthApps.some((a) => a.clientId === t.clientId)) throw new RangeError(`token ${t.token} names unknown OAuth app '${t.clientId}'`);
  }
  const refreshTokens = (opts.refreshTokens ?? [DEFAULT_REFRESH_TOKEN]).map((seed) => {
    const r = typeof seed === 'string' ? { token: seed } : seed;
    const clientId = r.clientId ?? defaultClientId;
    if (!oauthApps.some((a) => a.clientId === clientId)) throw new RangeError(`refresh token ${r.token} names unknown OAuth app '${clientId}'`);
    return { token: r.token, userId: r.userId ?? defaultUserId, clientId, scopes: [...(r.scopes ?? ALL_SCOPES)], expiresInSeconds: r.expiresInSeconds ?? null };
  });

  // An account named explicitly in a token's list belongs to that token's user unless its seed says otherwise.
  const explicitOwner = (id: string): string | undefined => {
    for (const seed of opts.tokens ?? []) {
      if (typeof seed !== 'string' && seed.adAccountIds?.includes(id)) return seed.userId ?? DEFAULT_USER_ID;
    }
    return undefined;
  };
  const adAccounts = new Map<string, Required<AdAccountSeed>>();
  const addAccount = (seed: AdAccountSeed): void => {
    if (adAccounts.has(seed.id)) return;
    adAccounts.set(seed.id, {
      id: seed.id,
      name: seed.name ?? `Emulated ad account ${seed.id}`,
      ownerUserId: seed.ownerUserId ?? explicitOwner(seed.id) ?? DEFAULT_USER_ID,
      country: seed.country ?? 'US',
      currency: seed.currency ?? 'USD',
    });
  };
  for (const seed of accountSeeds) addAccount(seed);
  for (const t of tokens) for (const id of t.adAccountIds) addAccount({ id });
  for (const id of adAccounts.keys()) {
    if (!/^\d{1,18}$/.test(id)) throw new RangeError(`ad account id must be 1-18 digits (was '${id}')`);
  }

  // The first token of a user defines the user; a user only named by an app or refresh seed gets the accounts it owns
  // (or every account, so that an OAuth-only setup is usable without listing accounts).
  const users = new Map<string, UserIdentity>();
  for (const t of tokens) if (!users.has(t.userId)) users.set(t.userId, { userId: t.userId, username: t.username, adAccountIds: t.adAccountIds });
  for (const userId of [defaultUserId, ...oauthApps.map((a) => a.userId), ...refreshTokens.map((r) => r.userId)]) {
    if (users.has(userId)) continue;
    const owned = [...adAccounts.values()].filter((a) => a.ownerUserId === userId).map((a) => a.id);
    users.set(userId, { userId, username: defaultUsername(userId), adAccountIds: owned.length > 0 ? owned : [...adAccounts.keys()] });
  }

  return {
    port: opts.port ?? 0,
    host: opts.host ?? '127.0.0.1',
    tokens,
    adAccounts: [...adAccounts.values()],
    dataFile: opts.dataFile,
    persistDebounceMs: opts.persistDebounceMs ?? 25,
    trackMembership: opts.trackMembership ?? true,
    matchRate,
    matchPredicate: opts.matchPredicate,
    matchDelayMs: opts.matchDelayMs ?? 0,
    audienceMinMatched: opts.audienceMinMatched ?? 100,
    refuseSmallAudiences: opts.refuseSmallAudiences ?? true,
    maxRecordsPerRequest: opts.maxRecordsPerRequest ?? Number.POSITIVE_INFINITY,
    maxBodyBytes: opts.maxBodyBytes ?? 32 * 1024 * 1024,
    tooLargeStatus: opts.tooLargeStatus ?? 413,
    requestLogLimit: opts.requestLogLimit ?? 100_000,
    onError: opts.onError ?? ((err: unknown) => process.stderr.write(`pinsync emulator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`)),
    oauthApps,
    refreshTokens,
    users,
    defaultUserId,
    accessTokenTtlSeconds: positive('accessTokenTtlSeconds', opts.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    refreshTokenTtlSeconds: positive('refreshTokenTtlSeconds', opts.refreshTokenTtlSeconds ?? DEFAULT_REFRESH_TOKEN_TTL_SECONDS),
    authorizationCodeTtlSeconds: positive('authorizationCodeTtlSeconds', opts.authorizationCodeTtlSeconds ?? 600),
    rateLimits: checkRateLimits(opts.rateLimits ?? {}),
    exchangeLogLimit: opts.exchangeLogLimit ?? 10_000,
    onExchange: opts.onExchange,
    random: opts.random ?? Math.random,
  };
}

function positive(name: string, value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) throw new RangeError(`${name} must be a positive number of seconds (was ${value})`);
  return value;
}

function checkRateLimits(limits: RateLimits): RateLimits {
  for (const [key, value] of Object.entries(limits)) {
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) throw new RangeError(`rateLimits.${key} must be a positive number (was ${value})`);
  }
  return { ...limits };
}

function resolveApps(opts: EmulatorOptions): Required<OAuthAppSeed>[] {
  const seeds = opts.oauthApps ?? [{ clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET }];
  if (seeds.length === 0) throw new RangeError('oauthApps must name at least one app');
  // userId is filled in once the default user is known ('' until then).
  return seeds.map((a) => ({ clientId: a.clientId, clientSecret: a.clientSecret, refreshTokenMode: a.refreshTokenMode ?? 'continuous', userId: a.userId ?? '' }));
}

function defaultUsername(userId: string): string {
  return userId === DEFAULT_USER_ID ? DEFAULT_USERNAME : `user-${userId}`;
}

/**
 * Fills a token's defaults; `allAdAccountIds` is what a token without its own list may use, `defaultClientId` the app
 * a token without one belongs to.
 */
export function resolveTokenSeed(seed: TokenSeed | string, allAdAccountIds: readonly string[], defaultClientId: string): ResolvedTokenSeed {
  const t = typeof seed === 'string' ? { token: seed } : seed;
  const userId = t.userId ?? DEFAULT_USER_ID;
  if (t.expiresInSeconds !== undefined) positive('expiresInSeconds', t.expiresInSeconds);
  return {
    token: t.token,
    userId,
    username: t.username ?? defaultUsername(userId),
    adAccountIds: [...(t.adAccountIds ?? allAdAccountIds)],
    scopes: [...(t.scopes ?? ALL_SCOPES)],
    clientId: t.clientId ?? defaultClientId,
    expiresInSeconds: t.expiresInSeconds ?? null,
  };
}
