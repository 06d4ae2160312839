/**
 * Identifier types a sync can map a result column to (DESIGN §1, §3). `gaid` is accepted as an alias of `maid`
 * because that is what most warehouses call the Android advertising id.
 */
export const IDENTIFIER_TYPES = ['email', 'email_sha256', 'maid', 'maid_sha256', 'idfa', 'idfa_sha256'] as const;
export type IdentifierType = (typeof IDENTIFIER_TYPES)[number];

export const IDENTIFIER_TYPE_ALIASES: Readonly<Record<string, IdentifierType>> = { gaid: 'maid', gaid_sha256: 'maid_sha256' };

/** Why a value was not sent. `empty` is counted separately from real rejections: it is not an error. */
export const REJECT_REASONS = [
  'invalid_email',
  'invalid_device_id',
  'zero_device_id',
  'invalid_sha256',
  'unsupported_hash',
  // A binary cell that is not a 32-byte digest in a *_sha256 column (binary is never text to normalize).
  'invalid_binary',
  // A cell that is not one scalar value: an array, a struct/record, a JSON object or array.
  'unsupported_value',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/**
 * Why a whole row was not read, counted beside the identifier reasons in a report's `rejected`: a row of an
 * explicit-action sync whose action is neither `add` nor `remove` (core/explicit-actions.ts). Kept apart from
 * REJECT_REASONS, which are outcomes of normalizing one identifier value.
 */
export const ROW_REJECT_REASONS = ['invalid_action'] as const;
export type RowRejectReason = (typeof ROW_REJECT_REASONS)[number];

/** Family a hashed record belongs to once normalized: what Pinterest matches it against. */
export type IdentifierFamily = 'email' | 'maid' | 'idfa';

export function familyOf(type: IdentifierType): IdentifierFamily {
  if (type.startsWith('email')) return 'email';
  if (type.startsWith('idfa')) return 'idfa';
  return 'maid';
}
