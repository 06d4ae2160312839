/**
 * Pinterest's JSON → the shapes core uses. Lenient on purpose: the spec types counters as `number`, marks most
 * fields optional, and Pinterest adds fields between releases, so we read what we need, coerce it to integers and
 * strings, and reject only a missing id (without it the object is useless).
 */
import type { AudienceInfo, CustomerListInfo } from '../../../core/destination.js';

/** The ad account fields pinsync shows when validating a config. */
export interface AdAccountInfo {
  /** Digit-string id. */
  id: string;
  /** Account name, when Pinterest returned one. */
  name: string | undefined;
  /** ISO-3166 alpha-2 country. */
  country: string | undefined;
  /** ISO-4217 currency. */
  currency: string | undefined;
  /** Username of the owning Pinterest account. */
  ownerUsername: string | undefined;
  /** Business Access roles of the token's user on this account (e.g. OWNER, AUDIENCE_MANAGER). */
  permissions: string[];
}

/** A page of a list endpoint: `{items, bookmark}`. */
export interface PinterestPage {
  /** Raw items of this page. */
  items: unknown[];
  /** Cursor for the next page; undefined on the last page. */
  bookmark: string | undefined;
}

/** Thrown when a 2xx body lacks what we need; the client wraps it with the call's context. */
export class UnexpectedResponseError extends Error {}

function record(raw: unknown, what: string): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UnexpectedResponseError(`expected a ${what} object, got ${raw === null ? 'null' : typeof raw}`);
  }
  return raw as Record<string, unknown>;
}

// Ids are digit strings in the spec; a JSON number is tolerated in case a proxy or an older release sends one.
function requiredId(obj: Record<string, unknown>, what: string): string {
  const id = obj.id;
  if (typeof id === 'string' && id !== '') return id;
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  throw new UnexpectedResponseError(`the ${what} has no id`);
}

function optionalString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

// The spec types counters as `number`; we promise integers, and 0 for a missing counter keeps arithmetic safe.
function integer(value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** Maps a `CustomerList` object. */
export function toCustomerListInfo(raw: unknown): CustomerListInfo {
  const obj = record(raw, 'customer list');
  return {
    id: requiredId(obj, 'customer list'),
    name: optionalString(obj.name) ?? '',
    status: optionalString(obj.status) ?? 'UNKNOWN',
    numUploadedUserRecords: integer(obj.num_uploaded_user_records),
    numRemovedUserRecords: integer(obj.num_removed_user_records),
    numBatches: integer(obj.num_batches),
  };
}

/** Maps an `Audience` object; `size` stays null while Pinterest hides it. */
export function toAudienceInfo(raw: unknown): AudienceInfo {
  const obj = record(raw, 'audience');
  const rule = typeof obj.rule === 'object' && obj.rule !== null ? (obj.rule as Record<string, unknown>) : {};
  const size = obj.size === null || obj.size === undefined ? null : integer(obj.size);
  return {
    id: requiredId(obj, 'audience'),
    name: optionalString(obj.name) ?? '',
    status: optionalString(obj.status) ?? 'UNKNOWN',
    size,
    customerListId: optionalString(rule.customer_list_id),
  };
}

/** Maps an `AdAccount` object. */
export function toAdAccountInfo(raw: unknown): AdAccountInfo {
  const obj = record(raw, 'ad account');
  const owner = typeof obj.owner === 'object' && obj.owner !== null ? (obj.owner as Record<string, unknown>) : {};
  return {
    id: requiredId(obj, 'ad account'),
    name: optionalString(obj.name),
    country: optionalString(obj.country),
    currency: optionalString(obj.currency),
    ownerUsername: optionalString(owner.username),
    permissions: Array.isArray(obj.permissions) ? obj.permissions.filter((p): p is string => typeof p === 'string') : [],
  };
}

/** Maps a `Paginated` body; a null, empty or absent bookmark ends the pagination. */
export function toPage(raw: unknown): PinterestPage {
  const obj = record(raw, 'page');
  if (!Array.isArray(obj.items)) throw new UnexpectedResponseError('the page has no items array');
  const bookmark = typeof obj.bookmark === 'string' && obj.bookmark !== '' ? obj.bookmark : undefined;
  return { items: obj.items, bookmark };
}
