/**
 * What core needs from an audience destination (Pinterest). Batching, diffing, pacing decisions and
 * acknowledgement belong to core; the destination's own rules (list types, when an audience is too small, what its
 * counters mean) stay behind this interface.
 */
import type { IdentifierFamily } from './identifier-types.js';

export type ListOperation = 'ADD' | 'REMOVE';

/**
 * DestinationError codes core acts on (the client raises them): a batch too large to send (split it), a list or
 * audience that does not exist (deleted on Pinterest), and a create that may or may not have been applied (look
 * it up by name before creating again).
 */
export const DESTINATION_ERROR_CODES = {
  tooLarge: 'PINSYNC_PINTEREST_TOO_LARGE',
  notFound: 'PINSYNC_PINTEREST_NOT_FOUND',
  createUncertain: 'PINSYNC_PINTEREST_CREATE_UNCERTAIN',
} as const;

/** Pinterest's view of a customer list (its counters are not membership: duplicates count twice). */
export interface CustomerListInfo {
  /** Digit-string id. */
  id: string;
  /** List name. */
  name: string;
  /** PROCESSING | READY | TOO_SMALL | UPLOADING. */
  status: string;
  /** Cumulative records sent with ADD (and create), duplicates included. */
  numUploadedUserRecords: number;
  /** Cumulative records sent with REMOVE, non-members included. */
  numRemovedUserRecords: number;
  /** Number of create/PATCH calls applied to the list. */
  numBatches: number;
}

/** Pinterest's view of an audience. */
export interface AudienceInfo {
  /** Digit-string id. */
  id: string;
  /** Audience name. */
  name: string;
  /** READY | INITIALIZING | TOO_SMALL, as Pinterest reports it. */
  status: string;
  /** Matched size, null while hidden (below ~100). */
  size: number | null;
  /** The customer list the audience is built on, when it is a CUSTOMER_LIST audience. */
  customerListId: string | undefined;
}

/** Counters of the calls a destination made, for the run report. */
export interface DestinationStats {
  /** HTTP requests sent, retries included. */
  apiCalls: number;
  /** Requests that were sent again after a retryable failure. */
  retries: number;
  /** Answers that were 429 (rate limited); absent when there were none. */
  rateLimited?: number;
}

/** A list's state before and after a run, and what the run sent, for the destination to compare. */
export interface CounterCheck {
  /** The list before the run; undefined when the run created it. */
  before: CustomerListInfo | undefined;
  /** The list after the run. */
  after: CustomerListInfo;
  /** Records the run sent (and had acknowledged). */
  sent: { adds: number; removes: number };
  /** Batches may have been sent twice (retries, an adopted list), so counters may have grown by more. */
  replaysPossible: boolean;
}

export interface AudienceDestination {
  /**
   * Creates a list for identifiers of these families, holding `records` (the first batch of adds: a new list is
   * created with its first batch); returns it as the destination now sees it.
   */
  createList(req: { name: string; families: readonly IdentifierFamily[]; records: readonly string[] }, opts?: { signal?: AbortSignal }): Promise<CustomerListInfo>;
  /**
   * Applies one ADD or REMOVE batch; resolves only once Pinterest accepted it. Core may have several calls pending
   * at once (`maxInFlight`): the destination paces their start and makes a rate-limit reset hold all of them.
   */
  updateCustomerList(listId: string, op: ListOperation, records: readonly string[], opts?: { signal?: AbortSignal }): Promise<CustomerListInfo>;
  /** Reads a customer list; rejects with a DestinationError of status 404 when it does not exist. */
  getCustomerList(listId: string, opts?: { signal?: AbortSignal }): Promise<CustomerListInfo>;
  /** Every customer list of the ad account (follows bookmark pagination). */
  listCustomerLists(opts?: { signal?: AbortSignal }): Promise<CustomerListInfo[]>;
  /** Every audience the ad account owns (follows bookmark pagination). */
  listAudiences(opts?: { signal?: AbortSignal }): Promise<AudienceInfo[]>;
  /** Creates a CUSTOMER_LIST audience on the list. */
  createAudience(req: { name: string; customerListId: string; description?: string }, opts?: { signal?: AbortSignal }): Promise<AudienceInfo>;
  /** Reads an audience; rejects with a DestinationError of status 404 when it does not exist. */
  getAudience(audienceId: string, opts?: { signal?: AbortSignal }): Promise<AudienceInfo>;
  /** Whether a `createAudience` failure means the list has too few matched users yet (a later run tries again). */
  isAudienceTooSmall(err: unknown): boolean;
  /** Why the list's counters disagree with what a run sent, as a warning; undefined when they agree. */
  counterDisagreement(check: CounterCheck): string | undefined;
  /** Calls made so far by this instance. */
  stats(): DestinationStats;
}
