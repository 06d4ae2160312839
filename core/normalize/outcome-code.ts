/**
 * The one-string form of a NormalizeOutcome that engine SQL returns (see sql/duckdb/normalize-v1.sql), so a
 * normalization step is a single VARCHAR column: 64 lowercase hex = ok and hashed by pinsync, `=` + 64 lowercase hex
 * = ok and prehashed, otherwise `empty` or the reject reason. Decoding it here lets tests and connectors compare
 * engine results with `normalizeIdentifier` like with like.
 */
import { REJECT_REASONS, type RejectReason } from '../identifier-types.js';
import { EMPTY_OUTCOME, rejectedOutcome, type NormalizeOutcome } from './normalize-outcome.js';

const HASH = /^[0-9a-f]{64}$/;
const REASONS: ReadonlySet<string> = new Set(REJECT_REASONS);

/** Prefix marking a prehashed value in the one-string form. */
export const PREHASHED_PREFIX = '=';

/** The one-string form of `outcome`. */
export function encodeOutcome(outcome: NormalizeOutcome): string {
  switch (outcome.status) {
    case 'ok':
      return outcome.prehashed ? PREHASHED_PREFIX + outcome.hash : outcome.hash;
    case 'empty':
      return 'empty';
    case 'rejected':
      return outcome.reason;
  }
}

/** Parses the one-string form; throws on anything no engine should produce, so a broken macro cannot pass silently. */
export function decodeOutcome(code: string): NormalizeOutcome {
  if (code.length === 64 && HASH.test(code)) return { status: 'ok', hash: code, prehashed: false };
  if (code.length === 65 && code.startsWith(PREHASHED_PREFIX)) {
    const hash = code.slice(1);
    if (HASH.test(hash)) return { status: 'ok', hash, prehashed: true };
  }
  if (code === 'empty') return EMPTY_OUTCOME;
  if (REASONS.has(code)) return rejectedOutcome(code as RejectReason);
  throw new Error(`not a normalization outcome: ${JSON.stringify(code.slice(0, 80))}`);
}
