/**
 * `GET /v5/user_account`: the token's user, or with `ad_account_id` (Business Access) the owner of that ad account.
 * It needs `user_accounts:read`, which a token with only `ads:*` scopes lacks (401 code 3).
 */

import { adAccountNotFound, badPathParam, userAccountForbidden } from '../api-errors.js';
import { accountJson } from '../response-builders.js';
import type { RouteDef } from '../route-table.js';

export const userAccountRoutes: RouteDef[] = [
  {
    method: 'GET',
    pattern: '/v5/user_account',
    operationId: 'user_account/get',
    category: 'org_read',
    scope: 'user_accounts:read',
    auth: 'bearer',
    clientCredentials: true,
    body: 'none',
    handler: (ctx) => {
      const adAccountId = ctx.req.query.get('ad_account_id');
      if (adAccountId === null) {
        const { userId, username, adAccountIds } = ctx.auth;
        return { status: 200, body: accountJson({ userId, username, adAccountIds: [...adAccountIds] }) };
      }
      // Same pattern and wording as path ids (`query_ad_account_id` has the same schema).
      if (!/^\d{1,18}$/.test(adAccountId)) throw badPathParam('ad_account_id', adAccountId);
      const account = ctx.store.adAccount(adAccountId);
      if (account === undefined) throw adAccountNotFound();
      if (!ctx.auth.adAccountIds.has(adAccountId)) throw userAccountForbidden();
      const owner = ctx.options.users.get(account.ownerUserId) ?? { userId: account.ownerUserId, username: account.ownerUsername, adAccountIds: [] };
      return { status: 200, body: accountJson(owner) };
    },
  },
];
