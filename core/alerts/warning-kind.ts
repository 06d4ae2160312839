/**
 * Report warnings are sentences; alerts need to know which ones are the same warning as last run's, so that
 * `repeat: first` sends a warning once and not on every hourly run while it lasts. A warning's kind is its
 * known category, or its wording with the numbers and ids taken out.
 */

// The categories issue 11 §4 names; anything else is keyed by its wording.
const KINDS: readonly [string, RegExp][] = [
  ['token-expiring', /\b(refresh|access) token\b.*\bexpire[sd]?\b/i],
  ['counters-mismatch', /counters disagree/i],
  ['audience-too-small', /audience was not created yet|at least 100 matched users|TOO_SMALL/i],
  ['dbt', /^dbt\b|dbt tests?\b/i],
  ['skipped-overlap', /skipped\b.*\b(still running|overlap)/i],
];

/** A stable key for a warning sentence: its category, or its wording with digits and quoted values dropped. */
export function warningKind(warning: string): string {
  for (const [kind, pattern] of KINDS) if (pattern.test(warning)) return kind;
  return `other:${warning.replace(/\d+/g, '#').replace(/'[^']*'|"[^"]*"/g, '…').slice(0, 80)}`;
}
