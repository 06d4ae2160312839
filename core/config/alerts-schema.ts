/**
 * `alerts:` (DESIGN §1, issue 11 §4): where pinsync says that a sync failed, was stopped by a guardrail, recovered
 * or needs attention. Two channel types: a Slack incoming webhook and a generic HMAC-signed webhook.
 */
import { z } from 'zod';
import { httpUrl, int, numeric, requiredText, text } from './config-fields.js';

/** Every event a channel can subscribe to. */
export const ALERT_EVENTS = ['failed', 'guardrail', 'recovered', 'warning'] as const;

/** One of `ALERT_EVENTS`. */
export type AlertEvent = (typeof ALERT_EVENTS)[number];

// `warning` is opt-in: warnings (counters, a token expiring in two weeks) rarely need anyone at 3 a.m.
/** The events a channel gets when it names none. */
export const DEFAULT_ALERT_EVENTS: readonly AlertEvent[] = ['failed', 'guardrail', 'recovered'];

/** How long one channel's delivery (every retry included) may take, by default. */
const DEFAULT_ALERT_TIMEOUT_SECONDS = 10;

const eventName = z.enum(ALERT_EVENTS, { error: `must be one of ${ALERT_EVENTS.join(', ')}` });

const events = z
  .array(eventName, { error: `must be a list of events (${ALERT_EVENTS.join(', ')})` })
  .min(1, { error: `name at least one event (${ALERT_EVENTS.join(', ')}), or leave events out for the default` })
  .default([...DEFAULT_ALERT_EVENTS]);

// `first`: one alert per failure streak (and per new warning); `every`: every run that raises the event.
const repeat = z.enum(['first', 'every'], { error: 'must be first (one alert per failure streak) or every' }).default('first');

const timeoutSeconds = numeric(int(1, 300).default(DEFAULT_ALERT_TIMEOUT_SECONDS));

const slackAlertSchema = z.strictObject({
  type: z.literal('slack'),
  // A Slack incoming-webhook URL is itself the credential: redactConfig hides it and logs never show it.
  webhookUrl: text(httpUrl()),
  events,
  repeat,
  timeoutSeconds,
});

const webhookAlertSchema = z.strictObject({
  type: z.literal('webhook'),
  url: text(httpUrl()),
  secret: requiredText().pipe(z.string().min(16, { error: 'must be at least 16 characters: it is the HMAC key receivers verify signatures with' })),
  events,
  repeat,
  timeoutSeconds,
});

export const alertChannelSchema = z.discriminatedUnion('type', [slackAlertSchema, webhookAlertSchema]);

export const alertsSchema = z.array(alertChannelSchema, { error: 'must be a list of alert channels ({ type: slack, webhookUrl } or { type: webhook, url, secret })' });

/** One validated `alerts[]` entry, defaults filled in. */
export type AlertChannelConfig = z.output<typeof alertChannelSchema>;
