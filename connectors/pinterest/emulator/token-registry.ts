/**
 * Bearer-token authentication. Each accepted token stands for a user with a set of ad accounts and scopes. The
 * OAuth endpoints (a later issue) will issue and expire tokens through `add` and `revoke`, so nothing else needs
 * to know where a token came from.
 */

import { authFailed } from './api-errors.js';
import type { TokenSeed } from './emulator-options.js';

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
}

export class TokenRegistry {
  readonly #tokens = new Map<string, AuthContext>();

  constructor(seeds: readonly Required<TokenSeed>[]) {
    for (const seed of seeds) this.add(seed);
  }

  /** Accepts a token from now on. */
  add(seed: Required<TokenSeed>): void {
    this.#tokens.set(seed.token, {
      token: seed.token,
      userId: seed.userId,
      username: seed.username,
      adAccountIds: new Set(seed.adAccountIds),
      scopes: new Set(seed.scopes),
    });
  }

  /** Stops accepting a token (expiry, revocation, "401 mid-run"). */
  revoke(token: string): boolean {
    return this.#tokens.delete(token);
  }

  /** The user behind a token, or undefined. */
  lookup(token: string): AuthContext | undefined {
    return this.#tokens.get(token);
  }

  /** Username of a user id, when any token belongs to it. */
  usernameOf(userId: string): string | undefined {
    for (const ctx of this.#tokens.values()) if (ctx.userId === userId) return ctx.username;
    return undefined;
  }

  /** Resolves an `Authorization` header; throws 401 code 2 when it is missing, malformed or unknown. */
  authenticate(header: string | undefined): AuthContext {
    const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
    const ctx = match?.[1] === undefined ? undefined : this.#tokens.get(match[1]);
    if (ctx === undefined) throw authFailed();
    return ctx;
  }
}
