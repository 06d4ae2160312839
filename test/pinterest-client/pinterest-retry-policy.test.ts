/** The pure retry policy and error helpers, branch by branch. */
import { describe, expect, it } from 'vitest';
import { PINTEREST_DEFAULT_RETRY } from '../../connectors/pinterest/pinterest-config.js';
import { parseErrorBody, redactSecrets } from '../../connectors/pinterest/http/pinterest-errors.js';
import {
  backoffDelayMs,
  decideRetry,
  looksTooLarge,
  rateLimitResetMs,
  type AttemptFailure,
} from '../../connectors/pinterest/http/pinterest-retry-policy.js';

const cfg = PINTEREST_DEFAULT_RETRY;
const now = 1_700_000_000_000;
const response = (status: number, extra: Partial<Extract<AttemptFailure, { kind: 'response' }>> = {}): AttemptFailure => ({
  kind: 'response',
  status,
  apiCode: undefined,
  apiMessage: undefined,
  headers: {},
  ...extra,
});
const network = (code: string, wrapped = false): AttemptFailure => ({
  kind: 'network',
  error: wrapped ? Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause: { code } }) : Object.assign(new Error(code), { code }),
});
const decide = (f: AttemptFailure, attempt = 1, replaySafe = true) => decideRetry(f, { attempt, replaySafe }, cfg, () => 0.999, now);

describe('backoffDelayMs', () => {
  it('draws below an exponentially growing, capped ceiling', () => {
    expect([0, 1, 2, 3].map((i) => backoffDelayMs(i, cfg, () => 0.5))).toEqual([250, 500, 1000, 2000]);
    expect(backoffDelayMs(20, cfg, () => 0.999_999)).toBeLessThan(cfg.maxDelayMs);
    expect(backoffDelayMs(20, cfg, () => 0)).toBe(0);
  });
});

describe('decideRetry', () => {
  it('retries 5xx and retryable network errors until maxAttempts', () => {
    expect(decide(response(500))).toMatchObject({ action: 'retry', reason: 'server' });
    expect(decide(network('ECONNRESET'))).toMatchObject({ action: 'retry', reason: 'network' });
    expect(decide(network('ECONNRESET', true))).toMatchObject({ action: 'retry' });
    expect(decide(network('UND_ERR_SOCKET'))).toMatchObject({ action: 'retry' });
    expect(decide(response(500), cfg.maxAttempts)).toEqual({ action: 'fail', reason: 'exhausted' });
  });

  it('does not retry what cannot get better', () => {
    expect(decide(network('ENOTFOUND'))).toEqual({ action: 'fail', reason: 'not-retryable' });
    expect(decide({ kind: 'network', error: new TypeError('Invalid URL') })).toEqual({ action: 'fail', reason: 'not-retryable' });
    expect(decide(response(400))).toEqual({ action: 'fail', reason: 'rejected' });
    expect(decide(response(404))).toEqual({ action: 'fail', reason: 'rejected' });
    expect(decide(response(429, { apiMessage: 'SPAM detected' }))).toEqual({ action: 'fail', reason: 'spam' });
  });

  it('replays a create only when it certainly was not applied', () => {
    expect(decide(network('ECONNREFUSED'), 1, false)).toMatchObject({ action: 'retry' });
    expect(decide(network('UND_ERR_CONNECT_TIMEOUT'), 1, false)).toMatchObject({ action: 'retry' });
    expect(decide(network('ECONNRESET'), 1, false)).toEqual({ action: 'fail', reason: 'uncertain' });
    expect(decide(network('UND_ERR_HEADERS_TIMEOUT'), 1, false)).toEqual({ action: 'fail', reason: 'uncertain' });
    expect(decide(response(500), 1, false)).toEqual({ action: 'fail', reason: 'uncertain' });
    expect(decide(response(504), 1, false)).toEqual({ action: 'fail', reason: 'uncertain' });
    expect(decide(response(503), 1, false)).toMatchObject({ action: 'retry' });
    expect(decide(response(429), 1, false)).toMatchObject({ action: 'retry' });
  });

  it('waits out a near X-RateLimit-Reset and fails fast on a far one', () => {
    expect(decide(response(429, { headers: { 'x-ratelimit-reset': '60' } }))).toEqual({ action: 'retry', delayMs: 60_000 + 999, reason: 'rate-limit' });
    expect(decide(response(429, { headers: { 'x-ratelimit-reset': '67150' } }))).toEqual({
      action: 'fail',
      reason: 'rate-limit-far',
      retryAt: now + 67_150_000,
    });
    // Even on the last attempt a far reset reports when it lifts rather than a generic "gave up".
    expect(decide(response(429, { headers: { 'x-ratelimit-reset': '67150' } }), cfg.maxAttempts)).toMatchObject({ reason: 'rate-limit-far' });
  });

  it('classifies size rejections', () => {
    expect(decide(response(413))).toEqual({ action: 'fail', reason: 'too-large' });
    expect(decide(response(400, { apiMessage: 'Request payload exceeds the maximum size' }))).toEqual({ action: 'fail', reason: 'too-large' });
    expect(looksTooLarge(400, 'Invalid parameters.')).toBe(false);
    expect(looksTooLarge(403, 'too large')).toBe(false);
  });
});

describe('rateLimitResetMs', () => {
  it('reads seconds, falls back to Retry-After, converts epoch seconds and ignores junk', () => {
    expect(rateLimitResetMs({ 'x-ratelimit-reset': '1.5' }, now)).toBe(1500);
    expect(rateLimitResetMs({ 'retry-after': '2' }, now)).toBe(2000);
    expect(rateLimitResetMs({ 'x-ratelimit-reset': String(now / 1000 + 30) }, now)).toBe(30_000);
    expect(rateLimitResetMs({ 'x-ratelimit-reset': 'soon' }, now)).toBeUndefined();
    expect(rateLimitResetMs({}, now)).toBeUndefined();
  });
});

describe('error helpers', () => {
  it('parses Pinterest error bodies leniently', () => {
    expect(parseErrorBody('{"code":8,"message":"rate","message_detail":"spam"}')).toEqual({ code: 8, message: 'rate — spam' });
    expect(parseErrorBody('<html>502</html>')).toEqual({ code: undefined, message: undefined });
    expect(parseErrorBody('')).toEqual({ code: undefined, message: undefined });
    expect(parseErrorBody('upstream timed out')).toEqual({ code: undefined, message: 'upstream timed out' });
    expect(parseErrorBody('[1]')).toEqual({ code: undefined, message: undefined });
  });

  it('redacts known secrets and token-shaped strings', () => {
    expect(redactSecrets('got s3cr3t-value-123 here', ['s3cr3t-value-123'])).toBe('got [redacted] here');
    expect(redactSecrets('old pina_AbC.def-1 and pinr.eyJhbGciOiJS', [])).toBe('old [redacted] and [redacted]');
    expect(redactSecrets('Authorization: Bearer abc.def', [])).toBe('Authorization: [redacted]');
    expect(redactSecrets('short', ['ab'])).toBe('short');
  });
});
