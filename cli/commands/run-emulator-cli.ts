/**
 * `pinsync emulator`: starts the emulator, installs the faults its flags asked for, prints where it listens, which
 * credentials to use and which faults are active, and runs until SIGINT or SIGTERM (or `signal` aborts, for
 * embedding and tests), then closes cleanly so the state file is complete.
 */

import type { AdAccountSeed, EmulatorOptions, TokenSeed } from '../../emulators/pinterest/emulator-options.js';
import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import { applyCliFaults, describeCliFaults, type CliFaults } from '../../emulators/pinterest/fault-spec.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';

/** Something text can be written to (process.stdout, a test buffer). */
export interface TextSink {
  /** Writes text as is. */
  write(text: string): unknown;
}

export interface EmulatorCliOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** State file to load and keep saved. */
  dataFile?: string;
  /** Interface to bind; default 127.0.0.1. */
  host?: string;
  /** Accepted access tokens; default `pinsync-emulator-token`. */
  tokens?: readonly (TokenSeed | string)[];
  /** Existing ad accounts; default `549755885175`. */
  adAccounts?: readonly AdAccountSeed[];
  /** Any other emulator option (matchRate, matchDelayMs, maxRecordsPerRequest, rateLimits, oauthApps, …). */
  emulator?: Omit<EmulatorOptions, 'port' | 'dataFile' | 'host' | 'tokens' | 'adAccounts'>;
  /** Faults installed right after start (from `--fault`, `--fail-rate`, `--drop-rate`, `--latency-ms`, `--quota-exhausted`). */
  faults?: CliFaults;
  /** Where the "listening" line goes; default process.stdout. */
  stdout?: TextSink;
  /** Where errors and the shutdown notice go; default process.stderr. */
  stderr?: TextSink;
  /** Stops the emulator when aborted, like a signal would. */
  signal?: AbortSignal;
  /** Called once the emulator listens (tests use it to reach the instance). */
  onReady?: (emulator: RunningEmulator) => void;
}

/** Runs until SIGINT/SIGTERM or `signal`; resolves with the process exit code (0) after a clean close. */
export async function runEmulatorFromCli(opts: EmulatorCliOptions = {}): Promise<number> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const emulator = await startEmulator({
    ...opts.emulator,
    port: opts.port ?? 0,
    host: opts.host,
    dataFile: opts.dataFile,
    tokens: opts.tokens,
    adAccounts: opts.adAccounts,
    onError: opts.emulator?.onError ?? ((err: unknown) => stderr.write(`pinsync emulator: ${describe(err)}\n`)),
  });

  try {
    applyCliFaults(emulator.faults, opts.faults ?? {});
  } catch (err) {
    await emulator.close();
    throw err;
  }

  const stopped = new Promise<string>((resolve) => {
    const onSignal = (name: NodeJS.Signals): void => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(name);
    };
    const onAbort = (): void => onSignal('SIGTERM');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (opts.signal?.aborted === true) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
  });

  const data = opts.dataFile === undefined ? '' : `, state in ${opts.dataFile}`;
  stdout.write(
    `Pinterest API emulator listening on ${emulator.baseUrl} (access token: ${emulator.token}, ad account: ${emulator.adAccountId}${data})\n`,
  );
  const { oauth } = emulator;
  const refresh = oauth.refreshToken === undefined ? '' : `, refresh token: ${oauth.refreshToken}`;
  stdout.write(`OAuth token endpoint ${oauth.tokenUrl} (client id: ${oauth.clientId}, client secret: ${oauth.clientSecret}${refresh})\n`);
  for (const line of describeCliFaults(opts.faults ?? {})) stdout.write(`fault: ${line}\n`);
  opts.onReady?.(emulator);

  const reason = await stopped;
  stderr.write(`pinsync emulator: ${reason === 'SIGINT' ? 'interrupted' : 'stopping'}, closing\n`);
  await emulator.close();
  return 0;
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
