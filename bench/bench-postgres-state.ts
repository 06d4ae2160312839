/**
 * The Postgres state for `npm run bench -- --state ...`: a throwaway local server (`--state postgres`) or the
 * server a URL names, a schema of the bench's own, and what the server spent on each phase.
 *
 * The server's side of a phase is measured two ways, both without extensions (pg_stat_statements would need
 * `shared_preload_libraries`, i.e. a restart with settings the bench does not own):
 *   - statement time: the growth of `pg_stat_database.active_time`, the time backends spent running statements,
 *     summed over connections (Postgres 14+). Backends flush it when they exit, so the bench waits for pinsync's
 *     connections to close before reading it.
 *   - server CPU: when the server runs on this machine, user+system CPU of the postmaster and all its processes from
 *     /proc (a backend that exited is counted in the postmaster's cutime/cstime once reaped). Background work
 *     (checkpointer, autovacuum) is included: it is work the phase caused.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { parsePostgresStateUrl } from '../connectors/state/postgres/postgres-state-url.js';
import { buildClientConfig } from '../connectors/warehouses/postgres/postgres-config.js';

/** Schema the bench creates (and drops) when the URL names none. */
export const BENCH_SCHEMA = 'pinsync_bench';

/** Application names pinsync's state connections use (connectors/state/postgres/), as a LIKE pattern. */
const PINSYNC_APPS = 'pinsync-state%';

/** What the server spent on one phase. */
export interface PostgresPhaseStats {
  /** Growth of pg_stat_database.active_time: milliseconds backends spent running statements. */
  activeMs: number;
  /** Server CPU (user + system) in milliseconds; undefined when the server is not a local process. */
  cpuMs: number | undefined;
  /** Bytes written to temporary files (sorts and hashes spilling past work_mem). */
  tempBytes: number;
  /** Committed transactions. */
  commits: number;
}

/** The Postgres state the bench runs against. */
export interface BenchPostgres {
  /** The `state:` value for pinsync, without a password. */
  stateUrl: string;
  /** Environment for pinsync's phases: PINSYNC_STATE_PASSWORD when the server wants one. */
  env: Record<string, string>;
  /** The location for output: no password. */
  display: string;
  /** Server version and the settings that shape the diff's speed. */
  settings: string;
  /** Runs `fn` (a phase in a child process) and what the server spent meanwhile. */
  measure<T>(fn: () => Promise<T>): Promise<{ result: T; pg: PostgresPhaseStats }>;
  /** Drops the bench's schema, closes the connection, stops a server the bench started. */
  close(): Promise<void>;
}

const INSTALL_HINT =
  'install the server with `apt-get install -y postgresql` (Debian/Ubuntu; the bench runs initdb and pg_ctl itself, no service needed), ' +
  'set PINSYNC_PG_BIN to the folder holding initdb and pg_ctl, or pass --state postgres://user@127.0.0.1:5432/db';

/**
 * `spec`: `postgres` (or `auto`) starts a throwaway server on 127.0.0.1 and stops it in `close`; a `postgres://`
 * URL uses that server, in the schema the URL names (default {@link BENCH_SCHEMA}), which must not exist yet.
 * `opts.applications`: LIKE pattern of the application names whose connections a phase waits to close before it is
 * read (default pinsync's state connections).
 */
export async function openBenchPostgres(spec: string, opts: { applications?: string } = {}): Promise<BenchPostgres> {
  let stopServer = async () => {};
  let url = spec;
  if (spec === 'postgres' || spec === 'auto') {
    // The test suite's server: initdb into a temp folder, loopback only, durability off (see its header).
    const { startPostgresServer } = await import('../test/setup/postgres-server.js');
    const server = await startPostgresServer().catch((err: unknown) => {
      throw new Error(`cannot start a local PostgreSQL for --state ${spec}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}; ${INSTALL_HINT}`);
    });
    stopServer = server.stop;
    url = server.url;
  } else if (!/^postgres(ql)?:\/\//.test(spec)) {
    throw new Error(`--state ${spec}: expected duckdb, postgres (a throwaway local server) or a postgres:// URL`);
  }
  const parsed = new URL(url);
  if (!parsed.searchParams.has('schema')) parsed.searchParams.set('schema', BENCH_SCHEMA);
  // The password travels to pinsync in PINSYNC_STATE_PASSWORD, never in the config file the bench writes.
  const password = parsed.password === '' ? process.env.PINSYNC_STATE_PASSWORD : decodeURIComponent(parsed.password);
  parsed.password = '';
  const stateUrl = parsed.href;
  const location = parsePostgresStateUrl(stateUrl, {});
  const client = new pg.Client({
    ...(await buildClientConfig({ url: location.connectionUrl, password, applicationName: 'pinsync-bench' }, 'bench')),
    types: undefined,
  });
  try {
    await client.connect();
  } catch (err) {
    await stopServer();
    throw new Error(`cannot connect to the Postgres state ${location.display}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const schema = location.schema;
  let created = false;
  const close = async () => {
    if (created) await client.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`).catch(() => undefined);
    await client.end().catch(() => undefined);
    await stopServer();
  };
  try {
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    // A schema the bench did not create may hold someone's state: never drop it.
    if (exists.rowCount !== 0) throw new Error(`schema ${schema} already exists on ${location.display}; name a new one with ?schema=... (the bench creates it and drops it at the end)`);
    created = true;
    const settings = await readSettings(client);
    const postmaster = findPostmaster(Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid));
    const ticksPerSecond = postmaster === undefined ? 100 : clockTicks();

    const sample = async () => {
      await waitForDisconnect(client, opts.applications ?? PINSYNC_APPS);
      await client.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await client.query<{ active: number; temp: string; commits: string }>(
        'SELECT active_time AS active, temp_bytes AS temp, xact_commit AS commits FROM pg_stat_database WHERE datname = current_database()',
      );
      const row = rows[0]!;
      const cpuTicks = postmaster === undefined ? undefined : serverCpuTicks(postmaster);
      return { activeMs: Number(row.active), tempBytes: Number(row.temp), commits: Number(row.commits), cpuTicks };
    };

    return {
      stateUrl,
      env: password === undefined ? {} : { PINSYNC_STATE_PASSWORD: password },
      display: location.display,
      settings,
      async measure(fn) {
        const before = await sample();
        const result = await fn();
        const after = await sample();
        const cpuMs = before.cpuTicks === undefined || after.cpuTicks === undefined ? undefined : ((after.cpuTicks - before.cpuTicks) * 1000) / ticksPerSecond;
        return {
          result,
          pg: { activeMs: after.activeMs - before.activeMs, cpuMs, tempBytes: after.tempBytes - before.tempBytes, commits: after.commits - before.commits },
        };
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function readSettings(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
    `SELECT name, setting, unit FROM pg_settings WHERE name IN ('server_version', 'shared_buffers', 'work_mem', 'fsync', 'synchronous_commit', 'max_parallel_workers_per_gather') ORDER BY name`,
  );
  const show = (r: { name: string; setting: string; unit: string | null }) => {
    if (r.unit === '8kB') return `${r.name}=${(Number(r.setting) * 8) / 1024}MB`;
    if (r.unit === 'kB') return `${r.name}=${Number(r.setting) / 1024}MB`;
    return `${r.name}=${r.setting}`;
  };
  return rows.map(show).join(', ');
}

// Backends flush their statistics when they exit, a moment after pinsync closed the connection. Another pinsync
// on a shared server can hold its connections for longer: after 30 s the phase is read as it is, and says so.
async function waitForDisconnect(client: pg.Client, applications: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const { rows } = await client.query<{ n: string }>(
      'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1',
      [applications],
    );
    if (Number(rows[0]!.n) === 0) {
      // The exit itself (and its flush) follows the last sign of the backend in pg_stat_activity.
      await sleep(200);
      return;
    }
    await sleep(100);
  }
  process.stderr.write('bench: connections to the Postgres state were still open 30 s after the phase; its server figures may miss their last statements\n');
}

/** The postmaster of the backend `backendPid`, when that backend is a process on this machine. */
function findPostmaster(backendPid: number): number | undefined {
  const stat = readStat(backendPid);
  if (!stat || stat.comm !== 'postgres') return undefined;
  const parent = readStat(stat.ppid);
  return parent?.comm === 'postgres' ? stat.ppid : undefined;
}

function serverCpuTicks(postmaster: number): number {
  const own = readStat(postmaster);
  if (!own) throw new Error('the local PostgreSQL server stopped during the bench');
  let ticks = own.utime + own.stime + own.cutime + own.cstime;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const child = readStat(Number(name));
    if (child?.ppid === postmaster) ticks += child.utime + child.stime + child.cutime + child.cstime;
  }
  return ticks;
}

interface ProcStat {
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

// /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses, so split after the last ')'.
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const comm = text.slice(text.indexOf('(') + 1, close);
  const f = text.slice(close + 2).split(' ');
  // After comm: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
  return { comm, ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}
