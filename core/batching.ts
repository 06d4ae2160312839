/**
 * Batch sizing. Every record pinsync sends is a 64-hex SHA-256 digest joined by commas, so a batch's body size is
 * known from its record count: 65 bytes per record plus the JSON envelope.
 */

/** Bytes one record adds to the `records` string: 64 hex digits and a comma. */
export const BYTES_PER_RECORD = 65;
/** Room for `{"operation_type":"REMOVE","records":""}` and a list name on create. */
const ENVELOPE_BYTES = 1024;

export interface BatchLimits {
  /** Most records per request. */
  maxRecords: number;
  /** Most bytes per request body. */
  maxBytes: number;
}

/** Records per request that respects both limits (at least 1). */
export function recordsPerBatch(limits: BatchLimits): number {
  const byBytes = Math.floor((limits.maxBytes - ENVELOPE_BYTES) / BYTES_PER_RECORD);
  return Math.max(1, Math.min(limits.maxRecords, byBytes));
}
