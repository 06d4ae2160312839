/**
 * What a test or the CLI can configure, and the defaults. Defaults follow the emulator contract in
 * reference/pinterest-api.md; every (E) choice there is an option here.
 */

import type { MatchPredicate } from './match-simulation.js';

export const DEFAULT_TOKEN = 'pinsync-emulator-token';
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
}

/** `EmulatorOptions` with every default applied. */
export interface ResolvedOptions {
  /** See `EmulatorOptions.port`. */
  port: number;
  /** See `EmulatorOptions.host`. */
  host: string;
  /** Tokens with every default filled in. */
  tokens: Required<TokenSeed>[];
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
}

export function resolveOptions(opts: EmulatorOptions = {}): ResolvedOptions {
  const matchRate = opts.matchRate ?? 1;
  if (!(matchRate >= 0 && matchRate <= 1)) throw new RangeError(`matchRate must be between 0 and 1 (was ${matchRate})`);

  const accountSeeds = opts.adAccounts ?? [{ id: DEFAULT_AD_ACCOUNT_ID }];
  const allIds = accountSeeds.map((a) => a.id);
  const tokens = (opts.tokens ?? [DEFAULT_TOKEN]).map((seed) => resolveTokenSeed(seed, allIds));

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
  };
}

/** Fills a token's defaults; `allAdAccountIds` is what a token without its own list may use. */
export function resolveTokenSeed(seed: TokenSeed | string, allAdAccountIds: readonly string[]): Required<TokenSeed> {
  const t = typeof seed === 'string' ? { token: seed } : seed;
  const userId = t.userId ?? DEFAULT_USER_ID;
  return {
    token: t.token,
    userId,
    username: t.username ?? (userId === DEFAULT_USER_ID ? DEFAULT_USERNAME : `user-${userId}`),
    adAccountIds: [...(t.adAccountIds ?? allAdAccountIds)],
    scopes: [...(t.scopes ?? ALL_SCOPES)],
  };
}
