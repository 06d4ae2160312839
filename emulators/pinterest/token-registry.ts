/**
 * Bearer-token authentication. Each access token stands for a user (with ad accounts and scopes) acting through an
 * OAuth app, and may expire. Seeded tokens and tokens minted by `/v5/oauth/token` live here alike, so the API routes
 * never need to know where a token came from. Expiry is checked against the emulator clock, which is what makes
 * `advanceTime` and the expiry hooks work.
 */

import { authFailed } from './api-errors.js';
import type { EmulatorClock } from './emulator-clock.js';
import type { ResolvedTokenSeed } from './emulator-options.js';

/** How a token was obtained: on behalf of a user (authorization code, refresh, seed) or by the app itself. */
export type TokenGrant = 'user' | 'client_credentials';

/** Who a request acts as. */
export interface AuthContext {
  /** The bearer token presented. */
  token: string;
  /** The token's user id. */
  userId: string;
  /** The token's username. */
  username: string;
  /** Ad accounts the user may use. */
  adAccountIds: ReadonlySet<string>;
  /** OAuth scopes granted to the token. */
  scopes: ReadonlySet<string>;
  /** The OAuth app the token was issued to (rate limits are per user and app). */
  clientId: string;
  /** How the token was obtained; client-credentials tokens may not call some operations. */
  grant: TokenGrant;
}

/** An access token as stored (and persisted in the state file). */
export interface AccessTokenRecord {
  /** The token string. */
  token: string;
  /** User id. */
  userId: string;
  /** Username. */
  username: string;
  /** Ad accounts the token may use. */
  adAccountIds: string[];
  /** Granted scopes. */
  scopes: string[];
  /** Owning OAuth app. */
  clientId: string;
  /** How it was obtained. */
  grant: TokenGrant;
  /** Emulator-clock ms at which it stops working; null = never. */
  expiresAtMs: number | null;
  /** Came from the options (not from `/v5/oauth/token`); seeds are re-created from the options on restart. */
  seeded: boolean;
}

interface Entry {
  record: AccessTokenRecord;
  ctx: AuthContext;
}

export class TokenRegistry {
  /** Called after every change, so the state file can be saved. */
  onChange: () => void = () => {};
  readonly #clock: EmulatorClock;
  readonly #tokens = new Map<string, Entry>();
  /** Tokens revoked for good: a restart must not bring a revoked seed back. */
  readonly #revoked = new Set<string>();

  constructor(clock: EmulatorClock) {
    this.#clock = clock;
  }

  /**
   * Accepts a seed token from now on (replacing one with the same string). Its lifetime starts now unless
   * `expiresAtMs` carries over the expiry of a restored record (null = never).
   */
  addSeed(seed: ResolvedTokenSeed, expiresAtMs?: number | null): void {
    this.#revoked.delete(seed.token);
    this.put({
      token: seed.token,
      userId: seed.userId,
      username: seed.username,
      adAccountIds: [...seed.adAccountIds],
      scopes: [...seed.scopes],
      clientId: seed.clientId,
      grant: 'user',
      expiresAtMs:
        expiresAtMs !== undefined ? expiresAtMs : seed.expiresInSeconds === null ? null : this.#clock.nowMs() + seed.expiresInSeconds * 1000,
      seeded: true,
    });
  }

  /** Stores a token record as is (minted tokens, state-file restore). */
  put(record: AccessTokenRecord): void {
    this.#tokens.set(record.token, {
      record,
      ctx: {
        token: record.token,
        userId: record.userId,
        username: record.username,
        adAccountIds: new Set(record.adAccountIds),
        scopes: new Set(record.scopes),
        clientId: record.clientId,
        grant: record.grant,
      },
    });
    this.onChange();
  }

  /** Stops accepting a token for good (revocation, "401 mid-run"). */
  revoke(token: string): boolean {
    const had = this.#tokens.delete(token);
    if (had) {
      this.#revoked.add(token);
      this.onChange();
    }
    return had;
  }

  /** Whether a token was revoked (a seed with this string is then not restored). */
  isRevoked(token: string): boolean {
    return this.#revoked.has(token);
  }

  /** Makes one token (or, without an argument, every live token) expired now; returns how many changed. */
  expire(token?: string): number {
    const now = this.#clock.nowMs();
    let changed = 0;
    for (const entry of token === undefined ? this.#tokens.values() : [this.#tokens.get(token)]) {
      if (entry === undefined || !this.#live(entry.record, now)) continue;
      entry.record.expiresAtMs = now - 1;
      changed++;
    }
    if (changed > 0) this.onChange();
    return changed;
  }

  /** A token's record (expired ones included), or undefined. */
  record(token: string): AccessTokenRecord | undefined {
    return this.#tokens.get(token)?.record;
  }

  /** The user behind a live token, or undefined when it is unknown, revoked or expired. */
  lookup(token: string): AuthContext | undefined {
    const entry = this.#tokens.get(token);
    return entry !== undefined && this.#live(entry.record, this.#clock.nowMs()) ? entry.ctx : undefined;
  }

  /** Username of a user id, when any token belongs to it. */
  usernameOf(userId: string): string | undefined {
    for (const { record } of this.#tokens.values()) if (record.userId === userId) return record.username;
    return undefined;
  }

  /** Resolves an `Authorization` header; throws 401 code 2 when it is missing, malformed, unknown or expired. */
  authenticate(header: string | undefined): AuthContext {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const ctx = match?.[1] === undefined ? undefined : this.lookup(match[1]);
    if (ctx === undefined) throw authFailed();
    return ctx;
  }

  /** Every stored token (live and expired) and every revoked token string, for the state file. */
  exportState(): { tokens: AccessTokenRecord[]; revoked: string[] } {
    return { tokens: [...this.#tokens.values()].map((e) => e.record), revoked: [...this.#revoked] };
  }

  /** Restores persisted tokens; seeds are re-applied by the caller afterwards. */
  importState(state: { tokens: readonly AccessTokenRecord[]; revoked: readonly string[] }): void {
    for (const token of state.revoked) this.#revoked.add(token);
    for (const record of state.tokens) if (!this.#revoked.has(record.token)) this.put({ ...record });
  }

  #live(record: AccessTokenRecord, nowMs: number): boolean {
    return record.expiresAtMs === null || nowMs < record.expiresAtMs;
  }
}
