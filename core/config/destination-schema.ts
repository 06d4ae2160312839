/**
 * `destinations.<name>`: where audiences go. Pinterest is the only type today; the `type` tag is kept so the
 * config format does not change when another destination arrives.
 */
import { z } from 'zod';
import { DEFAULT_MAX_IN_FLIGHT, MAX_IN_FLIGHT_LIMIT } from '../push-pipeline.js';
import { ALWAYS, digitId, httpUrl, int, isRecord, isSet, numeric, optionalText, text } from './config-fields.js';

/** Pinterest API v5 in production; tests and demos point `apiBaseUrl` at the emulator instead. */
export const PINTEREST_API_BASE_URL = 'https://api.pinterest.com/v5';

export const pinterestAuthSchema = z
  .strictObject({
    // Optional only for apps set up with `pinsync auth exchange`, which stores the tokens in the state instead.
    accessToken: optionalText(),
    refreshToken: optionalText(),
    clientId: optionalText(),
    clientSecret: optionalText(),
  })
  .superRefine((value: unknown, ctx) => {
    if (isRecord(value) && !isSet(value.accessToken) && !(isSet(value.clientId) && isSet(value.clientSecret))) {
      ctx.addIssue({
        code: 'custom',
        path: ['accessToken'],
        message: 'required (or set clientId and clientSecret and run `pinsync auth url` then `pinsync auth exchange` to store tokens in the state)',
      });
    }
    if (!isRecord(value) || !isSet(value.refreshToken)) return;
    for (const key of ['clientId', 'clientSecret'] as const) {
      if (!isSet(value[key])) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          // Pinterest's token endpoint authenticates the app with HTTP Basic auth before it accepts a refresh token.
          message: `required with refreshToken: refreshing a token authenticates the app with its client id and secret`,
        });
      }
    }
  }, ALWAYS);

export const pinterestBatchSchema = z
  .strictObject({
    maxRecords: numeric(int(1, 100_000).default(10_000)),
    // A request must hold at least one 64-hex record plus the JSON around it.
    maxBytes: numeric(int(1_000, 100_000_000).default(1_000_000)),
  })
  .prefault({});

export const pinterestRetrySchema = z
  .strictObject({
    maxAttempts: numeric(int(1, 100).default(6)),
    baseDelayMs: numeric(int(0).default(500)),
    maxDelayMs: numeric(int(0).default(30_000)),
    // Past this, a 429 whose reset is far away (a daily quota) fails the sync instead of sleeping for hours.
    maxRateLimitWaitSeconds: numeric(int(0).default(120)),
  })
  .superRefine((value: unknown, ctx) => {
    if (isRecord(value) && typeof value.baseDelayMs === 'number' && typeof value.maxDelayMs === 'number' && value.baseDelayMs > value.maxDelayMs) {
      ctx.addIssue({ code: 'custom', path: ['maxDelayMs'], message: 'must be at least baseDelayMs' });
    }
  }, ALWAYS)
  .prefault({});

export const pinterestRateLimitsSchema = z
  .strictObject({
    adsWritePerMinute: numeric(int(1).default(400)),
    adsReadPerMinute: numeric(int(1).default(1000)),
  })
  .prefault({});

export const pinterestDestinationSchema = z.strictObject({
  type: z.literal('pinterest'),
  adAccountId: digitId(18),
  apiBaseUrl: text(httpUrl().default(PINTEREST_API_BASE_URL)),
  auth: pinterestAuthSchema,
  batch: pinterestBatchSchema,
  retry: pinterestRetrySchema,
  rateLimits: pinterestRateLimitsSchema,
  // Writes waiting on Pinterest at once: at ~600 ms an answer, one at a time reaches ~90/min, under a quarter of
  // the default 400/min; the pacing still decides when each starts. 1 sends one at a time, in delta order.
  maxInFlight: numeric(maxInFlightNumber().default(DEFAULT_MAX_IN_FLIGHT)),
});

function maxInFlightNumber() {
  const message = `must be a whole number between 1 and ${MAX_IN_FLIGHT_LIMIT}: the list writes waiting on Pinterest at once (1 sends one at a time)`;
  return z.number({ error: message }).int({ error: message }).min(1, { error: message }).max(MAX_IN_FLIGHT_LIMIT, { error: message });
}

export const destinationSchema = z.discriminatedUnion('type', [pinterestDestinationSchema]);

/** Any `destinations.<name>` entry, after validation (defaults filled in). */
export type DestinationConfig = z.output<typeof destinationSchema>;
/** `type: pinterest`: an ad account, credentials, and the client's batching, retry and pacing settings. */
export type PinterestDestinationConfig = z.output<typeof pinterestDestinationSchema>;
/** Pinterest OAuth tokens and, for automatic refresh, the app's client id and secret. */
export type PinterestAuthConfig = z.output<typeof pinterestAuthSchema>;
