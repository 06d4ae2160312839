/**
 * Bookmark pagination as Pinterest's list endpoints do it: `page_size` 1–250 (default 25), `order` by id, an opaque
 * `bookmark` cursor, and `bookmark: null` on the last page. The cursor is base64url of the last id served (an
 * emulator choice; real bookmarks are opaque), so a page boundary stays stable while items are added.
 */

import { badQueryParam, pageSizeNotNumeric } from './api-errors.js';
import { compareIds } from './emulator-store.js';

export const ORDERS = ['ASCENDING', 'DESCENDING'] as const;
export type Order = (typeof ORDERS)[number];

/** Parsed paging parameters. */
export interface PageRequest {
  /** Items per page. */
  pageSize: number;
  /** Sort order by id. */
  order: Order;
  /** Id of the last item already served, from the bookmark. */
  after: string | undefined;
}

/** Reads `page_size`, `order` (when the endpoint has it) and `bookmark`; throws 400 code 1 on bad values. */
export function parsePageRequest(query: URLSearchParams, opts: { allowOrder: boolean }): PageRequest {
  const rawSize = query.get('page_size');
  let pageSize = 25;
  if (rawSize !== null) {
    if (!/^[+-]?\d+$/.test(rawSize.trim())) throw pageSizeNotNumeric(rawSize);
    pageSize = Number(rawSize);
    if (pageSize < 1 || pageSize > 250) throw badQueryParam('page_size', 'must be between 1 and 250', rawSize);
  }

  let order: Order = 'ASCENDING';
  const rawOrder = query.get('order');
  if (opts.allowOrder && rawOrder !== null) {
    if (!(ORDERS as readonly string[]).includes(rawOrder)) {
      throw badQueryParam('order', `must be one of ${ORDERS.join(', ')}`, rawOrder);
    }
    order = rawOrder as Order;
  }

  const rawBookmark = query.get('bookmark');
  let after: string | undefined;
  if (rawBookmark !== null && rawBookmark !== '') {
    after = decodeBookmark(rawBookmark);
    if (after === undefined) throw badQueryParam('bookmark', 'is not a bookmark this API returned', rawBookmark);
  }
  return { pageSize, order, after };
}

export function encodeBookmark(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/** The id inside a bookmark, or undefined when it is not one of ours. */
export function decodeBookmark(bookmark: string): string | undefined {
  const id = Buffer.from(bookmark, 'base64url').toString('utf8');
  return /^\d{1,18}$/.test(id) && encodeBookmark(id) === bookmark.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')
    ? id
    : undefined;
}

/** One page of `ascending` (items sorted by ascending id) and the bookmark for the next page. */
export function paginate<T>(ascending: readonly T[], idOf: (item: T) => string, page: PageRequest): { items: T[]; bookmark: string | null } {
  const ordered = page.order === 'ASCENDING' ? ascending : [...ascending].reverse();
  let start = 0;
  if (page.after !== undefined) {
    const after = page.after;
    // Position after the bookmark's id even if that item has since gone away (removed audience).
    const beyond = page.order === 'ASCENDING' ? (id: string) => compareIds(id, after) > 0 : (id: string) => compareIds(id, after) < 0;
    start = ordered.findIndex((item) => beyond(idOf(item)));
    if (start === -1) start = ordered.length;
  }
  const items = ordered.slice(start, start + page.pageSize);
  const more = start + page.pageSize < ordered.length;
  const last = items[items.length - 1];
  return { items, bookmark: more && last !== undefined ? encodeBookmark(idOf(last)) : null };
}
