/** The defaults of `pinsync schedule`'s options: read by the argument parser and by the command, kept in one place. */

/** Default `--concurrency`: two runs at a time keep one slow sync from holding every other one back. */
export const DEFAULT_CONCURRENCY = 2;
/** Default `--shutdown-timeout` in seconds: long enough for a batch in flight, under Kubernetes' usual grace period once raised. */
export const DEFAULT_SHUTDOWN_TIMEOUT_S = 120;
/** Default `--health-host`: metrics and health stay on this machine unless the user opens them (a pod IP, 0.0.0.0). */
export const DEFAULT_HEALTH_HOST = '127.0.0.1';
/** Default `--max-consecutive-failures`: one or two failures are often transient (a warehouse restart); four in a row are not. */
export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 3;
