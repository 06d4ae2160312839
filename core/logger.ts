/**
 * Logging and progress seams. Core never writes to the terminal itself: the CLI passes a pino logger (stderr)
 * and, on a TTY, a progress bar; tests pass nothing and get silence.
 */

/** The subset of pino's logger core uses. */
export interface Logger {
  /** Detail useful when debugging. */
  debug(obj: object | string, msg?: string): void;
  /** Normal progress. */
  info(obj: object | string, msg?: string): void;
  /** Something the user should look at; the sync continues. */
  warn(obj: object | string, msg?: string): void;
  /** A failure. */
  error(obj: object | string, msg?: string): void;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Long-running phases report through this; the CLI draws a bar on a TTY and ignores it elsewhere. */
export interface Progress {
  /** A phase starts; `total` is undefined when unknown (reading a query). */
  start(phase: string, total?: number): void;
  /** Advances the current phase by `delta` units (rows read, records pushed). */
  tick(delta: number): void;
  /** The current phase is over. */
  stop(): void;
}

export const noProgress: Progress = { start() {}, tick() {}, stop() {} };
