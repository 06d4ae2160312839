/**
 * Customer lists: create with the first batch, read, list, and PATCH ADD/REMOVE batches.
 */

import { customerListNotFound, tooLarge } from '../api-errors.js';
import { LIST_OPERATIONS, LIST_TYPES } from '../emulator-entities.js';
import type { ResolvedOptions } from '../emulator-options.js';
import { paginate, parsePageRequest } from '../pagination.js';
import { customerListJson, paginatedJson } from '../response-builders.js';
import type { RouteContext, RouteDef } from '../route-table.js';
import { bodyObject, enumField, requiredString, splitRecords } from '../request-validation.js';

const LIST_PATTERN = '/v5/ad_accounts/{ad_account_id}/customer_lists';
const ONE_PATTERN = `${LIST_PATTERN}/{customer_list_id}`;

function checkRecordLimit(records: readonly string[], options: ResolvedOptions): void {
  if (records.length > options.maxRecordsPerRequest) {
    throw tooLarge(
      options.tooLargeStatus,
      `the request has ${records.length} records and the limit is ${options.maxRecordsPerRequest} records per request`,
    );
  }
}

function accountId(ctx: RouteContext): string {
  return ctx.adAccount!.id;
}

export const customerListRoutes: RouteDef[] = [
  {
    method: 'POST',
    pattern: LIST_PATTERN,
    operationId: 'customer_lists/create',
    category: 'ads_write',
    scope: 'ads:write',
    auth: 'bearer',
    clientCredentials: false,
    body: 'json',
    handler: (ctx) => {
      const body = bodyObject(ctx.req.body);
      const name = requiredString(body, 'name', { nonEmpty: true });
      const records = splitRecords(requiredString(body, 'records'));
      const listType = enumField(body, 'list_type', LIST_TYPES, 'EMAIL');
      checkRecordLimit(records, ctx.options);
      const list = ctx.store.createList(accountId(ctx), name, listType, records);
      ctx.applied = true;
      return { status: 200, body: customerListJson(list) };
    },
  },
  {
    method: 'GET',
    pattern: LIST_PATTERN,
    operationId: 'customer_lists/list',
    category: 'ads_read',
    scope: 'ads:read',
    auth: 'bearer',
    clientCredentials: false,
    body: 'none',
    handler: (ctx) => {
      const page = parsePageRequest(ctx.req.query, { allowOrder: true });
      const { items, bookmark } = paginate(ctx.store.listsOf(accountId(ctx)), (l) => l.id, page);
      return { status: 200, body: paginatedJson(items.map(customerListJson), bookmark) };
    },
  },
  {
    method: 'GET',
    pattern: ONE_PATTERN,
    operationId: 'customer_lists/get',
    category: 'ads_read',
    scope: 'ads:read',
    auth: 'bearer',
    clientCredentials: true,
    body: 'none',
    handler: (ctx) => {
      const list = ctx.store.findList(accountId(ctx), ctx.req.params.customer_list_id!);
      if (list === undefined) throw customerListNotFound();
      return { status: 200, body: customerListJson(list) };
    },
  },
  {
    method: 'PATCH',
    pattern: ONE_PATTERN,
    operationId: 'customer_lists/update',
    category: 'ads_write',
    scope: 'ads:write',
    auth: 'bearer',
    clientCredentials: false,
    body: 'json',
    handler: (ctx) => {
      const body = bodyObject(ctx.req.body);
      const op = enumField(body, 'operation_type', LIST_OPERATIONS);
      const records = splitRecords(requiredString(body, 'records'));
      checkRecordLimit(records, ctx.options);
      const list = ctx.store.findList(accountId(ctx), ctx.req.params.customer_list_id!);
      if (list === undefined) throw customerListNotFound();
      ctx.store.updateList(list, op, records);
      ctx.applied = true;
      return { status: 200, body: customerListJson(list) };
    },
  },
];
