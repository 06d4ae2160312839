/** The Pinterest API v5 emulator's public surface. */

export { startEmulator } from './emulator-server.js';
export { runEmulatorFromCli, type EmulatorCliOptions, type TextSink } from './run-emulator-cli.js';
export type { RunningEmulator } from './running-emulator.js';
export {
  ALL_SCOPES,
  DEFAULT_AD_ACCOUNT_ID,
  DEFAULT_TOKEN,
  type AdAccountSeed,
  type EmulatorOptions,
  type TokenSeed,
} from './emulator-options.js';
export type { EmulatorFaults, FailNextOptions, DropOptions, FaultMatch, LatencyOptions } from './fault-injector.js';
export type { RequestLogEntry, RequestOutcome } from './request-log.js';
export type { AdAccountJson, AudienceJson, CustomerListJson, PaginatedJson } from './response-builders.js';
export type { CustomerListStatus } from './emulator-entities.js';
export { MESSAGES } from './api-errors.js';
export { emulatorRoutes } from './routes/emulator-routes.js';
