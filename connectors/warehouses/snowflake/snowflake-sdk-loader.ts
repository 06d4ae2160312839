/**
 * Loads `snowflake-sdk` once, on first use, with the process-wide settings pinsync needs. Two of them must be in
 * place before or right after the module loads, which is why no other file imports the SDK's values:
 *
 * - `SNOWFLAKE_DISABLE_PLATFORM_DETECTION=true` before the import: otherwise loading the module probes cloud
 *   metadata addresses (169.254.169.254, metadata.google.internal, AWS STS) for telemetry. A value the user set is kept.
 * - A custom logger: the SDK's default logger writes `snowflake.log` into the working directory and copies lines to
 *   the console, where they would corrupt `--json` output. Its lines go to `sdkLog` instead (dropped by default:
 *   every failure that matters reaches the caller as an error).
 *
 * OCSP checks stay on. They only apply to https, so a local http fake needs no switch, and `configure()` is global:
 * turning them off for a test endpoint would turn them off for every Snowflake connection in the process.
 */
import type * as SnowflakeSdk from 'snowflake-sdk';

/** The SDK module's value. */
export type SnowflakeSdkModule = typeof SnowflakeSdk;

/** Receives the SDK's own log lines (error level only). */
export type SnowflakeSdkLog = (message: string) => void;

let loaded: Promise<SnowflakeSdkModule> | undefined;
let logSink: SnowflakeSdkLog = () => undefined;

/** The SDK, imported and configured on the first call; later calls share it. `log` replaces the log sink. */
export function loadSnowflakeSdk(log?: SnowflakeSdkLog): Promise<SnowflakeSdkModule> {
  if (log) logSink = log;
  loaded ??= (async () => {
    process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
    const mod = (await import('snowflake-sdk')) as SnowflakeSdkModule & { default?: SnowflakeSdkModule };
    const sdk = mod.default ?? mod;
    const drop = () => undefined;
    sdk.configure({
      logLevel: 'ERROR',
      customLogger: { error: (message: string) => logSink(message), warn: drop, info: drop, debug: drop, trace: drop },
    });
    return sdk;
  })();
  return loaded;
}
