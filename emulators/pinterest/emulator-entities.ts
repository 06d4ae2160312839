/**
 * The emulator's internal records. They hold more than Pinterest shows (membership, matching bookkeeping); the
 * response builders decide what goes on the wire.
 */

import type { MembershipSet } from './membership-set.js';

export const LIST_TYPES = ['EMAIL', 'IDFA', 'MAID', 'LR_ID', 'DLX_ID', 'HASHED_PINNER_ID'] as const;
export type ListType = (typeof LIST_TYPES)[number];

export const LIST_OPERATIONS = ['ADD', 'REMOVE'] as const;
export type ListOperation = (typeof LIST_OPERATIONS)[number];

export const CUSTOMER_LIST_STATUSES = ['PROCESSING', 'READY', 'TOO_SMALL', 'UPLOADING'] as const;
export type CustomerListStatus = (typeof CUSTOMER_LIST_STATUSES)[number];

export const AUDIENCE_TYPES = ['CUSTOMER_LIST', 'VISITOR', 'ENGAGEMENT', 'ACTALIKE', 'PERSONA'] as const;
export type AudienceType = (typeof AUDIENCE_TYPES)[number];

export const AUDIENCE_OPERATIONS = ['UPDATE', 'REMOVE'] as const;

/** Audience statuses Pinterest documents; the field is a free string in the spec, so tests may force others. */
export type AudienceStatus = 'READY' | 'INITIALIZING' | 'TOO_SMALL' | (string & {});

export interface AdAccountEntity {
  /** Digit-string id. */
  id: string;
  /** Display name. */
  name: string;
  /** Owning user's id. */
  ownerUserId: string;
  /** Owning user's username. */
  ownerUsername: string;
  /** ISO-3166 alpha-2 country. */
  country: string;
  /** ISO-4217 currency. */
  currency: string;
  /** Unix seconds. */
  createdTime: number;
}

export interface CustomerListEntity {
  /** Digit-string id. */
  id: string;
  /** Owning ad account. */
  adAccountId: string;
  /** List name. */
  name: string;
  /** `list_type` given at creation (not echoed by Pinterest's CustomerList object). */
  listType: ListType;
  /** Unix seconds. */
  createdTime: number;
  /** Unix seconds of the last create/PATCH. */
  updatedTime: number;
  /** Create counts as one batch; each PATCH as another. */
  numBatches: number;
  /** Records sent with create and ADD, duplicates included. */
  numUploadedUserRecords: number;
  /** Records sent with REMOVE, non-members included. */
  numRemovedUserRecords: number;
  /** Current status. */
  status: CustomerListStatus;
  /** Emulator-clock ms of the last write; matching finishes `matchDelayMs` later. */
  processingSinceMs: number;
  /** A test forced the status: automatic matching leaves it alone until the next write. */
  held: boolean;
  /** Matched members now (tracked mode: exact; counters-only mode: unused, estimated at settle). */
  matched: number;
  /** Matched members when matching last finished: what status and audience size reflect. */
  matchedAtSettle: number;
  /** Matching finished at least once since creation. */
  settledOnce: boolean;
  /** The records, or undefined when membership is not tracked. */
  members: MembershipSet | undefined;
}

export interface AudienceEntity {
  /** Digit-string id. */
  id: string;
  /** Owning ad account. */
  adAccountId: string;
  /** Audience name. */
  name: string;
  /** Description, or null when none was given. */
  description: string | null;
  /** Audience type as given at creation. */
  audienceType: AudienceType;
  /** The rule as Pinterest echoes it; for CUSTOMER_LIST `{customer_list_id}`. */
  rule: Record<string, unknown>;
  /** The list a CUSTOMER_LIST audience is built on. */
  customerListId: string | undefined;
  /** Current status. */
  status: AudienceStatus;
  /** Matched size, null while hidden (below the minimum) or unknown. */
  size: number | null;
  /** Unix seconds. */
  createdTimestamp: number;
  /** Unix seconds of the last update. */
  updatedTimestamp: number;
  /** Emulator-clock ms at creation; the audience initializes `matchDelayMs` later. */
  createdMs: number;
  /** Removed with PATCH operation_type REMOVE: invisible to the API from then on. */
  removed: boolean;
}
