/**
 * `POST /v5/oauth/token` and `POST /v5/oauth/token/revoke`: form-urlencoded bodies, HTTP Basic client credentials
 * (checked by the server before the handler runs), and the grant semantics of OAuthAuthority.
 */

import { invalidRequest } from '../api-errors.js';
import { parseScopes, type GrantResult } from '../oauth-authority.js';
import { oauthTokenJson } from '../response-builders.js';
import type { RouteDef } from '../route-table.js';

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
const TOKEN_TYPE_HINTS = ['access_token', 'refresh_token'] as const;

function requiredField(form: URLSearchParams, name: string): string {
  const value = form.get(name);
  if (value === null || value === '') throw invalidRequest(`'${name}' is required.`);
  return value;
}

export const oauthRoutes: RouteDef[] = [
  {
    method: 'POST',
    pattern: '/v5/oauth/token',
    operationId: 'oauth/token',
    category: 'org_read',
    scope: '',
    auth: 'basic',
    clientCredentials: true,
    body: 'form',
    handler: (ctx) => {
      const app = ctx.app!;
      const form = ctx.req.form!;
      const grantType = requiredField(form, 'grant_type');
      // continuous_refresh (code exchange) and refresh_on (refresh) are accepted and ignored: every app of the
      // emulator already behaves as its refreshTokenMode says.
      let grant: GrantResult;
      switch (grantType) {
        case 'authorization_code':
          grant = ctx.oauth.exchangeCode(app, requiredField(form, 'code'), requiredField(form, 'redirect_uri'));
          break;
        case 'refresh_token': {
          const scope = form.get('scope');
          grant = ctx.oauth.refresh(app, requiredField(form, 'refresh_token'), scope === null ? undefined : parseScopes(scope));
          break;
        }
        case 'client_credentials': {
          const scopes = parseScopes(requiredField(form, 'scope'));
          if (scopes.length === 0) throw invalidRequest(`'scope' is required.`);
          grant = ctx.oauth.clientCredentials(app, scopes);
          break;
        }
        default:
          throw invalidRequest(`'grant_type' must be one of ${GRANT_TYPES.join(', ')} (was ${JSON.stringify(grantType)}).`);
      }
      ctx.applied = true;
      return { status: 200, body: oauthTokenJson(grant) };
    },
  },
  {
    method: 'POST',
    pattern: '/v5/oauth/token/revoke',
    operationId: 'token/revoke',
    category: 'org_write',
    scope: '',
    auth: 'basic',
    clientCredentials: true,
    body: 'form',
    handler: (ctx) => {
      const form = ctx.req.form!;
      const token = requiredField(form, 'token');
      const hint = form.get('token_type_hint');
      if (hint !== null && !(TOKEN_TYPE_HINTS as readonly string[]).includes(hint)) {
        throw invalidRequest(`'token_type_hint' must be one of ${TOKEN_TYPE_HINTS.join(', ')} (was ${JSON.stringify(hint)}).`);
      }
      ctx.oauth.revoke(ctx.app!, token);
      ctx.applied = true;
      // "Successful token revocation. No content is returned."
      return { status: 200, body: undefined };
    },
  },
];
