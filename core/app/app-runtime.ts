/**
 * The connectors the application layer (core/app/run-syncs.ts) runs syncs with, as one injected object: core names
 * what it needs, connectors/runtime/create-runtime.ts provides it. The CLI creates one per command and
 * `pinsync schedule` one for its whole lifetime, so whatever the connectors share between syncs (Pinterest pacing
 * budgets, OAuth refreshes) lives on that object rather than in module-level registries.
 */
import type { LoadedConfig } from '../config/load-config.js';
import type { WarehouseConfig } from '../config/warehouse-schema.js';
import type { AudienceDestination } from '../destination.js';
import type { Logger } from '../logger.js';
import type { StateStore } from '../state-store.js';
import type { SyncReport } from '../sync-report.js';
import type { Warehouse } from '../warehouse.js';

/** A destination a run opened and closes once its sync is done. */
export interface OpenDestination extends AudienceDestination {
  /** Releases its connections. */
  close(): Promise<void>;
}

/** What createDestination needs besides the config. */
export interface DestinationContext {
  /** Tokens are read from here and refreshed tokens persisted here. */
  state: StateStore;
  /** Requests, retries, refreshes. */
  logger: Logger;
  /** The config file as the user typed it, for re-authorization messages. */
  configLabel: string;
}

/** The connectors behind runSyncs. Every method may throw a PinsyncError, which ends the whole run. */
export interface AppRuntime {
  /** Opens the configured state store; `planOnly` never creates or changes anything. The caller closes it. */
  openState(config: LoadedConfig, opts: { planOnly: boolean }): Promise<StateStore>;
  /** Builds the connector of a configured warehouse; the caller closes it. */
  createWarehouse(name: string, config: WarehouseConfig): Promise<Warehouse>;
  /** Builds the client of `destinations.<name>`, sharing this runtime's pacing and OAuth state. */
  createDestination(config: LoadedConfig, name: string, ctx: DestinationContext): OpenDestination;
  /** Before the state is opened: the credentials `destinations.<name>` needs are set (exit 2 naming them if not). */
  assertCredentialsSet(config: LoadedConfig, name: string, configLabel: string): void;
  /** Before anything is read: there is a token for `destinations.<name>` in the state or the config. */
  assertAuthorized(config: LoadedConfig, name: string, state: StateStore, configLabel: string): Promise<void>;
  /** Sends the alerts of finished runs; resolves with the reports (delivery warnings noted); never throws. */
  notifyAlerts(config: LoadedConfig, reports: readonly SyncReport[], ctx: { state: StateStore | undefined; logger: Logger }): Promise<SyncReport[]>;
}
