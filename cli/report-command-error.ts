/** Prints an error that ended a command before any report: config problems one per line, anything else once. */
import { ConfigError, PinsyncError, UsageError } from '../core/errors.js';
import { scrubErrorText } from '../core/scrub-error-text.js';
import type { CliIo } from './cli-io.js';

export function reportCommandError(err: unknown, io: CliIo): void {
  // A ConfigError's message already lists every issue with its path.
  // Anything else may quote warehouse data (a failed cast quotes the value): scrubbed, like every report's error.
  if (err instanceof PinsyncError) {
    io.stderr.write(`pinsync: ${err instanceof ConfigError ? err.message : `${scrubErrorText(err.message)}${codeSuffix(err)}`}\n`);
    return;
  }
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  io.stderr.write(`pinsync: unexpected error: ${scrubErrorText(message)}\n`);
}

// The code, as a report shows it for errors inside a sync, so scripts and people can tell these failures apart
// (PINSYNC_STATE_PATH, PINSYNC_STATE_NEWER, ...). Usage errors keep their plain line: `--help` is their way out.
function codeSuffix(err: PinsyncError): string {
  return err instanceof UsageError || err.message.includes(err.code) ? '' : ` (${err.code})`;
}
