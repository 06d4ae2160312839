/**
 * Value formatting shared by every renderer. Fixed to en-US grouping and UTC so that output does not depend on the
 * machine's locale or time zone (cron hosts, CI runners and laptops must print the same report).
 */

const COUNT_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `12345` → `12,345`; null/undefined → `-`. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  return COUNT_FORMAT.format(n);
}

/** Human duration: `850 ms`, `3.2 s`, `2m 05s`, `1h 02m`; null → `-`. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${minutes}m ${String(seconds).padStart(2, '0')}s`;
}

/** ISO-8601 UTC to the second (`2024-05-01T12:00:00Z`); unparseable or missing → `-`. */
export function formatUtc(value: Date | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return typeof value === 'string' ? value : '-';
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Collapses whitespace (a multi-line error must not break a one-line-per-row table). */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cuts `text` to `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Keeps only values that look like lowercase SHA-256 hex. Samples are meant to be hashes already; this is the last
 * line of defence for the "raw identifiers never reach a report" invariant, so a bug upstream prints nothing rather
 * than an email address.
 */
export function onlyHashes(values: readonly string[]): string[] {
  return values.filter((v) => SHA256_HEX.test(v));
}

/** `+600` / `-100` for a count with a direction, but a bare `0`: `-0` reads like a typo. */
export function formatSigned(sign: '+' | '-', n: number): string {
  return n === 0 ? '0' : `${sign}${formatCount(n)}`;
}

/** A signed change with its own sign: `+1,200`, `-850,000`, `0`. */
export function formatChange(n: number): string {
  return n > 0 ? formatSigned('+', n) : formatSigned('-', -n);
}

const BYTE_UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** Bytes in binary units, about three significant figures: `512 bytes`, `1.50 GiB`, `12.3 TiB`; missing → `-`. */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n) || n < 0) return '-';
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  if (unit === 0) return `${formatCount(value)} bytes`;
  const digits = value < 10 ? 2 : value < 100 ? 1 : 0;
  return `${value.toFixed(digits).replace(/\.0+$|(\.\d*?)0+$/, '$1')} ${BYTE_UNITS[unit]}`;
}
