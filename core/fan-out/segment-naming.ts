/**
 * How a segment column's cell becomes a segment: its value as text, the sub-sync name that keys its state
 * (`<sync>/<value>`), the list name from the template, and whether the `include` globs let it through.
 */
import { SEGMENT_PLACEHOLDER } from './segments-schema.js';

/** Longest segment value kept: it becomes part of a state name and of a list name (Pinterest caps names). */
export const MAX_SEGMENT_VALUE_LENGTH = 100;

/** Why a row fed no segment. */
export type SegmentSkipReason = 'no_segment' | 'invalid_segment' | 'excluded' | 'not_selected';

/**
 * The segment a cell names, or why it names none: null/blank is `no_segment`; a value too long, with control
 * characters, or not a scalar is `invalid_segment`. Numbers and booleans are taken as their text, dates as
 * `2024-05-01` (or their full UTC time).
 */
export function segmentValueOf(cell: unknown): { value: string } | { skip: 'no_segment' | 'invalid_segment' } {
  if (cell === null || cell === undefined) return { skip: 'no_segment' };
  let text: string;
  if (typeof cell === 'string') text = cell.trim();
  else if (typeof cell === 'number' || typeof cell === 'bigint' || typeof cell === 'boolean') text = String(cell);
  // A DATE column (a monthly cohort): its day, or the full UTC time when it has one.
  else if (cell instanceof Date && !Number.isNaN(cell.getTime())) text = cell.toISOString().replace(/T00:00:00\.000Z$/, '');
  else return { skip: 'invalid_segment' };
  if (text === '') return { skip: 'no_segment' };
  // eslint-disable-next-line no-control-regex
  if (text.length > MAX_SEGMENT_VALUE_LENGTH || /[\u0000-\u001f\u007f]/.test(text)) return { skip: 'invalid_segment' };
  return { value: text };
}

/** The sub-sync a segment runs as: its state, lock and run history key (`segments/vip_2024`). */
export function segmentSyncName(syncName: string, value: string): string {
  return `${syncName}/${value}`;
}

/** The segment a sub-sync name belongs to, when it is one of this sync's. */
export function segmentOfSyncName(syncName: string, subSync: string): string | undefined {
  return subSync.startsWith(`${syncName}/`) ? subSync.slice(syncName.length + 1) : undefined;
}

/** The list and audience name of a segment. */
export function segmentListName(template: string, value: string): string {
  return template.split(SEGMENT_PLACEHOLDER).join(value);
}

/** A matcher for `include` globs (`*`, `?`); no globs lets every value through. */
export function includeMatcher(globs: readonly string[]): (value: string) => boolean {
  if (globs.length === 0) return () => true;
  const patterns = globs.map(globToRegExp);
  return (value) => patterns.some((p) => p.test(value));
}

/** `*` is any run of characters, `?` one character; everything else matches itself. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '.*';
    else if (ch === '?') source += '.';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
