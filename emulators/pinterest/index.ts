/** The Pinterest API v5 emulator's public surface. */

export { startEmulator } from './emulator-server.js';
export type { EmulatorOAuth, RunningEmulator } from './running-emulator.js';
export {
  ALL_SCOPES,
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN,
  DEFAULT_TOKEN,
  type AdAccountSeed,
  type EmulatorOptions,
  type OAuthAppSeed,
  type RateLimits,
  type RefreshTokenMode,
  type RefreshTokenSeed,
  type TokenSeed,
} from './emulator-options.js';
export type {
  DropOptions,
  DropRateOptions,
  EmulatorFaults,
  ExpireTokenOptions,
  FailEveryOptions,
  FailNextOptions,
  FailRateOptions,
  FaultMatch,
  LatencyOptions,
  QuotaExhaustedOptions,
} from './fault-injector.js';
export type { Exchange, ExchangeBodyKind } from './exchange-log.js';
export {
  applyCliFaults,
  FlagError,
  parseFaultSpec,
  parseQuotaExhausted,
  parseRateLimits,
  type CliFaults,
  type FaultSpec,
} from './fault-spec.js';
export type { IssueCodeOptions } from './oauth-authority.js';
export type { RateLimitCategory } from './route-table.js';
export type { RequestLogEntry, RequestOutcome } from './request-log.js';
export type { AccountJson, AdAccountJson, AudienceJson, CustomerListJson, OauthTokenJson, PaginatedJson } from './response-builders.js';
export type { CustomerListStatus } from './emulator-entities.js';
export { MESSAGES } from './api-errors.js';
export { emulatorRoutes } from './routes/emulator-routes.js';
