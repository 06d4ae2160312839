/**
 * Pinterest's rules about lists and audiences that core leaves to the destination: which list type a sync's
 * identifier families make, which refusal of an audience create means "too few matched users yet", and whether a
 * list's counters agree with what a run sent.
 */
import type { CounterCheck } from '../../core/destination.js';
import { DestinationError } from '../../core/errors.js';
import type { IdentifierFamily } from '../../core/identifier-types.js';
import { type ListType, listTypeFor as coreListTypeFor } from '../../core/list-type.js';

/** Pinterest's `list_type` of a customer list. */
export type PinterestListType = ListType;

/**
 * A list of only mobile ad ids is a MAID or IDFA list; anything with emails (or a mix) is an EMAIL list. The rule
 * lives in core (core/list-type.ts) because the report states the choice; this is the one the request sends.
 */
export function listTypeFor(families: readonly IdentifierFamily[]): PinterestListType {
  return coreListTypeFor(families);
}

/** An audience create refused because the list has under ~100 matched users (Pinterest says so only in words). */
export function isAudienceTooSmall(err: unknown): boolean {
  return err instanceof DestinationError && err.status === 400 && /too small|at least 100|minimum/i.test(err.message);
}

// Pinterest's counters are the only view of what it holds: lists cannot be read back. They count every record
// sent (duplicates and non-members included), so over a run they must have grown by at least what was sent; less
// means something was lost, more is explained only by replayed batches.
/** Why the list's counters disagree with what the run sent, or undefined when they agree. */
export function counterDisagreement(check: CounterCheck): string | undefined {
  const { before, after, sent, replaysPossible } = check;
  const uploaded = after.numUploadedUserRecords - (before?.numUploadedUserRecords ?? 0);
  const removed = after.numRemovedUserRecords - (before?.numRemovedUserRecords ?? 0);
  const mismatches: string[] = [];
  if (uploaded < sent.adds || (uploaded > sent.adds && !replaysPossible)) {
    mismatches.push(`num_uploaded_user_records grew by ${uploaded}, pinsync sent ${sent.adds} additions`);
  }
  if (removed < sent.removes || (removed > sent.removes && !replaysPossible)) {
    mismatches.push(`num_removed_user_records grew by ${removed}, pinsync sent ${sent.removes} removals`);
  }
  if (mismatches.length === 0) return undefined;
  return `Pinterest's counters disagree with what pinsync sent this run: ${mismatches.join('; ')} (was the list changed outside pinsync?)`;
}
