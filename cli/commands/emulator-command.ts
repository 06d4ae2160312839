/**
 * `pinsync emulator`: a local Pinterest API v5 emulator in the foreground until Ctrl-C. Its flags script the
 * failures a real account produces (rate limits, 5xx, dropped connections, expiring tokens, a spent daily quota) so
 * users can rehearse them in their own CI.
 */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import { EXIT } from '../../core/errors.js';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN, DEFAULT_TOKEN, type EmulatorOptions } from '../../emulators/pinterest/emulator-options.js';
import {
  checkShare,
  checkWhole,
  FlagError,
  parseFaultSpec,
  parseQuotaExhausted,
  parseRateLimits,
  type CliFaults,
} from '../../emulators/pinterest/fault-spec.js';
import { runEmulatorFromCli, type EmulatorCliOptions } from './run-emulator-cli.js';
import type { CliIo } from '../cli-io.js';

/** The emulator's command-line options. */
export function configureEmulatorOptions<T>(y: Argv<T>) {
  return y
    .option('port', { type: 'number', default: 8787, describe: 'port on 127.0.0.1 (0 = any free port)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('data', { type: 'string', describe: 'JSON file that keeps the emulator state (lists, audiences, tokens) across restarts' })
    .option('token', {
      type: 'string',
      array: true,
      describe: `another bearer token to accept, with every scope and ad account (repeatable; ${DEFAULT_TOKEN} is always accepted)`,
    })
    .option('refresh-token', {
      type: 'string',
      array: true,
      describe: `another refresh token to accept for the OAuth app (repeatable; ${DEFAULT_REFRESH_TOKEN} is always accepted)`,
    })
    .option('client-id', { type: 'string', default: DEFAULT_CLIENT_ID, describe: 'OAuth client id that POST /v5/oauth/token accepts (HTTP Basic user)' })
    .option('client-secret', { type: 'string', default: DEFAULT_CLIENT_SECRET, describe: 'OAuth client secret that POST /v5/oauth/token accepts (HTTP Basic password)' })
    .option('access-token-ttl', {
      type: 'number',
      describe:
        'access tokens expire SECONDS after they are issued by /v5/oauth/token, or after start for pinsync-emulator-token and --token ones; then API calls get 401 code 2 and the client must refresh (default: 2592000 for issued tokens, never for the others)',
    })
    .option('rate-limit', {
      type: 'string',
      array: true,
      describe: 'enforce a rate limit as CATEGORY=PER_MINUTE per user and app (ads_read, ads_write, org_read, org_write) or universal=PER_SECOND; over it: 429 code 8 with X-RateLimit-Reset (repeatable; default: none)',
    })
    .option('quota-exhausted', {
      type: 'string',
      array: true,
      describe: 'simulate a spent daily quota: CATEGORY[=RESET_SECONDS] (or all[=…]) answers 429 code 8 with a far X-RateLimit-Reset (default 40000 s) until it passes (repeatable)',
    })
    .option('max-records-per-request', { type: 'number', describe: 'refuse a create or PATCH with more records than N (413 "too large"); default unlimited' })
    .option('match-rate', { type: 'number', describe: 'share of records (0..1) that match a Pinterest user, which decides READY vs TOO_SMALL and audience sizes (default 1)' })
    .option('fail-rate', { type: 'number', describe: 'answer this random share of requests (0..1, e.g. 0.05) with 500 or 503 instead of handling them' })
    .option('drop-rate', { type: 'number', describe: 'drop the connection of this random share of requests (0..1) without answering or applying them' })
    .option('fault', {
      type: 'string',
      array: true,
      describe:
        "scripted error answers: 'status=429,code=8,every=20' fails every 20th request; use count=N for the next N or rate=0..1 for a random share; optional reset=SECONDS (X-RateLimit-Reset, default 1 for 429), method=PATCH, path=/customer_lists (repeatable)",
    })
    .option('latency-ms', { type: 'number', describe: 'wait N ms before handling every request' });
}

/** Parsed `pinsync emulator` arguments (yargs also passes kebab-case copies, which are ignored). */
export interface EmulatorCommandArgs {
  /** `--port`. */
  port: number;
  /** `--host`. */
  host: string;
  /** `--data`, relative to the working folder. */
  data: string | undefined;
  /** `--token` (repeatable). */
  token?: string[] | undefined;
  /** `--refresh-token` (repeatable). */
  refreshToken?: string[] | undefined;
  /** `--client-id`. */
  clientId?: string | undefined;
  /** `--client-secret`. */
  clientSecret?: string | undefined;
  /** `--access-token-ttl` seconds. */
  accessTokenTtl?: number | undefined;
  /** `--rate-limit` entries. */
  rateLimit?: string[] | undefined;
  /** `--quota-exhausted` entries. */
  quotaExhausted?: string[] | undefined;
  /** `--max-records-per-request`. */
  maxRecordsPerRequest?: number | undefined;
  /** `--match-rate`. */
  matchRate?: number | undefined;
  /** `--fail-rate`. */
  failRate?: number | undefined;
  /** `--drop-rate`. */
  dropRate?: number | undefined;
  /** `--fault` entries. */
  fault?: string[] | undefined;
  /** `--latency-ms`. */
  latencyMs?: number | undefined;
}

export async function emulatorCommand(args: EmulatorCommandArgs, io: CliIo): Promise<number> {
  let cli: EmulatorCliOptions;
  try {
    cli = cliOptions(args, io);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    io.stderr.write(`pinsync emulator: ${err.message}\nRun pinsync emulator --help for usage.\n`);
    return EXIT.usage;
  }
  try {
    return await runEmulatorFromCli(cli);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'EADDRINUSE' ? `port ${args.port} is already in use; pick another with --port` : err instanceof Error ? err.message : String(err);
    io.stderr.write(`pinsync emulator: ${message}\n`);
    return EXIT.usage;
  }
}

/** Turns the flags into runEmulatorFromCli options; throws FlagError for values it cannot use. */
function cliOptions(args: EmulatorCommandArgs, io: CliIo): EmulatorCliOptions {
  const ttl = args.accessTokenTtl === undefined ? undefined : checkWhole('--access-token-ttl', args.accessTokenTtl, 1);
  const tokens = [DEFAULT_TOKEN, ...(args.token ?? [])].map((token) => (ttl === undefined ? token : { token, expiresInSeconds: ttl }));
  const emulator: Omit<EmulatorOptions, 'port' | 'dataFile' | 'host' | 'tokens' | 'adAccounts'> = {
    oauthApps: [{ clientId: nonEmpty('--client-id', args.clientId ?? DEFAULT_CLIENT_ID), clientSecret: nonEmpty('--client-secret', args.clientSecret ?? DEFAULT_CLIENT_SECRET) }],
    refreshTokens: [DEFAULT_REFRESH_TOKEN, ...(args.refreshToken ?? [])],
    rateLimits: parseRateLimits(args.rateLimit ?? []),
  };
  if (ttl !== undefined) emulator.accessTokenTtlSeconds = ttl;
  if (args.maxRecordsPerRequest !== undefined) emulator.maxRecordsPerRequest = checkWhole('--max-records-per-request', args.maxRecordsPerRequest, 1);
  if (args.matchRate !== undefined) emulator.matchRate = checkShare('--match-rate', args.matchRate);

  const faults: CliFaults = {
    specs: (args.fault ?? []).map(parseFaultSpec),
    quotas: (args.quotaExhausted ?? []).map(parseQuotaExhausted),
  };
  if (args.failRate !== undefined) faults.failRate = checkShare('--fail-rate', args.failRate);
  if (args.dropRate !== undefined) faults.dropRate = checkShare('--drop-rate', args.dropRate);
  if (args.latencyMs !== undefined) faults.latencyMs = checkWhole('--latency-ms', args.latencyMs, 0);

  return {
    port: checkWhole('--port', args.port, 0),
    host: args.host,
    dataFile: args.data === undefined ? undefined : resolve(io.cwd, args.data),
    tokens,
    emulator,
    faults,
    stdout: io.stdout,
    stderr: io.stderr,
    signal: io.signal,
  };
}

function nonEmpty(flag: string, value: string): string {
  if (value.trim() === '') throw new FlagError(`${flag} must not be empty`);
  return value;
}
