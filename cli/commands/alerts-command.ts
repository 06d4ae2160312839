/** `pinsync alerts test [-c FILE]`: sends a test event to every alert channel and says which ones received it. */
import { alertRequest, channelLabel, type DeliverAlert } from '../../core/alerts/alert-request.js';
import { testAlertPayload } from '../../core/alerts/test-alert.js';
import { EXIT, exitCodeOf } from '../../core/errors.js';
import { alertDeliverer } from '../../connectors/alerts/deliver-alert.js';
import type { CliIo } from '../cli-io.js';
import { configLabel, loadCliConfig } from '../config-source.js';
import { reportCommandError } from '../report-command-error.js';

/** Arguments of `pinsync alerts test`. */
export interface AlertsTestArgs {
  /** Config file path. */
  config: string;
}

/** Exit 0 when every channel answered 2xx, 1 when one did not, 2 on a config error or when no channel is configured. */
export async function alertsTestCommand(args: AlertsTestArgs, io: CliIo, deliver: DeliverAlert = alertDeliverer()): Promise<number> {
  try {
    // Sending a test needs the alert settings only, not Pinterest's credentials.
    const config = await loadCliConfig(args.config, io, 'alerts test', { deferCredentials: true });
    const channels = config.alerts ?? [];
    if (channels.length === 0) {
      io.stderr.write(`pinsync: ${configLabel(args.config)} has no alerts: block; add { type: slack, webhookUrl } or { type: webhook, url, secret } (see config.example.yaml)\n`);
      return EXIT.usage;
    }
    const now = new Date();
    const payload = testAlertPayload(now);
    const outcomes = await Promise.all(
      channels.map(async (channel, index) => {
        const label = channelLabel(channel, index);
        const outcome = await deliver(alertRequest(channel, payload, Math.floor(now.getTime() / 1000)), { timeoutMs: channel.timeoutSeconds * 1000 });
        return { label, outcome };
      }),
    );
    for (const { label, outcome } of outcomes) {
      const tries = `${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}`;
      io.stdout.write(outcome.ok ? `${label}: ok (${tries})\n` : `${label}: failed: ${outcome.error ?? 'not delivered'}\n`);
    }
    return outcomes.every((o) => o.outcome.ok) ? EXIT.ok : EXIT.syncFailed;
  } catch (err) {
    reportCommandError(err, io);
    return exitCodeOf(err);
  }
}
