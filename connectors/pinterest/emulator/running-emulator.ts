/**
 * What `startEmulator` hands back: the addresses to point a client at, and the hooks tests use to inspect state,
 * force matching outcomes and inject faults.
 */

import type { CustomerListStatus } from './emulator-entities.js';
import type { TokenSeed } from './emulator-options.js';
import type { EmulatorFaults } from './fault-injector.js';
import type { RequestLogEntry } from './request-log.js';
import type { AudienceJson, CustomerListJson } from './response-builders.js';

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
  /** Fault injection: failNext, latency, dropNext, dropAfterApplyNext, clear. */
  readonly faults: EmulatorFaults;
  /** Every request seen so far, oldest first (live; capped by `requestLogLimit`). */
  readonly requests: readonly RequestLogEntry[];
  /** Empties `requests`. */
  clearRequests(): void;

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
  /** Moves the emulator clock forward (matching delays, timestamps). */
  advanceTime(ms: number): void;
  /** Finishes matching for every list and audience now, whatever `matchDelayMs` says. */
  settleAll(): void;
  /** Forgets all lists, audiences, logged requests and faults; configuration and the id sequence remain. */
  reset(): void;

  /** Accepts another access token (or replaces one with the same string). */
  addToken(seed: TokenSeed | string): void;
  /** Stops accepting a token: later requests with it get 401 code 2. */
  revokeToken(token: string): boolean;

  /** Writes the state file now (no-op without `dataFile`). */
  flush(): Promise<void>;
  /** Stops listening, ends open connections and writes the state file. Idempotent. */
  close(): Promise<void>;
}
