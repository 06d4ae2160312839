/**
 * The state file holds OAuth tokens and hashes, and DuckDB writes the same data to files it creates on its own beside
 * it, whenever it likes: the WAL (`<state>.wal`, recreated after each checkpoint) and the spill folder
 * (`<state>.tmp/`). Their modes cannot be passed to DuckDB, so while a state store is open the process umask keeps
 * group and others off everything created (process-wide: Node has no per-thread umask); what already exists, e.g.
 * from an older pinsync, is chmodded at open.
 */
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

let openStores = 0;
let umaskBefore: number | undefined;

/**
 * Makes everything this process creates private to its owner until the matching `release` (the last open store
 * restores the umask it found). Worker threads cannot change the umask; there only the chmods at open apply.
 */
export function holdPrivateUmask(): { release(): void } {
  if (openStores === 0) {
    try {
      const previous = process.umask(0o077);
      process.umask(previous | 0o077);
      umaskBefore = previous;
    } catch {
      umaskBefore = undefined;
    }
  }
  openStores++;
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      openStores--;
      if (openStores === 0 && umaskBefore !== undefined) {
        process.umask(umaskBefore);
        umaskBefore = undefined;
      }
    },
  };
}

/**
 * Creates the missing folders of `dir`, owner-only; folders that exist are left as they are. Not `mkdir -p`: Node's
 * recursive mkdir loops forever where the file system refuses a folder under an existing one (`/proc/nope`).
 */
export async function createPrivateFolder(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    if (st?.isDirectory()) break;
    if (st) throw Object.assign(new Error(`${d} is not a folder`), { code: 'ENOTDIR' });
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    await mkdir(d, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => (err.code === 'EEXIST' ? undefined : Promise.reject(err)));
  }
}

/** Owner-only modes on the state file, its WAL and its spill folder (with what is in it), where they exist. */
export async function makeStateFilesPrivate(path: string): Promise<void> {
  await Promise.all([chmodIfExists(path, 0o600), chmodIfExists(`${path}.wal`, 0o600), privateFolder(`${path}.tmp`)]);
}

async function privateFolder(dir: string): Promise<void> {
  if (!(await chmodIfExists(dir, 0o700))) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  await Promise.all(entries.map((e) => (e.isDirectory() ? privateFolder(join(dir, e.name)) : chmodIfExists(join(dir, e.name), 0o600))));
}

async function chmodIfExists(path: string, mode: number): Promise<boolean> {
  try {
    await chmod(path, mode);
    return true;
  } catch {
    // Missing, or not ours to chmod (a file another user made): nothing we can tighten.
    return false;
  }
}
