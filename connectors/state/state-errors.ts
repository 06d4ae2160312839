/**
 * What goes wrong with a state file, in words a user can act on: each names the state path, the cause and the fix,
 * with its own code. DuckDB reports these as generic IO errors; these functions recognize its wording.
 */
import { dirname } from 'node:path';
import { LockHeldError, PinsyncError, StateError, messageOf } from '../../core/errors.js';

const FIX_PATH = 'point `state:` in the config at a file in a folder pinsync can create and write (e.g. `state: duckdb:.pinsync/state.duckdb`)';
const DISK_FULL = /No space left on device|Disk quota exceeded|ENOSPC|EDQUOT/i;

/** The folder for the state file could not be created (mkdir failed). */
export function stateFolderError(path: string, err: unknown): StateError {
  const code = (err as NodeJS.ErrnoException).code;
  const dir = dirname(path);
  if (code === 'ENOSPC' || code === 'EDQUOT') return diskFull(path, dir, err);
  const cause =
    code === 'ENOTDIR' || code === 'EEXIST'
      ? `${dir} (or a folder above it) is a file, not a folder`
      : code === 'EACCES' || code === 'EPERM'
        ? `no permission to create it`
        : code === 'EROFS'
          ? `it is on a read-only file system`
          : code === 'ENOENT'
            ? `the file system there does not allow it`
            : messageOf(err);
  return new StateError('PINSYNC_STATE_PATH', `cannot use the state file ${path}: cannot create the folder ${dir}: ${cause}; ${FIX_PATH}`, { cause: err });
}

/** DuckDB could not open the state file. */
export function stateOpenError(path: string, err: unknown): Error {
  const message = messageOf(err);
  const pid = /PID (\d+)/.exec(message)?.[1];
  if (/Could not set lock|Conflicting lock/i.test(message)) {
    return new LockHeldError(
      `the state file ${path} is in use by another pinsync process${pid ? ` (pid ${pid})` : ''}; ` +
        'runs that share a state file run one at a time — wait for it to finish',
    );
  }
  if (DISK_FULL.test(message)) return diskFull(path, dirname(path), err);
  if (/not a valid DuckDB database file/i.test(message)) {
    return new StateError(
      'PINSYNC_STATE_NOT_STATE',
      `cannot use the state file ${path}: it exists but is not a DuckDB database (another program's file?); ${FIX_PATH}, or move that file away`,
      { cause: err },
    );
  }
  const cause = /Is a directory/i.test(message)
    ? 'it is a folder, not a file'
    : /Permission denied/i.test(message)
      ? 'no permission to read and write it'
      : /Read-only file system/i.test(message)
        ? 'it is on a read-only file system'
        : /No such file or directory/i.test(message)
          ? 'its folder does not exist'
          : message;
  return new StateError('PINSYNC_STATE_PATH', `cannot use the state file ${path}: ${cause}; ${FIX_PATH}`, { cause: err });
}

/**
 * A failure while the state is in use: a full disk (the WAL, the file or the spill folder cannot grow) becomes
 * PINSYNC_STATE_DISK_FULL, also when another error wraps it; anything else is returned as it was.
 */
export function translateStateIoError(path: string, err: unknown): unknown {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PinsyncError && e.code === 'PINSYNC_STATE_DISK_FULL') return e;
    if (DISK_FULL.test(e.message)) return diskFull(path, dirname(path), e);
  }
  return err;
}

/** `target` with every method's rejection passed through `translate` (for objects whose code is not ours to wrap). */
export function translateRejections<T extends object>(target: T, translate: (err: unknown) => unknown): T {
  return new Proxy(target, {
    get(obj, key) {
      const value: unknown = Reflect.get(obj, key, obj);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = (value as (...a: unknown[]) => unknown).apply(obj, args);
        return result instanceof Promise ? result.catch((err: unknown) => Promise.reject(translate(err))) : result;
      };
    },
  });
}

function diskFull(path: string, dir: string, err: unknown): StateError {
  const file = /file "([^"]+)"/.exec(messageOf(err))?.[1];
  return new StateError(
    'PINSYNC_STATE_DISK_FULL',
    `the disk holding the state file ${path} is full: no space left${file ? ` to write ${file}` : ''}. ` +
      `Free space in ${dir} (DuckDB also spills large diffs to ${path}.tmp there), or move the state elsewhere with \`state:\`, ` +
      'then run again: only batches Pinterest acknowledged are recorded, so the next run sends what is missing',
    { cause: err },
  );
}
