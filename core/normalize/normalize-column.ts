/**
 * Normalizes a whole column of a streamed batch (RowBatch is column-major) and tallies the outcomes, so the sync
 * loop does one call per column per batch instead of branching per value.
 */
import { REJECT_REASONS, type IdentifierType, type RejectReason } from '../identifier-types.js';
import { normalizeIdentifier } from './normalize-identifier.js';

/** Running totals of outcomes; pass the same object for every batch of a run to count the whole run. */
export interface NormalizeCounts {
  /** Values that gave a hash, prehashed ones included. */
  ok: number;
  /** Of `ok`, values that already were a SHA-256. */
  prehashed: number;
  /** Null, empty or all-whitespace values. */
  empty: number;
  /** Rejected values by reason; every reason is present. */
  rejected: Record<RejectReason, number>;
}

/** Zeroed counts. */
export function createNormalizeCounts(): NormalizeCounts {
  const rejected = {} as Record<RejectReason, number>;
  for (const reason of REJECT_REASONS) rejected[reason] = 0;
  return { ok: 0, prehashed: 0, empty: 0, rejected };
}

/**
 * The hash of each value, or null where the value was empty or rejected, index for index with `values` so several
 * identifier columns of one row stay aligned. Outcomes are added to `counts`.
 */
export function normalizeColumn(
  type: IdentifierType,
  values: ArrayLike<unknown>,
  counts: NormalizeCounts = createNormalizeCounts(),
): (string | null)[] {
  const n = values.length;
  const hashes = new Array<string | null>(n);
  let ok = 0;
  let prehashed = 0;
  let empty = 0;
  for (let i = 0; i < n; i++) {
    const outcome = normalizeIdentifier(type, values[i]);
    if (outcome.status === 'ok') {
      hashes[i] = outcome.hash;
      ok++;
      if (outcome.prehashed) prehashed++;
    } else {
      hashes[i] = null;
      if (outcome.status === 'empty') empty++;
      else counts.rejected[outcome.reason]++;
    }
  }
  counts.ok += ok;
  counts.prehashed += prehashed;
  counts.empty += empty;
  return hashes;
}
