/**
 * Signing of generic webhook alerts (DESIGN §1): `X-Pinsync-Signature: sha256=<hex HMAC-SHA256 of
 * "<timestamp>.<body>">` keyed with the channel's secret, and `X-Pinsync-Timestamp: <unix seconds>`. The timestamp is
 * inside the signed text, so a receiver that refuses old timestamps also refuses replays of a captured request.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Header carrying the unix time (seconds) the alert was signed at. */
export const TIMESTAMP_HEADER = 'x-pinsync-timestamp';
/** Header carrying `sha256=<hex>`. */
export const SIGNATURE_HEADER = 'x-pinsync-signature';

/** The two signature headers for `body` signed at `timestampSeconds`. */
export function signWebhook(body: string, secret: string, timestampSeconds: number): Record<string, string> {
  return { [TIMESTAMP_HEADER]: String(timestampSeconds), [SIGNATURE_HEADER]: `sha256=${hmacHex(secret, `${timestampSeconds}.${body}`)}` };
}

/**
 * What a receiver does: true when the signature matches and the timestamp is within `toleranceSeconds` of `nowSeconds`.
 * pinsync ships it for its own tests and for receivers written in TypeScript.
 */
export function verifyWebhook(
  body: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  secret: string,
  options: { nowSeconds: number; toleranceSeconds?: number },
): boolean {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(options.nowSeconds - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(`sha256=${hmacHex(secret, `${timestamp}.${body}`)}`);
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text, 'utf8').digest('hex');
}
