/**
 * What `startEmulator` hands back: the addresses to point a client at, and the hooks tests use to inspect state,
 * force matching outcomes and inject faults.
 */

import type { CustomerListStatus } from './emulator-entities.js';
import type { TokenSeed } from './emulator-options.js';
import type { Exchange } from './exchange-log.js';
import type { EmulatorFaults } from './fault-injector.js';
import type { IssueCodeOptions } from './oauth-authority.js';
import type { RequestLogEntry } from './request-log.js';
import type { AudienceJson, CustomerListJson } from './response-builders.js';

/** The OAuth side of a running emulator: the default app's credentials and the authorize-step stand-in. */
export interface EmulatorOAuth {
  /** The first app's `client_id`. */
  readonly clientId: string;
  /** The first app's `client_secret`. */
  readonly clientSecret: string;
  /** The first seeded refresh token (by default `pinsync-emulator-refresh-token`), if any. */
  readonly refreshToken: string | undefined;
  /** `POST` URL of the token endpoint: `baseUrl + '/oauth/token'`. */
  readonly tokenUrl: string;
  /** Mints a single-use authorization code, as if a user had approved the app on pinterest.com. */
  issueCode(opts: IssueCodeOptions): string;
}

export interface RunningEmulator {
  /** Server root, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** API base to configure clients with: `url + '/v5'`. */
  readonly baseUrl: string;
  /** The bound port. */
  readonly port: number;
  /** The bound host. */
  readonly host: string;
  /** The first configured access token (by default `pinsync-emulator-token`). */
  readonly token: string;
  /** The first configured ad account id (by default `549755885175`). */
  readonly adAccountId: string;
  /** OAuth: app credentials, the seeded refresh token, and `issueCode`. */
  readonly oauth: EmulatorOAuth;
  /** Fault injection: failNext, failEvery, failRate, latency, dropNext, dropRate, quotaExhausted, token expiry, clear. */
  readonly faults: EmulatorFaults;
  /** Every request seen so far, oldest first (live; capped by `requestLogLimit`). */
  readonly requests: readonly RequestLogEntry[];
  /** Empties `requests`. */
  clearRequests(): void;
  /** Every exchange (headers and compacted, redacted bodies) seen so far, oldest first (live; capped by `exchangeLogLimit`). */
  readonly exchanges: readonly Exchange[];
  /** Exchanges that fell off the front of `exchanges` because it was full. */
  readonly exchangesDropped: number;
  /** Empties `exchanges` and zeroes `exchangesDropped`. */
  clearExchanges(): void;

  /** A copy of a list's records. Throws for an unknown list or when membership is not tracked. */
  membership(listId: string): ReadonlySet<string>;
  /** Distinct records in a list, without copying them. Throws like `membership`. */
  membershipSize(listId: string): number;
  /** Whether a list holds a record. Throws like `membership`. */
  hasMember(listId: string, record: string): boolean;
  /** Every customer list as the API would return it (any ad account), ascending by id. */
  lists(): CustomerListJson[];
  /** One customer list as the API would return it, or undefined. */
  list(listId: string): CustomerListJson | undefined;
  /** Every live audience as the API would return it (any ad account), ascending by id. */
  audiences(): AudienceJson[];
  /** One live audience as the API would return it, or undefined. */
  audience(audienceId: string): AudienceJson | undefined;

  /** Forces a list's status until its next write; `matched` sets the matched count the status reflects. */
  setListStatus(listId: string, status: CustomerListStatus, opts?: { matched?: number }): void;
  /** Forces an audience's status (and size) until its list next finishes matching. */
  setAudienceStatus(audienceId: string, status: string, opts?: { size?: number | null }): void;
  /** Moves the emulator clock forward (matching delays, timestamps, token and code expiry, rate-limit refill). */
  advanceTime(ms: number): void;
  /** Finishes matching for every list and audience now, whatever `matchDelayMs` says. */
  settleAll(): void;
  /**
   * Forgets all lists, audiences, logged requests and exchanges, faults and rate-limit usage; configuration, tokens
   * and the id sequence remain.
   */
  reset(): void;

  /** Accepts another access token (or replaces one with the same string). */
  addToken(seed: TokenSeed | string): void;
  /** Stops accepting a token: later requests with it get 401 code 2. */
  revokeToken(token: string): boolean;
  /** Expires an access token now (every live one without an argument): 401 code 2 from then on. Returns how many. */
  expireAccessToken(token?: string): number;
  /** Expires a refresh token now (every live one without an argument): refresh gets 401 code 283. Returns how many. */
  expireRefreshToken(token?: string): number;

  /** Writes the state file now (no-op without `dataFile`). */
  flush(): Promise<void>;
  /** Stops listening, ends open connections and writes the state file. Idempotent. */
  close(): Promise<void>;
}
