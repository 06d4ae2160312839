/**
 * A throwaway PostgreSQL server for the test run: initdb into a fresh temp dir, start on a free loopback port with
 * durability off (fsync, synchronous_commit, full_page_writes), stop and delete at teardown. ~1 s on this machine.
 *
 * Logins: the superuser `postgres` with trust, and {@link PG_PASSWORD_USER} that must give {@link PG_PASSWORD}
 * (scram-sha-256), so tests can provoke a real authentication failure.
 *
 * initdb and postgres refuse to run as root, so as root they run as the `postgres` OS user via `runuser`.
 * A run that was killed leaves its server and folder behind; the next start stops and deletes those whose owning
 * process is gone (the owner's pid is written into each folder), and never touches a live run's server.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** A role that logs in with a password over TCP (every other login is trusted). */
export const PG_PASSWORD_USER = 'pinsync_password_user';
/** The password of {@link PG_PASSWORD_USER}. */
export const PG_PASSWORD = 'correct horse battery staple';

const DIR_PREFIX = 'pinsync-pg-';
const OWNER_FILE = 'owner.pid';
const INSTALL_HINT = 'install them with: apt-get update && apt-get install -y postgresql (or set PINSYNC_PG_BIN to their folder)';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:PORT/postgres`: the trusted superuser on the default database. */
  url: string;
  /** The TCP port the server listens on (127.0.0.1 only). */
  port: number;
  /** Stops the server and deletes its folder. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the server but keeps its data folder and port, as an outage or a restart would: `fast` ends every session
   * cleanly (57P01), `immediate` like a crash (no shutdown checkpoint). Resolves once it no longer accepts connections.
   */
  halt(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts a halted server again on the same port with the same data. Resolves once it accepts connections. */
  resume(): Promise<void>;
}

/** The path of a PostgreSQL client or server tool (pg_dump, psql, …) of the binaries the test server runs. */
export async function postgresTool(name: string): Promise<string> {
  return join(await findBinDir(), name);
}

/** Starts a fresh server; throws with an install hint when the PostgreSQL binaries are missing. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const bin = await findBinDir();
  await sweepLeftovers(bin);
  const root = await mkdtemp(join(tmpdir(), DIR_PREFIX));
  await writeFile(join(root, OWNER_FILE), String(process.pid));
  const data = join(root, 'data');
  const asPostgres = await osUserRunner(root);
  let started = false;
  let startOptions = '';
  const stop = async () => {
    if (started) {
      started = false;
      await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync', '--no-instructions']);
    // pg_hba.conf is matched top to bottom: the password rule must precede initdb's catch-all trust lines.
    const hba = join(data, 'pg_hba.conf');
    const trustRules = await readFile(hba, 'utf8');
    await writeFile(hba, `host all ${PG_PASSWORD_USER} 127.0.0.1/32 scram-sha-256\n${trustRules}`);
    // A port found free can be taken before the server binds it; a second try with a new port settles that race.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const options = [
        `-p ${port}`,
        `-k ${root}`, // Unix socket in our own folder: /var/run/postgresql may not exist or be writable
        '-c listen_addresses=127.0.0.1',
        '-c fsync=off',
        '-c synchronous_commit=off',
        '-c full_page_writes=off',
        '-c max_connections=100',
      ].join(' ');
      try {
        await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(root, 'server.log'), '-w', '-t', '30', '-o', options, 'start']);
        startOptions = options;
      } catch (err) {
        if (attempt < 3) continue;
        const log = await readFile(join(root, 'server.log'), 'utf8').catch(() => '');
        throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${log.slice(-2000)}`);
      }
      started = true;
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const admin = new Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE ${PG_PASSWORD_USER} LOGIN PASSWORD '${PG_PASSWORD}'`);
      } finally {
        await admin.end();
      }
      const halt = async (mode: 'fast' | 'immediate' = 'fast') => {
        if (!started) return;
        await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
        started = false;
      };
      const resume = async () => {
        if (started) return;
        await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', join(root, 'server.log'), '-w', '-t', '60', '-o', startOptions, 'start']);
        started = true;
      };
      return { url, port, stop, halt, resume };
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

async function findBinDir(): Promise<string> {
  const candidates: string[] = [];
  if (process.env.PINSYNC_PG_BIN) candidates.push(process.env.PINSYNC_PG_BIN);
  // Debian/Ubuntu keep each major version apart; prefer the newest installed.
  const debianRoot = '/usr/lib/postgresql';
  if (existsSync(debianRoot)) {
    const versions = (await readdir(debianRoot)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => join(debianRoot, v, 'bin')));
  }
  try {
    candidates.push((await run('pg_config', ['--bindir'])).stdout.trim());
  } catch {
    // No pg_config on PATH: the candidates above are all there is.
  }
  const found = candidates.find((dir) => ['initdb', 'pg_ctl'].every((tool) => existsSync(join(dir, tool))));
  if (!found) throw new Error(`PostgreSQL server binaries (initdb, pg_ctl) were not found; ${INSTALL_HINT}`);
  return found;
}

type Runner = (file: string, args: string[]) => Promise<void>;

// As root: hand the folder to the postgres OS user and run every tool through runuser. Otherwise: run directly.
async function osUserRunner(root: string): Promise<Runner> {
  if (process.getuid?.() !== 0) return async (file, args) => void (await run(file, args, { cwd: root }));
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  await chown(root, uid, gid);
  await chown(join(root, OWNER_FILE), uid, gid);
  // cwd: runuser keeps the caller's working directory, which the postgres user may not be allowed to enter.
  return async (file, args) => void (await run('runuser', ['-u', 'postgres', '--', file, ...args], { cwd: root }));
}

async function sweepLeftovers(bin: string): Promise<void> {
  let names: string[];
  try {
    names = (await readdir(tmpdir())).filter((n) => n.startsWith(DIR_PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const root = join(tmpdir(), name);
    const owner = Number(await readFile(join(root, OWNER_FILE), 'utf8').catch(() => 'NaN'));
    if (Number.isInteger(owner) && isAlive(owner)) continue; // another test run, still going
    // No owner yet may mean another run created the folder a moment ago and is about to write it.
    if (!Number.isInteger(owner) && Date.now() - (await stat(root).catch(() => ({ mtimeMs: 0 }))).mtimeMs < 60_000) continue;
    const data = join(root, 'data');
    if (existsSync(join(data, 'postmaster.pid'))) {
      const stopper = await osUserRunner(root).catch(() => undefined);
      await stopper?.(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
    }
    await rm(root, { recursive: true, force: true }).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
