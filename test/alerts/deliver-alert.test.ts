/** Delivery over real HTTP: retries with backoff, Retry-After, no retry on a refusal, and a hard bound on time. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverAlert, parseRetryAfter } from '../../connectors/alerts/deliver-alert.js';
import { type AlertReceiver, startAlertReceiver } from './alert-receiver.js';

let rx: AlertReceiver;
beforeEach(async () => {
  rx = await startAlertReceiver();
});
afterEach(async () => {
  await rx.close();
});

const request = () => ({ url: rx.url(), headers: { 'content-type': 'application/json' }, body: '{"event":"failed"}' });

describe('deliverAlert', () => {
  it('retries 500 and 429 (after its Retry-After) and then succeeds', async () => {
    rx.script({ status: 500 }, { status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const outcome = await deliverAlert(request(), { timeoutMs: 5_000, baseDelayMs: 20 });
    expect(outcome).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(rx.received).toHaveLength(3);
    // The third request waited for the Retry-After of the second.
    expect(rx.received[2]!.at - rx.received[1]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(rx.received.every((r) => r.body === '{"event":"failed"}')).toBe(true);
  });

  it('does not retry a refusal (a revoked Slack URL) and says why without the URL', async () => {
    rx.script({ status: 404, body: 'no_service' });
    const outcome = await deliverAlert(request(), { timeoutMs: 5_000, baseDelayMs: 20 });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatch(/HTTP 404 \(no_service\) after 1 attempt/);
    expect(outcome.error).not.toContain('127.0.0.1');
  });

  it('gives up within the bound when the receiver never answers', async () => {
    rx.script('hang', 'hang', 'hang', 'hang');
    const started = Date.now();
    const outcome = await deliverAlert(request(), { timeoutMs: 700, baseDelayMs: 20 });
    const took = Date.now() - started;
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/no answer within 700 ms/);
    expect(took).toBeGreaterThanOrEqual(650);
    expect(took).toBeLessThan(1_500);
  });

  it('names the configured bound, not the few ms less that were left of it for this payload', async () => {
    rx.script('hang', 'hang', 'hang', 'hang');
    const outcome = await deliverAlert(request(), { timeoutMs: 650, boundMs: 700, baseDelayMs: 20 });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^no answer within 700 ms after \d+ attempts?$/);
  });

  it('gives up at once when a Retry-After is past the bound', async () => {
    rx.script({ status: 429, headers: { 'retry-after': '60' } });
    const started = Date.now();
    const outcome = await deliverAlert(request(), { timeoutMs: 2_000, baseDelayMs: 20 });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(1);
    expect(outcome.error).toMatch(/Retry-After \(60 s\) is past the 2000 ms bound/);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('fails cleanly, without throwing, when nothing listens', async () => {
    const url = rx.url();
    await rx.close();
    rx = await startAlertReceiver();
    const outcome = await deliverAlert({ ...request(), url }, { timeoutMs: 1_000, baseDelayMs: 20, maxAttempts: 2 });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts).toBe(2);
    expect(outcome.error).toMatch(/ECONNREFUSED/);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3_000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});
