/**
 * `GET /ad_accounts` and `GET /ad_accounts/{ad_account_id}`: how a client checks its token and ad account.
 */

import { badQueryParam } from '../api-errors.js';
import { paginate, parsePageRequest } from '../pagination.js';
import { adAccountJson, paginatedJson } from '../response-builders.js';
import type { RouteDef } from '../route-table.js';

export const adAccountRoutes: RouteDef[] = [
  {
    method: 'GET',
    pattern: '/v5/ad_accounts',
    operationId: 'ad_accounts/list',
    category: 'ads_read',
    scope: 'ads:read',
    auth: 'bearer',
    clientCredentials: true,
    body: 'none',
    handler: (ctx) => {
      const raw = ctx.req.query.get('include_shared_accounts');
      if (raw !== null && raw !== 'true' && raw !== 'false') {
        throw badQueryParam('include_shared_accounts', 'must be true or false', raw);
      }
      const includeShared = raw !== 'false';
      const page = parsePageRequest(ctx.req.query, { allowOrder: false });
      const visible = ctx.store
        .allAdAccounts()
        .filter((a) => ctx.auth.adAccountIds.has(a.id) && (includeShared || a.ownerUserId === ctx.auth.userId));
      const { items, bookmark } = paginate(visible, (a) => a.id, page);
      return { status: 200, body: paginatedJson(items.map((a) => adAccountJson(a, ctx.auth.userId)), bookmark) };
    },
  },
  {
    method: 'GET',
    pattern: '/v5/ad_accounts/{ad_account_id}',
    operationId: 'ad_accounts/get',
    category: 'ads_read',
    scope: 'ads:read',
    auth: 'bearer',
    clientCredentials: true,
    body: 'none',
    handler: (ctx) => ({ status: 200, body: adAccountJson(ctx.adAccount!, ctx.auth.userId) }),
  },
];
