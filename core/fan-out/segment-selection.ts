/**
 * `--select segment:NAME` / `--exclude segment:NAME`: which segments of a segment sync run. NAME is a segment value
 * (`segment:vip_2024`, in every segment sync) or a sub-sync name (`segment:segments/vip_2024`, in that sync only);
 * `--sync segments/vip_2024` (the name messages and `runs` show) is the same as the latter.
 * Segment values are only known once the query ran, so a NAME is checked against the config (some sync must have
 * `segments:`), not against the data; the report says when a selected segment yielded no rows.
 */
import type { SyncConfig } from '../config/config-schema.js';
import type { Selection } from '../dbt/select-syncs.js';
import { UsageError } from '../errors.js';

/** The segments a selection picks; `only` undefined: every segment not excluded. */
export interface SegmentFilter {
  /** Selected values or `sync/value` names; undefined when no `segment:` selector was given. */
  only: ReadonlySet<string> | undefined;
  /** Excluded values or `sync/value` names. */
  exclude: ReadonlySet<string>;
}

/**
 * The segments `--select`/`--exclude` name with `segment:`, and the segment sub-syncs named like syncs
 * (`--sync segments/vip_2024`, `--select segments/vip_2024`): the name every message and `runs` show for a segment.
 */
export function segmentFilterOf(selection: Selection): SegmentFilter {
  const only = segmentArgs([...(selection.select ?? []), ...(selection.sync ?? [])]);
  return { only: only.size > 0 ? only : undefined, exclude: segmentArgs(selection.exclude ?? []) };
}

/**
 * Whether segment `value` of sync `syncName` runs under this filter. A selection restricts a sync's segments only
 * when it names a bare segment value or one of that sync's `sync/value` names; a sync named whole runs them all.
 */
export function segmentSelected(filter: SegmentFilter, syncName: string, value: string): boolean {
  const named = (set: ReadonlySet<string>) => set.has(value) || set.has(`${syncName}/${value}`);
  if (named(filter.exclude)) return false;
  if (filter.only === undefined) return true;
  const restricts = [...filter.only].some((entry) => !entry.includes('/') || entry.startsWith(`${syncName}/`));
  return !restricts || named(filter.only);
}

/** The segment sync a sub-sync name (`segments/vip_2024`) belongs to, when the config has one by that prefix. */
export function segmentParentOf(syncs: readonly SyncConfig[], name: string): SyncConfig | undefined {
  const slash = name.indexOf('/');
  if (slash <= 0 || slash === name.length - 1) return undefined;
  return syncs.find((s) => s.segments !== undefined && s.name === name.slice(0, slash));
}

/**
 * The syncs a `segment:ARG` atom picks (select-syncs.ts): every segment sync, or the one ARG's `sync/` prefix names.
 * In `--exclude` it picks none: excluding a segment must not exclude its sync.
 */
export function segmentSyncsFor(syncs: readonly SyncConfig[], arg: string, flag: string, atom: string): SyncConfig[] {
  const segmented = syncs.filter((s) => s.segments !== undefined);
  if (segmented.length === 0) throw new UsageError(`${flag} ${atom}: no sync has segments: in the config`);
  const slash = arg.indexOf('/');
  const hits = slash < 0 ? segmented : segmented.filter((s) => s.name === arg.slice(0, slash));
  if (hits.length === 0) throw new UsageError(`${flag} ${atom}: no segment sync is named "${arg.slice(0, slash)}"; segment syncs: ${segmented.map((s) => s.name).join(', ')}`);
  return flag === '--exclude' ? [] : hits;
}

// `segment:NAME` atoms, and plain `sync/value` atoms (a segment named like a sync).
function segmentArgs(values: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const value of values) {
    for (const atom of value.split(/[\s,]+/)) {
      if (atom.startsWith('segment:') && atom.length > 'segment:'.length) out.add(atom.slice('segment:'.length));
      else if (!atom.includes(':') && atom.includes('/')) out.add(atom);
    }
  }
  return out;
}
