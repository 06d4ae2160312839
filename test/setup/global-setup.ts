/** Runs once before the suite: makes sure child processes spawned by tests inherit the safety settings. */
export default function setup(): void {
  process.env.SNOWFLAKE_DISABLE_PLATFORM_DETECTION ??= 'true';
  process.env.PINSYNC_LOG_LEVEL ??= 'silent';
}
