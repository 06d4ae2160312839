/**
 * The OAuth side of the emulator: apps and their Basic credentials, authorization codes, refresh tokens (rotated on
 * every use in continuous mode), and minting access tokens into the TokenRegistry. The `/v5/oauth/*` routes only
 * translate HTTP to these calls. Every lifetime is measured on the emulator clock, so `advanceTime` ages tokens.
 */

import { randomBytes } from 'node:crypto';

import { authFailed, forbidden, invalidGrant, invalidRequest } from './api-errors.js';
import type { EmulatorClock } from './emulator-clock.js';
import {
  ALL_SCOPES,
  LEGACY_REFRESH_TOKEN_TTL_SECONDS,
  type OAuthAppSeed,
  type ResolvedOptions,
  type UserIdentity,
} from './emulator-options.js';
import type { TokenRegistry } from './token-registry.js';

/** A configured OAuth app. */
export type OAuthApp = Required<OAuthAppSeed>;

/** What `issueCode` needs: the authorization a user "granted" in the browser step the emulator skips. */
export interface IssueCodeOptions {
  /** The `redirect_uri` of the authorize step; the token request must send the same one. */
  redirectUri: string;
  /** Scopes the user granted; default: all of `ALL_SCOPES`. */
  scopes?: readonly string[];
  /** The user who authorized; default: the first token's user. */
  userId?: string;
  /** The app that asked; default: the first configured app. */
  clientId?: string;
}

/** An authorization code waiting to be exchanged. */
export interface CodeRecord {
  /** The code. */
  code: string;
  /** App it was issued to. */
  clientId: string;
  /** User who authorized. */
  userId: string;
  /** Granted scopes. */
  scopes: string[];
  /** `redirect_uri` the exchange must repeat. */
  redirectUri: string;
  /** Emulator-clock ms after which it is refused. */
  expiresAtMs: number;
}

/** A refresh token as stored (and persisted in the state file). */
export interface RefreshTokenRecord {
  /** The token string. */
  token: string;
  /** Owning app. */
  clientId: string;
  /** User the access tokens it yields act for. */
  userId: string;
  /** Scopes it grants. */
  scopes: string[];
  /** Emulator-clock ms after which it is refused. */
  expiresAtMs: number;
}

/** `response_type` values of `/v5/oauth/token` answers. */
export type TokenResponseType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** A successful grant, before it becomes the `OauthAccessTokenResponse` JSON. */
export interface GrantResult {
  /** Which grant produced it. */
  responseType: TokenResponseType;
  /** The new access token. */
  accessToken: string;
  /** Its lifetime in seconds. */
  expiresInSeconds: number;
  /** Scopes it carries. */
  scopes: string[];
  /** The refresh token handed out with it, if any. */
  refresh: { token: string; expiresInSeconds: number; expiresAtSeconds: number } | undefined;
}

/** Everything the state file keeps of OAuth. */
export interface OAuthState {
  /** Pending authorization codes. */
  codes: CodeRecord[];
  /** Live and expired refresh tokens. */
  refreshTokens: RefreshTokenRecord[];
  /** Refresh tokens that were rotated away or revoked: a restart must not revive a seed with that string. */
  spentRefreshTokens: string[];
}

export class OAuthAuthority {
  /** Called after every change, so the state file can be saved. */
  onChange: () => void = () => {};
  readonly #options: ResolvedOptions;
  readonly #tokens: TokenRegistry;
  readonly #clock: EmulatorClock;
  readonly #apps: Map<string, OAuthApp>;
  readonly #codes = new Map<string, CodeRecord>();
  readonly #refresh = new Map<string, RefreshTokenRecord>();
  readonly #spent = new Set<string>();

  constructor(options: ResolvedOptions, tokens: TokenRegistry, clock: EmulatorClock) {
    this.#options = options;
    this.#tokens = tokens;
    this.#clock = clock;
    this.#apps = new Map(options.oauthApps.map((a) => [a.clientId, a]));
  }

  /** The first configured app (what the CLI prints and what hooks default to). */
  get defaultApp(): OAuthApp {
    return this.#options.oauthApps[0] as OAuthApp;
  }

  /** Accepts the configured refresh-token seeds, except those already spent (rotated or revoked) before a restart. */
  applySeeds(): void {
    for (const seed of this.#options.refreshTokens) {
      if (this.#spent.has(seed.token) || this.#refresh.has(seed.token)) continue;
      const app = this.#app(seed.clientId);
      const ttl = seed.expiresInSeconds ?? this.#refreshTtlSeconds(app);
      this.#refresh.set(seed.token, {
        token: seed.token,
        clientId: app.clientId,
        userId: seed.userId,
        scopes: [...seed.scopes],
        expiresAtMs: this.#clock.nowMs() + ttl * 1000,
      });
    }
    this.onChange();
  }

  /** Resolves the `Authorization: Basic` header of a token request; 401 code 2 unless it names an app and its secret. */
  authenticateClient(header: string | undefined): OAuthApp {
    const match = header === undefined ? null : /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
    if (match?.[1] === undefined) throw authFailed();
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const app = colon === -1 ? undefined : this.#apps.get(decoded.slice(0, colon));
    if (app === undefined || app.clientSecret !== decoded.slice(colon + 1)) throw authFailed();
    return app;
  }

  /** Mints a single-use authorization code, as if the user had approved the app on pinterest.com. */
  issueCode(opts: IssueCodeOptions): string {
    const app = this.#app(opts.clientId ?? this.defaultApp.clientId);
    const user = this.#user(opts.userId ?? this.#options.defaultUserId);
    const code = randomBytes(20).toString('hex');
    this.#codes.set(code, {
      code,
      clientId: app.clientId,
      userId: user.userId,
      scopes: [...(opts.scopes ?? ALL_SCOPES)],
      redirectUri: opts.redirectUri,
      expiresAtMs: this.#clock.nowMs() + this.#options.authorizationCodeTtlSeconds * 1000,
    });
    this.onChange();
    return code;
  }

  /** `grant_type=authorization_code`: 283 for an unknown, used, expired or foreign code or a different redirect_uri. */
  exchangeCode(app: OAuthApp, code: string, redirectUri: string): GrantResult {
    const record = this.#codes.get(code);
    if (record === undefined || record.clientId !== app.clientId || this.#clock.nowMs() >= record.expiresAtMs) throw invalidGrant();
    // A wrong redirect_uri does not burn the code: the legitimate client may still exchange it.
    if (record.redirectUri !== redirectUri) throw invalidGrant();
    this.#codes.delete(code);
    const refresh = this.#newRefreshToken(app, record.userId, record.scopes);
    return this.#grant('authorization_code', app, record.userId, record.scopes, refresh);
  }

  /**
   * `grant_type=refresh_token`. Continuous apps rotate: the presented token stops working and a new one with a new
   * window comes back. Legacy apps keep the presented token and return none. `scope` may narrow, never widen.
   */
  refresh(app: OAuthApp, token: string, requestedScopes: string[] | undefined): GrantResult {
    const record = this.#refresh.get(token);
    if (record === undefined || record.clientId !== app.clientId || this.#clock.nowMs() >= record.expiresAtMs) throw invalidGrant();
    let scopes = record.scopes;
    if (requestedScopes !== undefined && requestedScopes.length > 0) {
      const extra = requestedScopes.filter((s) => !record.scopes.includes(s));
      if (extra.length > 0) throw invalidRequest(`scope ${extra.join(', ')} was not granted to this refresh token.`);
      scopes = requestedScopes;
    }
    if (app.refreshTokenMode === 'legacy') return this.#grant('refresh_token', app, record.userId, scopes, undefined);
    this.#refresh.delete(token);
    this.#spent.add(token);
    const rotated = this.#newRefreshToken(app, record.userId, record.scopes);
    return this.#grant('refresh_token', app, record.userId, scopes, rotated);
  }

  /** `grant_type=client_credentials`: a token for the app's own user, without a refresh token. */
  clientCredentials(app: OAuthApp, scopes: string[]): GrantResult {
    return this.#grant('client_credentials', app, app.userId, scopes, undefined);
  }

  /** `/v5/oauth/token/revoke`: unknown tokens are fine (RFC 7009); another app's token is 403 code 29. */
  revoke(app: OAuthApp, token: string): void {
    const refresh = this.#refresh.get(token);
    const access = this.#tokens.record(token);
    const owner = refresh?.clientId ?? access?.clientId;
    if (owner !== undefined && owner !== app.clientId) throw forbidden();
    if (refresh !== undefined) {
      this.#refresh.delete(token);
      this.#spent.add(token);
      this.onChange();
    }
    if (access !== undefined) this.#tokens.revoke(token);
  }

  /** Makes one refresh token (or every live one) expired now; returns how many changed. */
  expireRefreshTokens(token?: string): number {
    const now = this.#clock.nowMs();
    let changed = 0;
    for (const record of token === undefined ? this.#refresh.values() : [this.#refresh.get(token)]) {
      if (record === undefined || now >= record.expiresAtMs) continue;
      record.expiresAtMs = now - 1;
      changed++;
    }
    if (changed > 0) this.onChange();
    return changed;
  }

  /** A live refresh token's record, or undefined (tests and hooks). */
  refreshRecord(token: string): RefreshTokenRecord | undefined {
    const record = this.#refresh.get(token);
    return record !== undefined && this.#clock.nowMs() < record.expiresAtMs ? record : undefined;
  }

  /** Live view of the OAuth state for the state file. */
  exportState(): OAuthState {
    return { codes: [...this.#codes.values()], refreshTokens: [...this.#refresh.values()], spentRefreshTokens: [...this.#spent] };
  }

  /** Restores persisted OAuth state (before `applySeeds`). */
  importState(state: OAuthState): void {
    for (const token of state.spentRefreshTokens) this.#spent.add(token);
    for (const code of state.codes) this.#codes.set(code.code, { ...code });
    for (const record of state.refreshTokens) if (!this.#spent.has(record.token)) this.#refresh.set(record.token, { ...record });
  }

  #grant(responseType: TokenResponseType, app: OAuthApp, userId: string, scopes: string[], refresh: RefreshTokenRecord | undefined): GrantResult {
    const user = this.#user(userId);
    const ttl = this.#options.accessTokenTtlSeconds;
    const accessToken = `pina_${randomBytes(24).toString('base64url')}`;
    this.#tokens.put({
      token: accessToken,
      userId: user.userId,
      username: user.username,
      adAccountIds: [...user.adAccountIds],
      scopes: [...scopes],
      clientId: app.clientId,
      grant: responseType === 'client_credentials' ? 'client_credentials' : 'user',
      expiresAtMs: this.#clock.nowMs() + ttl * 1000,
      seeded: false,
    });
    this.onChange();
    return {
      responseType,
      accessToken,
      expiresInSeconds: ttl,
      scopes: [...scopes],
      refresh:
        refresh === undefined
          ? undefined
          : {
              token: refresh.token,
              expiresInSeconds: Math.round((refresh.expiresAtMs - this.#clock.nowMs()) / 1000),
              expiresAtSeconds: Math.floor(refresh.expiresAtMs / 1000),
            },
    };
  }

  #newRefreshToken(app: OAuthApp, userId: string, scopes: string[]): RefreshTokenRecord {
    const record: RefreshTokenRecord = {
      token: `pinr_${randomBytes(24).toString('base64url')}`,
      clientId: app.clientId,
      userId,
      scopes: [...scopes],
      expiresAtMs: this.#clock.nowMs() + this.#refreshTtlSeconds(app) * 1000,
    };
    this.#refresh.set(record.token, record);
    return record;
  }

  #refreshTtlSeconds(app: OAuthApp): number {
    return app.refreshTokenMode === 'legacy' ? LEGACY_REFRESH_TOKEN_TTL_SECONDS : this.#options.refreshTokenTtlSeconds;
  }

  #app(clientId: string): OAuthApp {
    const app = this.#apps.get(clientId);
    if (app === undefined) throw new Error(`emulator: no OAuth app '${clientId}'`);
    return app;
  }

  #user(userId: string): UserIdentity {
    const user = this.#options.users.get(userId);
    if (user === undefined) throw new Error(`emulator: no user '${userId}' (name it in a token, app or refresh-token seed)`);
    return user;
  }
}

/** Scopes as Pinterest clients send them: space- or comma-separated. */
export function parseScopes(raw: string): string[] {
  return raw.split(/[\s,]+/).filter((s) => s !== '');
}
