/**
 * The JSON objects the emulator puts on the wire, one builder per schema of pinterest-v5-openapi.json
 * (`CustomerList`, `Audience`, `AdAccount`, `Paginated`, `Account`, `OauthAccessTokenResponse`). Keeping them
 * together means schema validation of every success body only has to look here.
 */

import type { AdAccountEntity, AudienceEntity, CustomerListEntity } from './emulator-entities.js';
import type { UserIdentity } from './emulator-options.js';
import type { GrantResult, TokenResponseType } from './oauth-authority.js';

/** `CustomerList` schema. */
export interface CustomerListJson {
  /** Associated ad account id. */
  ad_account_id: string;
  /** Unix seconds. */
  created_time: number;
  /** "Customer list errors"; Pinterest's examples show `{}`. */
  exceptions: Record<string, unknown>;
  /** Digit-string id. */
  id: string;
  /** List name. */
  name: string;
  /** Create + one per PATCH. */
  num_batches: number;
  /** Records sent with REMOVE. */
  num_removed_user_records: number;
  /** Records sent with create and ADD. */
  num_uploaded_user_records: number;
  /** PROCESSING | READY | TOO_SMALL | UPLOADING. */
  status: string;
  /** Always "customerlist". */
  type: 'customerlist';
  /** Unix seconds. */
  updated_time: number;
}

/** `Audience` schema. */
export interface AudienceJson {
  /** Ad account id. */
  ad_account_id: string;
  /** CUSTOMER_LIST, VISITOR, … */
  audience_type: string;
  /** Creating company; null for audiences made through the API. */
  created_by_company_name: string | null;
  /** Unix seconds. */
  created_timestamp: number | null;
  /** Description or null. */
  description: string | null;
  /** Digit-string id. */
  id: string;
  /** Audience name. */
  name: string;
  /** The targeting rule, e.g. `{customer_list_id}`. */
  rule: Record<string, unknown>;
  /** Matched size; null while hidden. */
  size: number | null;
  /** READY | INITIALIZING | TOO_SMALL. */
  status: string;
  /** Always "audience". */
  type: 'audience';
  /** Unix seconds. */
  updated_timestamp: number | null;
}

/** `AdAccount` schema. */
export interface AdAccountJson {
  /** ISO-3166 alpha-2. */
  country: string;
  /** Unix seconds. */
  created_time: number | null;
  /** ISO-4217. */
  currency: string;
  /** Digit-string id. */
  id: string;
  /** Display name. */
  name: string;
  /** Owning user. */
  owner: { id: string; username: string };
  /** The caller's Business Access roles on this account. */
  permissions: string[];
  /** Unix seconds. */
  updated_time: number | null;
}

/** `Paginated` schema: one page and the cursor for the next, null on the last page. */
export interface PaginatedJson<T> {
  /** The page. */
  items: T[];
  /** Opaque cursor for the next page; null when this is the last one. */
  bookmark: string | null;
}

/** `OauthAccessTokenResponse` with the fields of its `authorization_code` / `refresh_token` variants. */
export interface OauthTokenJson {
  /** The new access token (`pina_…`). */
  access_token: string;
  /** Always "bearer". */
  token_type: 'bearer';
  /** Access token lifetime in seconds. */
  expires_in: number;
  /** Granted scopes, space-separated (as Pinterest's samples show). */
  scope: string;
  /** Which grant produced the answer. */
  response_type: TokenResponseType;
  /** The (rotated) refresh token, when one is handed out. */
  refresh_token?: string;
  /** Its lifetime in seconds. */
  refresh_token_expires_in?: number;
  /** Its expiry in unix seconds. */
  refresh_token_expires_at?: number;
}

/** `Account` schema: the token user's profile as `GET /user_account` returns it. */
export interface AccountJson {
  /** PINNER or BUSINESS; the emulator's users are all business accounts (ads need one). */
  account_type: 'BUSINESS';
  /** User id (digit string). */
  id: string;
  /** Username. */
  username: string;
  /** Business name; the emulator reuses the username. */
  business_name: string | null;
  /** Boards (none in the emulator). */
  board_count: number | null;
  /** Pins (none in the emulator). */
  pin_count: number | null;
  /** Followers (none in the emulator). */
  follower_count: number | null;
  /** Accounts followed (none in the emulator). */
  following_count: number | null;
  /** Monthly views (none in the emulator). */
  monthly_views: number | null;
}

export function oauthTokenJson(grant: GrantResult): OauthTokenJson {
  const body: OauthTokenJson = {
    access_token: grant.accessToken,
    token_type: 'bearer',
    expires_in: grant.expiresInSeconds,
    scope: grant.scopes.join(' '),
    response_type: grant.responseType,
  };
  if (grant.refresh !== undefined) {
    body.refresh_token = grant.refresh.token;
    body.refresh_token_expires_in = grant.refresh.expiresInSeconds;
    body.refresh_token_expires_at = grant.refresh.expiresAtSeconds;
  }
  return body;
}

export function accountJson(user: UserIdentity): AccountJson {
  return {
    account_type: 'BUSINESS',
    id: user.userId,
    username: user.username,
    business_name: user.username,
    board_count: 0,
    pin_count: 0,
    follower_count: 0,
    following_count: 0,
    monthly_views: 0,
  };
}

export function customerListJson(list: CustomerListEntity): CustomerListJson {
  return {
    ad_account_id: list.adAccountId,
    created_time: list.createdTime,
    exceptions: {},
    id: list.id,
    name: list.name,
    num_batches: list.numBatches,
    num_removed_user_records: list.numRemovedUserRecords,
    num_uploaded_user_records: list.numUploadedUserRecords,
    status: list.status,
    type: 'customerlist',
    updated_time: list.updatedTime,
  };
}

export function audienceJson(audience: AudienceEntity): AudienceJson {
  return {
    ad_account_id: audience.adAccountId,
    audience_type: audience.audienceType,
    created_by_company_name: null,
    created_timestamp: audience.createdTimestamp,
    description: audience.description,
    id: audience.id,
    name: audience.name,
    rule: { ...audience.rule },
    size: audience.size,
    status: audience.status,
    type: 'audience',
    updated_timestamp: audience.updatedTimestamp,
  };
}

/** `permissions` depends on who asks: the owner sees OWNER, a user it is shared with sees ADMIN. */
export function adAccountJson(account: AdAccountEntity, viewerUserId: string): AdAccountJson {
  return {
    country: account.country,
    created_time: account.createdTime,
    currency: account.currency,
    id: account.id,
    name: account.name,
    owner: { id: account.ownerUserId, username: account.ownerUsername },
    permissions: [account.ownerUserId === viewerUserId ? 'OWNER' : 'ADMIN'],
    updated_time: account.createdTime,
  };
}

export function paginatedJson<T>(items: T[], bookmark: string | null): PaginatedJson<T> {
  return { items, bookmark };
}
