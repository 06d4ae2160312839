/**
 * Which `list_type` a new customer list is created with. Pinterest's create takes one list type, yet accepts "any
 * combination of emails, MAIDs, or IDFAs" in its records (reference/pinterest-api.md §2.1): the type is chosen from
 * the identifier families that actually have valid values in the run that creates the list, and is fixed from then
 * on (Pinterest has no way to change it, and lists cannot be read back). The rule, in order:
 * - any email present: EMAIL (Pinterest's default list_type);
 * - only mobile advertising ids of Android (GAID/AAID): MAID;
 * - only IDFAs: IDFA;
 * - MAIDs and IDFAs without emails: EMAIL. This one is pinsync's assumption, not the API description's (which only
 *   says records may be any combination): the default type for mixed records rather than guessing whether a MAID
 *   list matches IDFAs; two lists would break "one sync = one list".
 * With explicit actions the families are those of rows marked add (core/ingest-rows.ts addFamilies).
 */
import { familyOf, type IdentifierFamily, type IdentifierType } from './identifier-types.js';
import type { ColumnStats } from './sync-report.js';

/** The list types pinsync creates lists with (Pinterest's UserListType also has LR_ID, DLX_ID and HASHED_PINNER_ID). */
export type ListType = 'EMAIL' | 'IDFA' | 'MAID';

/** The list type for records of these families (see the module comment for the rule). */
export function listTypeFor(families: readonly IdentifierFamily[]): ListType {
  const distinct = new Set(families);
  if (distinct.size === 1 && distinct.has('maid')) return 'MAID';
  if (distinct.size === 1 && distinct.has('idfa')) return 'IDFA';
  return 'EMAIL';
}

/** The list type with the reason a report shows for it. */
export function listTypeChoice(families: readonly IdentifierFamily[]): { listType: ListType; listTypeReason: string } {
  const distinct = [...new Set(families)].sort();
  const listType = listTypeFor(distinct);
  const present = distinct.length === 0 ? 'no identifier' : `${distinct.join(', ')} identifiers`;
  const why =
    listType === 'MAID'
      ? 'only Android advertising ids (GAID/AAID) have valid values'
      : listType === 'IDFA'
        ? 'only IDFAs have valid values'
        : distinct.includes('email')
          ? `emails are present (${present})`
          : `${present} are mixed without emails; an EMAIL list takes any combination`;
  return { listType, listTypeReason: why };
}

/**
 * The families with at least one valid value in this run (hashed or prehashed), in column order; the configured
 * columns' families when none has one (a run without adds creates no list, so that is never what decides).
 */
export function presentFamilies(columns: readonly { type: IdentifierType }[], stats: readonly ColumnStats[]): IdentifierFamily[] {
  const present = stats.filter((c) => c.hashed + c.prehashed > 0).map((c) => familyOf(c.type));
  return present.length > 0 ? present : columns.map((c) => familyOf(c.type));
}
