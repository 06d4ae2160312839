/**
 * The page a user opens to grant pinsync access (reference/pinterest-api.md §1: `authorizationUrl`, scopes joined
 * with commas). Pinterest then redirects to `redirect_uri?code=…&state=…`; the code goes to `pinsync auth exchange`.
 */
import { randomBytes } from 'node:crypto';

/** Pinterest's authorization page. */
export const PINTEREST_AUTHORIZE_URL = 'https://www.pinterest.com/oauth/';

/** What syncing customer lists and audiences needs (reads and writes of ads objects). */
export const PINSYNC_SCOPES: readonly string[] = ['ads:read', 'ads:write'];

/**
 * Used when `--redirect-uri` is not given. It must be one of the redirect URIs registered for the app; nothing has
 * to listen there, since the user copies the code from the browser's address bar.
 */
export const DEFAULT_REDIRECT_URI = 'http://localhost:8085/';

/** Parameters of the authorization URL. */
export interface AuthorizeUrlParams {
  /** The app's client id. */
  clientId: string;
  /** Where Pinterest sends the user back; must match the app's registration and the later code exchange. */
  redirectUri: string;
  /** Anti-CSRF value Pinterest echoes back; compare it with the redirect's `state`. */
  state: string;
  /** Scopes to request; default `PINSYNC_SCOPES`. */
  scopes?: readonly string[];
}

export function buildAuthorizeUrl(params: AuthorizeUrlParams): string {
  const scope = (params.scopes ?? PINSYNC_SCOPES).map(encodeScope).join(',');
  const query = [
    'response_type=code',
    `client_id=${encodeURIComponent(params.clientId)}`,
    `redirect_uri=${encodeURIComponent(params.redirectUri)}`,
    // Left readable (`ads:read,ads:write`) as in Pinterest's own examples: `:` and `,` are legal in a query.
    `scope=${scope}`,
    `state=${encodeURIComponent(params.state)}`,
  ];
  return `${PINTEREST_AUTHORIZE_URL}?${query.join('&')}`;
}

function encodeScope(scope: string): string {
  return encodeURIComponent(scope).replace(/%3A/gi, ':');
}

/** 128 random bits, URL-safe. */
export function randomOAuthState(): string {
  return randomBytes(16).toString('base64url');
}
