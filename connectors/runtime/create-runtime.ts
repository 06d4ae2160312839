/**
 * The connectors behind core/app/run-syncs.ts, as one object a process creates once per CLI command, or once for
 * the whole life of `pinsync schedule`. What connectors share between syncs lives on it rather than in module-level
 * registries: the Pinterest pacing gates (one per API root and credentials), so syncs of one runtime spend one
 * quota and two runtimes (two tests, two embedded schedulers) never wait at each other's gate; and the OAuth token
 * providers, so overlapping runs of one runtime refresh a rotating token once, not once each.
 */
import type { AppRuntime, OpenDestination } from '../../core/app/app-runtime.js';
import { notifyAlerts } from '../alerts/notify-alerts.js';
import { createPinterestDestination } from '../pinterest/create-pinterest-destination.js';
import { assertPinterestAuthorized, assertPinterestCredentialsSet } from '../pinterest/oauth/pinterest-oauth-preflight.js';
import { OAuthProviderRegistry } from '../pinterest/oauth/pinterest-oauth-shared-provider.js';
import type { PacingClock } from '../pinterest/pacing/pinterest-pacing-gate.js';
import { PacingRegistry, pacingIdentity } from '../pinterest/pacing/pinterest-pacing-registry.js';
import { openStateStore } from '../state/open-state-store.js';
import { createWarehouse } from '../warehouses/create-warehouse.js';

/** How a runtime reaches its surroundings. */
export interface RuntimeOptions {
  /** Where the state's PINSYNC_STATE_* variables are read; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Clock of the pacing gates this runtime creates (tests); default the system clock. */
  pacingClock?: PacingClock;
}

/** The runtime of one process-level caller; its registries are exposed for tests and diagnostics. */
export interface PinsyncRuntime extends AppRuntime {
  /** The pacing gates every destination of this runtime waits at. */
  readonly pacing: PacingRegistry;
  /** The OAuth token providers of this runtime's destinations. */
  readonly oauth: OAuthProviderRegistry;
}

export function createRuntime(options: RuntimeOptions = {}): PinsyncRuntime {
  const env = options.env ?? process.env;
  const pacing = new PacingRegistry();
  const oauth = new OAuthProviderRegistry();
  return {
    pacing,
    oauth,
    openState: (config, { planOnly }) => openStateStore(config.state, { planOnly, env }),
    createWarehouse,
    createDestination(config, name, ctx): OpenDestination {
      const destination = config.destinations[name]!;
      return createPinterestDestination(destination, {
        state: ctx.state,
        logger: ctx.logger,
        name,
        configPath: ctx.configLabel,
        oauthProviders: oauth,
        gate: pacing.gateFor({ apiBaseUrl: destination.apiBaseUrl, identity: pacingIdentity(destination.auth) }, destination.rateLimits, { clock: options.pacingClock }),
      });
    },
    assertCredentialsSet: assertPinterestCredentialsSet,
    assertAuthorized: (config, name, state, configLabel) => assertPinterestAuthorized(config, name, state, { destinationName: name, configPath: configLabel }),
    notifyAlerts: (config, reports, ctx) => notifyAlerts(config, reports, ctx),
  };
}
