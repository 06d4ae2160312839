/**
 * The variant schemas that `discriminator.mapping` of `OauthAccessTokenRequest` and `OauthAccessTokenResponse` point
 * at. The spec subset in reference/ keeps the mappings but not the schemas, so without these a refresh answer
 * missing its rotated `refresh_token`, or a code exchange without `redirect_uri`, would pass. They are rebuilt from
 * reference/pinterest-api.md §4.1–4.2, which cites spec 5.23 for each field; the validator merges them under
 * `components.schemas` (the spec's own schemas win on a name clash).
 */

type Schema = Record<string, unknown>;

const str = { type: 'string' };
const int = { type: 'integer' };

export const SUPPLEMENTAL_SCHEMAS: Readonly<Record<string, Schema>> = {
  OauthAccessTokenRequestCode: {
    type: 'object',
    properties: { grant_type: { type: 'string', enum: ['authorization_code'] }, code: str, redirect_uri: str, continuous_refresh: { type: 'boolean' } },
    required: ['grant_type', 'code', 'redirect_uri'],
  },
  OauthAccessTokenRequestRefresh: {
    type: 'object',
    // refresh_on existed in 5.12–5.14 and is still sent by Pinterest's quickstart.
    properties: { grant_type: { type: 'string', enum: ['refresh_token'] }, refresh_token: str, scope: str, refresh_on: { type: 'boolean' } },
    required: ['grant_type', 'refresh_token'],
  },
  OauthAccessTokenRequestClientCredentials: {
    type: 'object',
    properties: { grant_type: { type: 'string', enum: ['client_credentials'] }, scope: str },
    required: ['grant_type', 'scope'],
  },
  OauthAccessTokenResponseCode: {
    type: 'object',
    // All three optional in 5.23.
    properties: { response_type: { type: 'string', enum: ['authorization_code'] }, refresh_token: str, refresh_token_expires_in: int, refresh_token_expires_at: int },
  },
  OauthAccessTokenResponseRefresh: {
    type: 'object',
    // Required since 5.18: every refresh rotates the refresh token.
    properties: { response_type: { type: 'string', enum: ['refresh_token'] }, refresh_token: str, refresh_token_expires_in: int, refresh_token_expires_at: int },
    required: ['refresh_token', 'refresh_token_expires_in', 'refresh_token_expires_at'],
  },
  OauthAccessTokenResponseClientCredentials: {
    type: 'object',
    properties: { response_type: { type: 'string', enum: ['client_credentials'] } },
  },
};
