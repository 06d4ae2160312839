/**
 * Turns a payload into the HTTP request a channel receives: Slack gets Block Kit, a generic webhook the payload
 * itself, signed. Also names channels for logs without their URL (a Slack webhook URL is a credential).
 */
import type { AlertChannelConfig } from '../config/alerts-schema.js';
import type { AlertPayload } from './alert-payload.js';
import { signWebhook } from './sign-webhook.js';
import { slackMessage } from './slack-message.js';

/** One POST to one channel. */
export interface AlertRequest {
  /** Where to POST (never logged). */
  url: string;
  /** Headers, content type and signature included. */
  headers: Record<string, string>;
  /** The JSON text; for webhooks, exactly the bytes that were signed. */
  body: string;
}

/** How `deliver` did; it never throws. */
export interface DeliveryOutcome {
  /** The channel answered 2xx. */
  ok: boolean;
  /** Requests made. */
  attempts: number;
  /** Last HTTP status, when there was an answer. */
  status?: number;
  /** Why it failed, safe to log (no URL). */
  error?: string;
}

/** Sends one request with retries, giving up after `timeoutMs` in all; resolves, never rejects. */
export type DeliverAlert = (request: AlertRequest, options: DeliverOptions) => Promise<DeliveryOutcome>;

/** How long one delivery may take. */
export interface DeliverOptions {
  /** Time left for this delivery (the channel's bound minus what earlier payloads to it used). */
  timeoutMs: number;
  /** The channel's configured bound, which failure messages name (the user wrote it); default timeoutMs. */
  boundMs?: number;
}

/** `alerts[0] (slack)`, `alerts[1] (webhook to ops.example.com)`: what logs and warnings call a channel. */
export function channelLabel(channel: AlertChannelConfig, index: number): string {
  if (channel.type === 'slack') return `alerts[${index}] (slack)`;
  let host = 'webhook';
  try {
    host = new URL(channel.url).host;
  } catch {
    // The schema accepted it as a URL; keep the label anyway.
  }
  return `alerts[${index}] (webhook to ${host})`;
}

/** The request that delivers `payload` to `channel`, signed at `nowSeconds` for webhooks. */
export function alertRequest(channel: AlertChannelConfig, payload: AlertPayload, nowSeconds: number): AlertRequest {
  const json = { 'content-type': 'application/json', 'user-agent': 'pinsync-alerts' };
  if (channel.type === 'slack') return { url: channel.webhookUrl, headers: json, body: JSON.stringify(slackMessage(payload)) };
  const body = JSON.stringify(payload);
  return { url: channel.url, headers: { ...json, ...signWebhook(body, channel.secret, nowSeconds) }, body };
}
