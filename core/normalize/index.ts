/** Identifier normalization (DESIGN §3): the public surface of core/normalize. */
export { NORMALIZATION_VERSION } from './normalization-version.js';
export { normalizeIdentifier } from './normalize-identifier.js';
export { normalizeColumn, createNormalizeCounts, type NormalizeCounts } from './normalize-column.js';
export { decodeOutcome, encodeOutcome, PREHASHED_PREFIX } from './outcome-code.js';
export type { NormalizeOutcome, NormalizedOk, NormalizedEmpty, NormalizedRejected } from './normalize-outcome.js';
