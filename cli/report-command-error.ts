/** Prints an error that ended a command before any report: config problems one per line, anything else once. */
import { ConfigError, PinsyncError } from '../core/errors.js';
import { scrubErrorText } from '../core/scrub-error-text.js';
import type { CliIo } from './cli-io.js';

export function reportCommandError(err: unknown, io: CliIo): void {
  // A ConfigError's message already lists every issue with its path.
  // Anything else may quote warehouse data (a failed cast quotes the value): scrubbed, like every report's error.
  if (err instanceof PinsyncError) {
    io.stderr.write(`pinsync: ${err instanceof ConfigError ? err.message : scrubErrorText(err.message)}\n`);
    return;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr.write(`pinsync: unexpected error: ${scrubErrorText(message)}\n`);
}
