/**
 * How an identifier family is stored in the `membership` table's `family` column, the same in every state engine
 * (a small integer instead of the word: the table holds one row per acknowledged record).
 */
import type { IdentifierFamily } from '../../core/identifier-types.js';

/** Stored code of each identifier family. */
export const FAMILY_CODES: Readonly<Record<IdentifierFamily, number>> = { email: 1, maid: 2, idfa: 3 };
