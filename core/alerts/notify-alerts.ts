/**
 * After a sync: decide which events its run raised, send each to the channels that want it, and note every
 * delivery that failed on the run (a warning in its report, saved to the state with the run). An
 * alert never changes a run's outcome or exit code, and nothing here throws.
 */
import type { AlertChannelConfig } from '../config/alerts-schema.js';
import type { Logger } from '../logger.js';
import type { StateStore } from '../state-store.js';
import type { SyncReport } from '../sync-report.js';
import { eventsForChannel, raisedEvents } from './alert-events.js';
import { type AlertPayload, buildAlertPayload, cleanText, skippedTickPayload } from './alert-payload.js';
import { alertRequest, channelLabel, type DeliverAlert, type DeliverOptions } from './alert-request.js';

/** Runs of the sync read to count its streak: far more than any streak anyone lets run unattended. */
const HISTORY = 50;

/** One alert sent (or not) to one channel. */
export interface AlertDelivery {
  /** `alerts[0] (slack)`. */
  channel: string;
  /** The event sent. */
  event: string;
  /** Delivered (2xx). */
  ok: boolean;
  /** Requests made. */
  attempts: number;
  /** Why not, when not. */
  error?: string;
}

/** What `notifyRunAlerts` needs. */
export interface NotifyContext {
  /** `alerts:` from the config. */
  channels: readonly AlertChannelConfig[];
  /** The state the run was recorded in: its history counts the streak; failed deliveries are noted on the run. */
  state: StateStore;
  /** Sends one request (connectors/alerts/deliver-alert.ts). */
  deliver: DeliverAlert;
  /** Where delivery failures are logged. */
  logger: Logger;
  /** Config credentials to cut out of every text (`secretValues`). */
  secrets: readonly string[];
  /** Warnings found after the run (a refresh token about to expire), added to the report before deciding. */
  extraWarnings?: readonly string[];
  /** Clock for the signature timestamp. */
  now?: () => Date;
}

/** The report (with the warnings added here, if any) and one entry per attempted delivery. */
export async function notifyRunAlerts(report: SyncReport, ctx: NotifyContext): Promise<{ report: SyncReport; deliveries: AlertDelivery[] }> {
  if (ctx.channels.length === 0 || report.mode !== 'sync') return { report, deliveries: [] };
  const extra = (ctx.extraWarnings ?? []).filter((w) => !report.warnings.includes(w));
  let current: SyncReport = extra.length > 0 ? { ...report, warnings: [...report.warnings, ...extra] } : report;
  let earlier: Awaited<ReturnType<StateStore['listRuns']>> = [];
  try {
    earlier = await ctx.state.listRuns({ syncNames: [report.sync], limit: HISTORY });
  } catch (err) {
    // Without the history every event counts as the first of its streak: a duplicate alert beats a missed one.
    ctx.logger.warn({ sync: report.sync }, `alerts: could not read the run history (${errorName(err)}); sending as if this were the first failure`);
  }
  const { events, context } = raisedEvents(current, earlier);
  const snapshot = current;
  // An alert the previous run could not deliver is still owed while its event lasts, even under `repeat: first`.
  const previous = earlier.find((r) => r.syncName === report.sync && r.report !== null && (report.runId === undefined || r.id < report.runId));
  const owed = (label: string, event: string) => (previous?.report?.warnings ?? []).some((w) => w.startsWith(undeliveredNote(event, label)));
  const deliveries = await sendToChannels(ctx, report.sync, (channel, label) => {
    const due = new Set([...eventsForChannel(events, channel), ...eventsForChannel(events, { ...channel, repeat: 'every' }).filter((e) => owed(label, e))]);
    return [...due].map((event) => buildAlertPayload(event, snapshot, context, ctx.secrets));
  });
  const failed = deliveries.filter((d) => !d.ok).map((d) => `${undeliveredNote(d.event, d.channel)}: ${d.error ?? 'failed'}`);
  if (failed.length > 0) current = { ...current, warnings: [...current.warnings, ...failed] };
  if (current !== report && report.runId !== undefined) {
    // Saved with the run: the history then says so, and the next run knows what was alerted and what is still owed.
    try {
      await ctx.state.finishRun(report.runId, { status: report.status, report: current });
    } catch (err) {
      ctx.logger.warn({ sync: report.sync }, `alerts: could not note the alert outcome on run ${report.runId} (${errorName(err)})`);
    }
  }
  return { report: current, deliveries };
}

/**
 * A scheduler tick skipped because the sync's previous run was still going: a `warning` for the channels that want
 * warnings. `first`: the first skip while that run lasts (the scheduler knows; a `repeat: first` channel gets only it).
 */
export async function notifySkippedTick(
  skip: { sync: string; tick: Date; skippedTotal: number; first: boolean },
  ctx: Omit<NotifyContext, 'state' | 'extraWarnings'>,
): Promise<AlertDelivery[]> {
  const payload = skippedTickPayload(skip);
  return sendToChannels(ctx, skip.sync, (channel) =>
    channel.events.includes('warning') && (channel.repeat === 'every' || skip.first) ? [{ ...payload, warnings: payload.warnings.map((w) => cleanText(w, ctx.secrets)) }] : [],
  );
}

// Channels in parallel, each within its own bound; the payloads of one channel one after another.
async function sendToChannels(
  ctx: Pick<NotifyContext, 'channels' | 'deliver' | 'logger' | 'now'>,
  sync: string,
  payloadsFor: (channel: AlertChannelConfig, label: string) => AlertPayload[],
): Promise<AlertDelivery[]> {
  const now = ctx.now ?? (() => new Date());
  const perChannel = await Promise.all(
    ctx.channels.map(async (channel, index) => {
      const label = channelLabel(channel, index);
      const deadline = Date.now() + channel.timeoutSeconds * 1000;
      const out: AlertDelivery[] = [];
      for (const payload of payloadsFor(channel, label)) {
        const { event } = payload;
        const request = alertRequest(channel, payload, Math.floor(now().getTime() / 1000));
        const remaining = deadline - Date.now();
        const outcome = remaining > 0 ? await safeDeliver(ctx.deliver, request, { timeoutMs: remaining, boundMs: channel.timeoutSeconds * 1000 }) : { ok: false, attempts: 0, error: 'no time left of the channel timeout' };
        out.push({ channel: label, event, ok: outcome.ok, attempts: outcome.attempts, ...(outcome.error !== undefined && { error: outcome.error }) });
        if (outcome.ok) ctx.logger.info({ sync, event, channel: label }, `alert sent: ${event} to ${label}`);
        else ctx.logger.error({ sync, event, channel: label }, `alert not delivered: ${event} to ${label}: ${outcome.error ?? 'failed'}`);
      }
      return out;
    }),
  );
  return perChannel.flat();
}

// The warning a failed delivery leaves on its run; the next run reads it back to send what is owed.
function undeliveredNote(event: string, channel: string): string {
  return `alert ${event} to ${channel} not delivered`;
}

async function safeDeliver(deliver: DeliverAlert, request: Parameters<DeliverAlert>[0], options: DeliverOptions) {
  try {
    return await deliver(request, options);
  } catch (err) {
    return { ok: false, attempts: 1, error: errorName(err) };
  }
}

// Only the class/code: a message could quote the URL, and a Slack URL is a credential.
function errorName(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null;
  return typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'error';
}
