/**
 * The emulator's routes as data: method, path pattern, the operation id, rate-limit category and OAuth scope that
 * the spec gives each operation (`x-ratelimit-category`, `security`), and a handler. Gates (scope, client
 * credentials, rate limits) read the metadata, so adding an endpoint is one table entry.
 */

import type { IncomingHttpHeaders } from 'node:http';

import { methodNotAllowed, routeNotFound } from './api-errors.js';
import type { AdAccountEntity } from './emulator-entities.js';
import type { ResolvedOptions } from './emulator-options.js';
import type { EmulatorStore } from './emulator-store.js';
import type { OAuthApp, OAuthAuthority } from './oauth-authority.js';
import type { AuthContext, TokenRegistry } from './token-registry.js';

/** Pinterest's rate-limit categories (`x-ratelimit-category`). */
export type RateLimitCategory = 'ads_read' | 'ads_write' | 'org_read' | 'org_write';

/** How a route authenticates: a bearer token, or (OAuth endpoints) HTTP Basic client credentials. */
export type RouteAuth = 'bearer' | 'basic';

/** How a route's request body is read: not at all, as JSON (ads endpoints), or form-urlencoded (OAuth endpoints). */
export type RouteBody = 'none' | 'json' | 'form';

/** The parts of a request a handler sees. */
export interface RouteRequest {
  /** Upper-case HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Path parameters by name (already validated as digit strings). */
  params: Readonly<Record<string, string>>;
  /** Query parameters. */
  query: URLSearchParams;
  /** Request headers. */
  headers: IncomingHttpHeaders;
  /** Parsed JSON body for `body: 'json'` routes, else undefined. */
  body: unknown;
  /** Form fields for `body: 'form'` routes, else undefined. */
  form: URLSearchParams | undefined;
  /** Raw body text. */
  rawBody: string;
}

/** Everything a handler may use. */
export interface RouteContext {
  /** The request. */
  req: RouteRequest;
  /** Who is calling: the token's user (bearer routes) or the app acting as its own user (Basic routes). */
  auth: AuthContext;
  /** The authenticated OAuth app (Basic routes), else undefined. */
  app: OAuthApp | undefined;
  /** OAuth codes, refresh tokens and token minting. */
  oauth: OAuthAuthority;
  /** The ad account of the path's `ad_account_id`, already checked for existence and access. */
  adAccount: AdAccountEntity | undefined;
  /** Emulator state. */
  store: EmulatorStore;
  /** Accepted tokens. */
  tokens: TokenRegistry;
  /** Resolved options. */
  options: ResolvedOptions;
  /** Set by handlers that changed state, for the request log. */
  applied: boolean;
}

/** A successful (or handler-built) answer. Errors are thrown as ApiError instead. */
export interface Reply {
  /** HTTP status. */
  status: number;
  /** JSON body; undefined sends no body at all (revoke's 200). */
  body: unknown;
  /** Extra headers. */
  headers?: Record<string, string>;
}

export interface RouteDef {
  /** HTTP method. */
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under the server root with `{param}` segments, e.g. `/v5/ad_accounts/{ad_account_id}`. */
  pattern: string;
  /** Operation id from the spec, e.g. `customer_lists/update`. */
  operationId: string;
  /** Rate-limit category. */
  category: RateLimitCategory;
  /** OAuth scope the token needs ('' for Basic routes, which have none). */
  scope: string;
  /** How callers authenticate. */
  auth: RouteAuth;
  /** Whether client-credentials tokens may call it (the spec lists `client_credentials` in its `security`). */
  clientCredentials: boolean;
  /** How the body is read before the handler runs (400 code 1 when a JSON body is missing or malformed). */
  body: RouteBody;
  /** Builds the answer; throws ApiError for error answers. */
  handler: (ctx: RouteContext) => Reply;
}

/** A route resolved for one request. */
export interface RouteMatch {
  /** The route. */
  route: RouteDef;
  /** Raw (unvalidated) path parameters, in path order. */
  params: [name: string, value: string][];
}

interface CompiledRoute {
  route: RouteDef;
  segments: { literal?: string; param?: string }[];
}

export class RouteTable {
  readonly #routes: CompiledRoute[];

  constructor(routes: readonly RouteDef[]) {
    this.#routes = routes.map((route) => ({
      route,
      segments: route.pattern
        .split('/')
        .filter((s) => s !== '')
        .map((s) => (s.startsWith('{') && s.endsWith('}') ? { param: s.slice(1, -1) } : { literal: s })),
    }));
  }

  /** Every route, for documentation and schema checks. */
  get routes(): readonly RouteDef[] {
    return this.#routes.map((r) => r.route);
  }

  /** Resolves a request; throws 404 for an unknown path, 405 code 5 for a known path with another method. */
  match(method: string, path: string): RouteMatch {
    const parts = path.split('/').filter((s) => s !== '');
    let pathKnown = false;
    for (const compiled of this.#routes) {
      const params = matchSegments(compiled.segments, parts);
      if (params === undefined) continue;
      pathKnown = true;
      if (compiled.route.method === method) return { route: compiled.route, params };
    }
    throw pathKnown ? methodNotAllowed() : routeNotFound(path);
  }
}

function matchSegments(segments: CompiledRoute['segments'], parts: string[]): [string, string][] | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: [string, string][] = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as CompiledRoute['segments'][number];
    const part = parts[i] as string;
    if (segment.param !== undefined) params.push([segment.param, safeDecode(part)]);
    else if (segment.literal !== part) return undefined;
  }
  return params;
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
