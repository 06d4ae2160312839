/**
 * Audiences: only CUSTOMER_LIST audiences are emulated, since that is the only kind pinsync creates.
 */

import {
  audienceNotFound,
  audienceTooSmall,
  customerListNotFound,
  invalidAudienceParameters,
  invalidRequest,
} from '../api-errors.js';
import { AUDIENCE_OPERATIONS, AUDIENCE_TYPES, type AudienceEntity, type CustomerListEntity } from '../emulator-entities.js';
import { paginate, parsePageRequest } from '../pagination.js';
import { audienceJson, paginatedJson } from '../response-builders.js';
import type { RouteContext, RouteDef } from '../route-table.js';
import { bodyObject, enumField, optionalObject, optionalString, requiredString } from '../request-validation.js';

const LIST_PATTERN = '/v5/ad_accounts/{ad_account_id}/audiences';
const ONE_PATTERN = `${LIST_PATTERN}/{audience_id}`;
const DIGITS = /^\d{1,18}$/;

/** The body's optional `ad_account_id` must look like one; the path's id is the one that counts. */
function checkBodyAdAccountId(body: Record<string, unknown>): void {
  const value = body.ad_account_id;
  if (value !== undefined && (typeof value !== 'string' || !DIGITS.test(value))) {
    throw invalidRequest(`'ad_account_id' must match the pattern: ^\\d+$`);
  }
}

/** The list a CUSTOMER_LIST rule points at; 400 for a malformed id, 404 for one not in this ad account. */
function ruleList(ctx: RouteContext, rule: Record<string, unknown>): CustomerListEntity {
  const id = rule.customer_list_id;
  if (id === undefined || id === null) throw invalidRequest(`'rule.customer_list_id' is required for CUSTOMER_LIST audiences.`);
  if (typeof id !== 'string' || !DIGITS.test(id)) throw invalidRequest(`'rule.customer_list_id' must match the pattern: ^\\d+$`);
  const list = ctx.store.findList(ctx.adAccount!.id, id);
  if (list === undefined) throw customerListNotFound();
  return list;
}

function findAudience(ctx: RouteContext): AudienceEntity {
  const audience = ctx.store.findAudience(ctx.adAccount!.id, ctx.req.params.audience_id!);
  if (audience === undefined) throw audienceNotFound();
  return audience;
}

export const audienceRoutes: RouteDef[] = [
  {
    method: 'POST',
    pattern: LIST_PATTERN,
    operationId: 'audiences/create',
    category: 'ads_write',
    scope: 'ads:write',
    auth: 'bearer',
    clientCredentials: false,
    body: 'json',
    handler: (ctx) => {
      const body = bodyObject(ctx.req.body);
      checkBodyAdAccountId(body);
      const name = requiredString(body, 'name', { nonEmpty: true });
      const audienceType = enumField(body, 'audience_type', AUDIENCE_TYPES);
      const rule = optionalObject(body, 'rule');
      if (rule === undefined) throw invalidRequest(`'rule' is required.`);
      const description = optionalString(body, 'description', { nullable: true }) ?? null;
      if (audienceType !== 'CUSTOMER_LIST') {
        throw invalidRequest(`the emulator only supports CUSTOMER_LIST audiences (audience_type was ${audienceType}).`);
      }
      const list = ruleList(ctx, rule);
      const { audienceMinMatched, refuseSmallAudiences } = ctx.options;
      if (refuseSmallAudiences && (!list.settledOnce || list.matchedAtSettle < audienceMinMatched)) {
        throw audienceTooSmall(list.id, audienceMinMatched, list.settledOnce ? list.matchedAtSettle : undefined);
      }
      const audience = ctx.store.createAudience({
        adAccountId: ctx.adAccount!.id,
        name,
        description,
        audienceType,
        rule: { customer_list_id: list.id },
        customerListId: list.id,
      });
      ctx.applied = true;
      return { status: 200, body: audienceJson(audience) };
    },
  },
  {
    method: 'GET',
    pattern: LIST_PATTERN,
    operationId: 'audiences/list',
    category: 'ads_read',
    scope: 'ads:read',
    auth: 'bearer',
    clientCredentials: true,
    body: 'none',
    handler: (ctx) => {
      const ownership = ctx.req.query.get('ownership_type') ?? 'OWNED';
      if (ownership !== 'OWNED' && ownership !== 'RECEIVED') throw invalidAudienceParameters();
      const page = parsePageRequest(ctx.req.query, { allowOrder: true });
      // Nothing is ever shared with the emulator's users, so RECEIVED is always empty.
      const all = ownership === 'OWNED' ? ctx.store.audiencesOf(ctx.adAccount!.id) : [];
      const { items, bookmark } = paginate(all, (a) => a.id, page);
      return { status: 200, body: paginatedJson(items.map(audienceJson), bookmark) };
    },
  },
  {
    method: 'GET',
    pattern: ONE_PATTERN,
    operationId: 'audiences/get',
    category: 'ads_read',
    scope: 'ads:read',
    auth: 'bearer',
    clientCredentials: true,
    body: 'none',
    handler: (ctx) => ({ status: 200, body: audienceJson(findAudience(ctx)) }),
  },
  {
    method: 'PATCH',
    pattern: ONE_PATTERN,
    operationId: 'audiences/update',
    category: 'ads_write',
    scope: 'ads:write',
    auth: 'bearer',
    clientCredentials: false,
    body: 'json',
    handler: (ctx) => {
      const body = bodyObject(ctx.req.body);
      checkBodyAdAccountId(body);
      const op = enumField(body, 'operation_type', AUDIENCE_OPERATIONS, 'UPDATE');
      const name = optionalString(body, 'name', { nonEmpty: true }) ?? undefined;
      const description = optionalString(body, 'description', { nullable: true });
      const rule = optionalObject(body, 'rule');
      const audience = findAudience(ctx);
      if (op === 'REMOVE') {
        ctx.store.removeAudience(audience);
      } else {
        const list = rule === undefined ? undefined : ruleList(ctx, rule);
        ctx.store.updateAudience(audience, {
          name,
          description,
          ...(list === undefined ? {} : { rule: { customer_list_id: list.id }, customerListId: list.id }),
        });
      }
      ctx.applied = true;
      return { status: 200, body: audienceJson(audience) };
    },
  },
];
