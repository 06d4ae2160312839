/**
 * The one call the CLI (and later the scheduler) makes after syncs ran: alerts for each report, delivered over
 * HTTP by undici, plus the warning core cannot see from a report, a Pinterest refresh token about to expire.
 * Resolves with the reports, each with a warning per failed delivery; never throws.
 */
import type { AlertChannelConfig } from '../../core/config/alerts-schema.js';
import type { LoadedConfig } from '../../core/config/load-config.js';
import { secretValues } from '../../core/alerts/hide-secrets.js';
import type { DeliverAlert } from '../../core/alerts/alert-request.js';
import { type AlertDelivery, notifyRunAlerts, notifySkippedTick } from '../../core/alerts/notify-alerts.js';
import type { Logger } from '../../core/logger.js';
import type { StateStore } from '../../core/state-store.js';
import type { SyncReport } from '../../core/sync-report.js';
import { REFRESH_WARNING_MS } from '../pinterest/oauth/pinterest-oauth-status.js';
import { resolveTokens } from '../pinterest/oauth/pinterest-oauth-tokens.js';
import { alertDeliverer } from './deliver-alert.js';

/** What `notifyAlerts` needs besides the config and the reports. */
export interface AlertsRuntime {
  /** The state the runs were recorded in; undefined when nothing ran (then nothing is sent). */
  state: StateStore | undefined;
  /** Where deliveries are logged. */
  logger: Logger;
  /** For tests: how requests are sent. */
  deliver?: DeliverAlert;
  /** For tests: the clock the token expiry is measured against. */
  now?: () => Date;
}

/**
 * Alerts for `reports` (all syncs at once: channels and reports in parallel, so the whole step takes at most the
 * longest channel's `timeoutSeconds`). Returns the reports, with the warnings noted on their runs.
 */
export async function notifyAlerts(config: LoadedConfig, reports: readonly SyncReport[], runtime: AlertsRuntime): Promise<SyncReport[]> {
  const channels = config.alerts ?? [];
  const state = runtime.state;
  if (channels.length === 0 || state === undefined) return [...reports];
  const secrets = secretValues(config);
  const deliver = runtime.deliver ?? alertDeliverer();
  return Promise.all(
    reports.map(async (report) => {
      try {
        const extraWarnings = wantsWarnings(channels) && report.mode === 'sync' ? await tokenWarnings(config, report.sync, state, runtime.now?.() ?? new Date()) : [];
        const out = await notifyRunAlerts(report, { channels, state, deliver, logger: runtime.logger, secrets, extraWarnings, ...(runtime.now && { now: runtime.now }) });
        return out.report;
      } catch {
        // notifyRunAlerts catches what it calls; this is the last guard of the promise that alerts never fail a sync.
        runtime.logger.error({ sync: report.sync }, 'alerts: unexpected failure while sending alerts; the sync result stands');
        return report;
      }
    }),
  );
}

/**
 * For the scheduler: a tick skipped because the sync's previous run was still going (its `overlap` event). `first`:
 * the first skip during that run. Resolves with the deliveries; never throws.
 */
export async function notifySkippedTickAlerts(
  config: LoadedConfig,
  skip: { sync: string; tick: Date; skippedTotal: number; first: boolean },
  runtime: Omit<AlertsRuntime, 'state'>,
): Promise<AlertDelivery[]> {
  const channels = config.alerts ?? [];
  if (channels.length === 0) return [];
  try {
    return await notifySkippedTick(skip, { channels, deliver: runtime.deliver ?? alertDeliverer(), logger: runtime.logger, secrets: secretValues(config), ...(runtime.now && { now: runtime.now }) });
  } catch {
    runtime.logger.error({ sync: skip.sync }, 'alerts: unexpected failure while sending alerts');
    return [];
  }
}

function wantsWarnings(channels: readonly AlertChannelConfig[]): boolean {
  return channels.some((c) => c.events.includes('warning'));
}

// Continuous refresh tokens are renewed by a sync that refreshes; one that still expires within 14 days after the
// run will stop every sync when it does, and only a person re-authorizing can prevent that.
async function tokenWarnings(config: LoadedConfig, syncName: string, state: StateStore, now: Date): Promise<string[]> {
  const sync = config.syncs.find((s) => s.name === syncName);
  const destination = sync === undefined ? undefined : config.destinations[sync.destination];
  if (destination === undefined) return [];
  try {
    const { tokens, source } = await resolveTokens(state, destination);
    if (source !== 'state' || tokens.refreshExpiresAt === null) return [];
    const left = tokens.refreshExpiresAt.getTime() - now.getTime();
    if (left >= REFRESH_WARNING_MS) return [];
    const days = Math.max(0, Math.floor(left / 86_400_000));
    return [
      left <= 0
        ? `the refresh token of destination ${sync!.destination} expired on ${tokens.refreshExpiresAt.toISOString()}: re-authorize with \`pinsync auth url\` and \`pinsync auth exchange\``
        : `the refresh token of destination ${sync!.destination} expires in ${days} day${days === 1 ? '' : 's'} (${tokens.refreshExpiresAt.toISOString()}): re-authorize with \`pinsync auth url\` and \`pinsync auth exchange\` before then`,
    ];
  } catch {
    return [];
  }
}
