/**
 * What normalizing one identifier value gives. Rejections and `empty` are shared frozen objects: on the hot path
 * only `ok` outcomes allocate.
 */
import { REJECT_REASONS, type RejectReason } from '../identifier-types.js';

/** The value normalized to a SHA-256 to send. */
export interface NormalizedOk {
  /** Discriminant. */
  readonly status: 'ok';
  /** SHA-256 as 64 lowercase hex digits. */
  readonly hash: string;
  /** True when the input already was a SHA-256 (passed through lowercased), false when pinsync hashed it. */
  readonly prehashed: boolean;
}

/** Null, empty or all-whitespace: counted, not an error. */
export interface NormalizedEmpty {
  /** Discriminant. */
  readonly status: 'empty';
}

/** The value is not a valid identifier of its type and is never sent. */
export interface NormalizedRejected {
  /** Discriminant. */
  readonly status: 'rejected';
  /** Why, as counted in reports. */
  readonly reason: RejectReason;
}

export type NormalizeOutcome = NormalizedOk | NormalizedEmpty | NormalizedRejected;

export const EMPTY_OUTCOME: NormalizedEmpty = Object.freeze({ status: 'empty' });

const REJECTED = Object.fromEntries(
  REJECT_REASONS.map((reason) => [reason, Object.freeze({ status: 'rejected', reason })]),
) as unknown as Readonly<Record<RejectReason, NormalizedRejected>>;

/** The shared outcome object for a rejection. */
export function rejectedOutcome(reason: RejectReason): NormalizedRejected {
  return REJECTED[reason];
}
