/**
 * Decides which records "are Pinterest users". Pinterest never says which records matched, only how many; the
 * emulator needs the decision to be a pure function of the record, so that adding and later removing the same
 * record moves the matched count up and down by the same amount.
 */

import { isPackedRecord } from './membership-set.js';

/** Whether one record matches a Pinterest user. */
export type MatchPredicate = (record: string) => boolean;

const TWO_POW_32 = 0x1_0000_0000;

/**
 * `rate` of uniformly spread records match. A SHA-256 hex is uniform already, so its first 32 bits decide;
 * other strings are hashed (FNV-1a) first.
 */
export function matchRatePredicate(rate: number): MatchPredicate {
  if (rate >= 1) return () => true;
  if (rate <= 0) return () => false;
  const threshold = rate * TWO_POW_32;
  return (record) => {
    const bucket = isPackedRecord(record) ? Number.parseInt(record.slice(0, 8), 16) : fnv1a(record);
    return bucket < threshold;
  };
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
