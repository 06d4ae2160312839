/**
 * The `--out` report file. Reports carry hashed identifiers, so the file and any folder pinsync creates for it are
 * private to their owner whatever the umask. The folder is prepared before a sync runs: a path that cannot be written
 * must stop the command before anything is sent, not turn a sync that succeeded into a failure afterwards.
 */
import { constants } from 'node:fs';
import { access, open, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { EXIT, PinsyncError, UsageError } from '../../core/errors.js';
import { createPrivateFolder } from '../../connectors/state/private-state-files.js';

/** A `--out` path that cannot be written; raised before any sync runs. */
export class ReportOutError extends PinsyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('PINSYNC_REPORT_OUT', message, EXIT.usage, options);
  }
}

/** Creates the report's folder (0700) and checks the report can be written there; `shown` is the path as typed. */
export async function prepareReportFile(file: string, shown: string): Promise<void> {
  const fail = (cause: string, fix: string, err?: unknown) =>
    new ReportOutError(`--out ${shown}: ${cause}; ${fix} (PINSYNC_REPORT_OUT)`, { cause: err });
  const existing = await stat(file).catch(() => undefined);
  if (existing?.isDirectory()) throw fail('is a folder', `name a file inside it, e.g. --out ${join(shown, 'report.txt')}`);
  const folder = dirname(file);
  try {
    await createPrivateFolder(folder);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'a file is in the way' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? 'error');
    throw fail(`cannot create the folder ${folder} (${why})`, 'pick a folder you can write to', err);
  }
  try {
    await access(existing ? file : folder, constants.W_OK);
  } catch (err) {
    throw fail(`${existing ? 'the file' : `the folder ${folder}`} is not writable`, 'fix its permissions or pick another path', err);
  }
}

/** Writes the report owner-only (0600); an existing file is made private before the new text goes in. */
export async function writeReportFile(file: string, text: string): Promise<void> {
  const handle = await open(file, 'w', 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}

/**
 * HTML is a page to open, not text to read in a terminal: `--format html` without `--out` writes to stdout only when
 * stdout is a pipe or a file (`> plan.html`, `| gzip`). Checked before any sync runs, like an unwritable --out.
 */
export function checkReportDestination(format: string, out: string | undefined, stdout: { isTTY?: boolean }): void {
  if (format === 'html' && out === undefined && stdout.isTTY === true) {
    throw new UsageError('--format html writes a web page, not terminal text: add --out report.html, or redirect stdout to a file');
  }
}
