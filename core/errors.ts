/**
 * Error classes with stable `code` strings (undici's convention) and the exit code each maps to, so the CLI never
 * has to guess how bad a failure was. DESIGN §1: 0 ok, 1 a sync failed, 2 usage/config, 3 guardrail.
 */

// 130 = 128 + SIGINT, what shells report for a command stopped by Ctrl-C; an interrupted run is neither failed nor ok.
export const EXIT = { ok: 0, syncFailed: 1, usage: 2, guardrail: 3, interrupted: 130 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class PinsyncError extends Error {
  /** Stable machine-readable identifier, e.g. `PINSYNC_WAREHOUSE_QUERY`. */
  readonly code: string;
  /** Process exit code this error maps to when it ends a command. */
  readonly exitCode: ExitCode;
  constructor(code: string, message: string, exitCode: ExitCode = EXIT.syncFailed, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** One problem found in the configuration, located by its path (`syncs[0].identifiers.email`). */
export interface ConfigIssue {
  /** Dotted/bracketed path to the offending value; empty for the document root. */
  path: string;
  /** What is wrong, in words a user can act on. */
  message: string;
}

export class ConfigError extends PinsyncError {
  /** Every problem found, not just the first. */
  readonly issues: ConfigIssue[];
  constructor(message: string, issues: ConfigIssue[] = []) {
    super('PINSYNC_CONFIG', message, EXIT.usage);
    this.issues = issues;
  }
}

export class UsageError extends PinsyncError {
  constructor(message: string) {
    super('PINSYNC_USAGE', message, EXIT.usage);
  }
}

export class GuardrailError extends PinsyncError {
  constructor(message: string) {
    super('PINSYNC_GUARDRAIL', message, EXIT.guardrail);
  }
}

export class WarehouseError extends PinsyncError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, EXIT.syncFailed, options);
  }
}

export class StateError extends PinsyncError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, EXIT.syncFailed, options);
  }
}

/** Another run of the same sync holds the lock. */
export class LockHeldError extends PinsyncError {
  constructor(message: string) {
    super('PINSYNC_LOCKED', message, EXIT.syncFailed);
  }
}

/** A run stopped by SIGINT/SIGTERM/SIGHUP: what was acknowledged is kept, the next run sends the rest. */
export class InterruptedError extends PinsyncError {
  constructor(message: string) {
    super('PINSYNC_INTERRUPTED', message, EXIT.interrupted);
  }
}

/** An error answered by (or on the way to) the destination API. */
export class DestinationError extends PinsyncError {
  /** HTTP status, or undefined for network-level failures. */
  readonly status: number | undefined;
  /** Pinterest's own error code from the `{code, message}` body, when there was one. */
  readonly apiCode: number | undefined;
  /** The `x-pinterest-rid` response header, for support tickets. */
  readonly requestId: string | undefined;
  /** Whether retrying the same request may succeed (5xx, network, 429). */
  readonly retryable: boolean;
  constructor(
    code: string,
    message: string,
    details: { status?: number; apiCode?: number; requestId?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(code, message, EXIT.syncFailed, { cause: details.cause });
    this.status = details.status;
    this.apiCode = details.apiCode;
    this.requestId = details.requestId;
    this.retryable = details.retryable ?? false;
  }
}

/** Exit code for any thrown value: ours carry one, anything else is an unexpected failure of the sync. */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof PinsyncError ? err.exitCode : EXIT.syncFailed;
}

/**
 * The text of any thrown value, for messages and logs. Node reports a connection refused on every address of a host
 * (`localhost` as ::1 and 127.0.0.1) as an AggregateError with an empty message: its parts say what happened.
 */
export function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.message === '' && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  return err instanceof Error ? err.message : String(err);
}

/** A warehouse read ended by the caller's AbortSignal (Ctrl-C, a failed sibling): one code and message for every engine. */
export function warehouseReadCancelled(who: string, cause?: unknown): WarehouseError {
  return new WarehouseError('PINSYNC_ABORTED', `${who}: reading the warehouse was cancelled`, { cause });
}
