/**
 * Identifier normalization, version 1 (DESIGN §3), the reference implementation: every engine's SQL must give the
 * same outcome for the same input (test/normalize/ proves it for DuckDB). The rules are defined in JavaScript
 * terms, so this file is short: `String.prototype.trim`, `toLowerCase` and the regexes below *are* the spec.
 *
 * It runs once per value on streamed warehouses (millions of values), hence: regexes compiled once, length checks
 * before regexes, shared outcome objects for everything but `ok`, and the one-shot `crypto.hash` (about 3x faster
 * than `createHash().update().digest()` for short strings on Node 20).
 */
import { hash as oneShotHash } from 'node:crypto';
import type { IdentifierType } from '../identifier-types.js';
import { EMPTY_OUTCOME, rejectedOutcome, type NormalizeOutcome } from './normalize-outcome.js';

const HEX = /^[0-9a-fA-F]+$/;
// The email shape from DESIGN §3, with JS's `\s` (Unicode whitespace, not RE2's ASCII one).
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
// In UTF-16 code units, i.e. JS `.length`; checked before EMAIL, which also bounds the regex's backtracking.
const MAX_EMAIL_LENGTH = 254;

const INVALID_EMAIL = rejectedOutcome('invalid_email');
const INVALID_DEVICE_ID = rejectedOutcome('invalid_device_id');
const ZERO_DEVICE_ID = rejectedOutcome('zero_device_id');
const INVALID_SHA256 = rejectedOutcome('invalid_sha256');
const UNSUPPORTED_HASH = rejectedOutcome('unsupported_hash');
const INVALID_BINARY = rejectedOutcome('invalid_binary');
const UNSUPPORTED_VALUE = rejectedOutcome('unsupported_value');

function sha256Hex(s: string): string {
  // Strings hash as UTF-8. A lone surrogate (impossible from a warehouse: their text is valid UTF-8) encodes as
  // U+FFFD, as it would when bound into DuckDB.
  return oneShotHash('sha256', s, 'hex');
}

/**
 * Normalizes one value of an identifier column.
 *
 * Values: null/undefined are `empty`; strings are used as they are; a binary value (Uint8Array, Buffer) is a digest:
 * 32 bytes in a `*_sha256` column become its hex, anything else is `invalid_binary`; any other object (an array, a
 * struct, a parsed JSON object) is `unsupported_value`, never stringified into a hash; numbers, bigints, booleans
 * and Dates go through `String(v)`. Connectors hand JSON strings over unwrapped and exact decimals as text (see
 * core/warehouse.ts). Only digit strings of exactly 32, 40 or 64 characters could be accepted or told apart, and
 * those print the same in JS and in SQL casts; see connectors/duckdb/duckdb-normalization.ts.
 */
export function normalizeIdentifier(type: IdentifierType, value: unknown): NormalizeOutcome {
  if (value === null || value === undefined) return EMPTY_OUTCOME;
  if (typeof value === 'object' && !(value instanceof Date)) return nonScalarOutcome(type, value);
  const s = (typeof value === 'string' ? value : String(value)).trim();
  const n = s.length;
  if (n === 0) return EMPTY_OUTCOME;
  if (n === 64 && HEX.test(s)) return { status: 'ok', hash: s.toLowerCase(), prehashed: true };

  switch (type) {
    case 'email': {
      if ((n === 32 || n === 40) && HEX.test(s)) return UNSUPPORTED_HASH;
      const lowered = s.toLowerCase();
      if (lowered.length > MAX_EMAIL_LENGTH || !EMAIL.test(lowered)) return INVALID_EMAIL;
      return { status: 'ok', hash: sha256Hex(lowered), prehashed: false };
    }
    case 'maid':
    case 'idfa': {
      if ((n === 32 || n === 40) && HEX.test(s)) return UNSUPPORTED_HASH;
      // A UUID's lowercase is 36 ASCII characters, and only ASCII lowercases to [0-9a-f-] (asserted by
      // scripts/generate-duckdb-lowercase.ts), so any other length is invalid without lowercasing.
      if (n !== 36) return INVALID_DEVICE_ID;
      const lowered = s.toLowerCase();
      if (!UUID.test(lowered)) return INVALID_DEVICE_ID;
      if (lowered === ZERO_UUID) return ZERO_DEVICE_ID;
      return { status: 'ok', hash: sha256Hex(lowered), prehashed: false };
    }
    case 'email_sha256':
    case 'maid_sha256':
    case 'idfa_sha256':
      return INVALID_SHA256;
  }
}

function nonScalarOutcome(type: IdentifierType, value: object): NormalizeOutcome {
  if (!(value instanceof Uint8Array)) return UNSUPPORTED_VALUE;
  if (value.length !== 32 || !type.endsWith('_sha256')) return INVALID_BINARY;
  return { status: 'ok', hash: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex'), prehashed: true };
}
