/** Prints an error that ended a command before any report: config problems one per line, anything else once. */
import { PinsyncError } from '../core/errors.js';
import type { CliIo } from './cli-io.js';

export function reportCommandError(err: unknown, io: CliIo): void {
  // A ConfigError's message already lists every issue with its path.
  if (err instanceof PinsyncError) {
    io.stderr.write(`pinsync: ${err.message}\n`);
    return;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr.write(`pinsync: unexpected error: ${message}\n`);
}
