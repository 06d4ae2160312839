/** Builds a PinterestClient wired to a scripted server, with a fake clock/sleep and everything it emits captured. */
import type { Logger } from '../../../core/logger.js';
import { PinterestClient, type PinterestClientOptions } from '../../../connectors/pinterest/http/pinterest-client.js';
import { staticTokenProvider } from '../../../connectors/pinterest/oauth/pinterest-token-provider.js';
import type { PinterestRequestEvent } from '../../../connectors/pinterest/http/pinterest-transport.js';
import type { ScriptedServer } from './scripted-server.js';

/** An obviously fake token; tests assert it never leaks into errors, logs or events. */
export const TEST_TOKEN = 'pina_TEST-ONLY-placeholder-access-token-0001';
export const AD_ACCOUNT = '549755885175';
/** The fake clock's fixed time: 2025-01-01T12:00:00Z. */
export const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);

export interface ClientFixture {
  /** The client under test. */
  client: PinterestClient;
  /** Every delay the client asked to sleep, in ms. */
  sleeps: number[];
  /** Every onRequest event. */
  events: PinterestRequestEvent[];
  /** Every log call: level, object and message. */
  logs: { level: string; obj: unknown; msg: string | undefined }[];
}

export function makeClient(server: ScriptedServer, overrides: Partial<PinterestClientOptions> = {}): ClientFixture {
  const sleeps: number[] = [];
  const events: PinterestRequestEvent[] = [];
  const logs: ClientFixture['logs'] = [];
  const log =
    (level: string) =>
    (obj: object | string, msg?: string): void => {
      logs.push({ level, obj, msg });
    };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  const client = new PinterestClient({
    baseUrl: server.baseUrl,
    adAccountId: AD_ACCOUNT,
    auth: staticTokenProvider(TEST_TOKEN),
    logger,
    onRequest: (e) => events.push(e),
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => NOW,
    ...overrides,
  });
  return { client, sleeps, events, logs };
}

/** A `CustomerList` body as the spec documents it, with overrides. */
export function customerListJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ad_account_id: AD_ACCOUNT,
    created_time: 1452208622,
    exceptions: {},
    id: '643',
    name: 'vip',
    num_batches: 1,
    num_removed_user_records: 0,
    num_uploaded_user_records: 2,
    status: 'PROCESSING',
    type: 'customerlist',
    updated_time: 1461269616,
    ...overrides,
  };
}

/** Catches the rejection of `p` (failing the test if it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the promise to reject');
}
