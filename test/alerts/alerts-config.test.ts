/** `alerts:` in the config: defaults, strict keys with did-you-mean, and secrets hidden wherever config is printed. */
import { readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { redactConfig } from '../../core/config/redact-config.js';
import { issuesOf, messageAt, minimalConfig, parse } from '../config/config-fixtures.js';

const SLACK_URL = 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX';
const SECRET = 'whsec-0123456789abcdef';

function withAlerts(alerts: unknown): Record<string, any> {
  return { ...minimalConfig(), alerts };
}

describe('alerts config', () => {
  it('is optional, and fills in events (failed, guardrail, recovered), repeat first and a 10 s bound', () => {
    expect(parse(minimalConfig()).alerts).toBeUndefined();
    const config = parse(withAlerts([{ type: 'slack', webhookUrl: SLACK_URL }, { type: 'webhook', url: 'https://ops.example.com/pinsync', secret: SECRET, events: ['warning'], repeat: 'every', timeoutSeconds: '3' }]));
    expect(config.alerts).toEqual([
      { type: 'slack', webhookUrl: SLACK_URL, events: ['failed', 'guardrail', 'recovered'], repeat: 'first', timeoutSeconds: 10 },
      { type: 'webhook', url: 'https://ops.example.com/pinsync', secret: SECRET, events: ['warning'], repeat: 'every', timeoutSeconds: 3 },
    ]);
  });

  it('names each problem with its path: unknown key (did you mean), unknown event, missing secret, bad URL', () => {
    const issues = issuesOf(
      withAlerts([
        { type: 'slack', webhookURL: SLACK_URL },
        { type: 'webhook', url: 'ops.example.com', events: ['failure'] },
        { type: 'email', to: 'x' },
        { type: 'webhook', url: 'https://ops.example.com', secret: 'short', repeat: 'always' },
      ]),
    );
    expect(messageAt(issues, 'alerts[0].webhookURL')).toMatch(/did you mean "webhookUrl"/);
    expect(messageAt(issues, 'alerts[1].url')).toMatch(/absolute http/);
    expect(messageAt(issues, 'alerts[1].events[0]')).toMatch(/failed, guardrail, recovered, warning/);
    expect(messageAt(issues, 'alerts[1].secret')).toBe('required');
    expect(messageAt(issues, 'alerts[2].type')).toMatch(/expected one of slack, webhook/);
    expect(messageAt(issues, 'alerts[3].secret')).toMatch(/at least 16/);
    expect(messageAt(issues, 'alerts[3].repeat')).toMatch(/first.*every/);
  });

  it('hides the Slack URL and the webhook secret when the config is printed', () => {
    const printed = JSON.stringify(redactConfig(parse(withAlerts([{ type: 'slack', webhookUrl: SLACK_URL }, { type: 'webhook', url: 'https://ops.example.com/pinsync', secret: SECRET }]))));
    expect(printed).not.toContain('hooks.slack.com');
    expect(printed).not.toContain(SECRET);
    // The generic webhook's URL is not a credential (the secret is): it stays readable.
    expect(printed).toContain('https://ops.example.com/pinsync');
  });

  it('the commented example in config.example.yaml is valid once uncommented', () => {
    const example = readFileSync(new URL('../../config.example.yaml', import.meta.url), 'utf8').split('\n');
    const start = example.indexOf('# alerts:');
    expect(start).toBeGreaterThan(0);
    const block = example.slice(start).filter((l) => l.startsWith('#')).map((l) => l.slice(2));
    const config = parse(`${stringify(minimalConfig())}${block.join('\n')}\n`, { env: { SLACK_WEBHOOK_URL: SLACK_URL, PINSYNC_WEBHOOK_SECRET: SECRET } });
    expect(config.alerts?.map((a) => a.type)).toEqual(['slack', 'webhook']);
  });
});
