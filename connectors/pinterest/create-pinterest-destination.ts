/** Builds the Pinterest client for a configured destination. */
import type { PinterestDestinationConfig } from '../../core/config/destination-schema.js';
import type { Logger } from '../../core/logger.js';
import { PinterestClient } from './pinterest-client.js';
import { staticTokenProvider } from './pinterest-token-provider.js';

export function createPinterestDestination(config: PinterestDestinationConfig, logger: Logger): PinterestClient {
  return new PinterestClient({
    baseUrl: config.apiBaseUrl,
    adAccountId: config.adAccountId,
    auth: staticTokenProvider(config.auth.accessToken),
    logger,
    retry: {
      maxAttempts: config.retry.maxAttempts,
      baseDelayMs: config.retry.baseDelayMs,
      maxDelayMs: config.retry.maxDelayMs,
      rateLimitMaxWaitMs: config.retry.maxRateLimitWaitSeconds * 1000,
    },
    maxBodyBytes: config.batch.maxBytes,
  });
}
