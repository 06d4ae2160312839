/**
 * Version of the identifier normalization rules (DESIGN §3). It is stored with every acknowledged membership: hashes
 * made under other rules would not match, so a sync refuses to diff across versions until `--full-resync`.
 * Bump it whenever any rule changes what a value normalizes to, in TypeScript or in any engine's SQL.
 */
export const NORMALIZATION_VERSION = 1;
