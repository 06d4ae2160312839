/**
 * Turns a `type: postgres` warehouse entry into a `pg` client configuration: a URL or discrete fields, TLS files
 * read from disk, pinsync's per-client type parsers and a connect timeout.
 */
import { readFile } from 'node:fs/promises';
import type { ClientConfig } from 'pg';
import type { ConnectionOptions } from 'node:tls';
import type { PostgresWarehouseConfig } from '../../../core/config/warehouse-schema.js';
import { WarehouseError } from '../../../core/errors.js';
import { pinsyncPgTypes } from './postgres-cell-values.js';

/** Without a bound, an unroutable host hangs for the OS's TCP timeout (minutes) before anyone hears about it. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** Idle time before the first TCP keep-alive probe: well under the idle timeouts of NAT gateways and firewalls. */
export const KEEPALIVE_INITIAL_DELAY_MS = 30_000;

export interface PostgresConnectionOptions {
  /** `postgres://` or `postgresql://` URL; `user`/`password` given beside it override the URL's own. */
  url?: string;
  /** Server host (with discrete fields instead of `url`). */
  host?: string;
  /** Server port; default 5432 (Redshift listens on 5439). */
  port?: number;
  /** Database name. */
  database?: string;
  /** Login role. */
  user?: string;
  /** Password; never logged or put in an error message. */
  password?: string;
  /** TLS: `true` verifies against the system CAs; an object names CA/client files; `false` turns TLS off. */
  ssl?: PostgresWarehouseConfig['ssl'];
  /** Give up connecting after this many milliseconds; default {@link DEFAULT_CONNECT_TIMEOUT_MS}. */
  connectTimeoutMs?: number;
  /** Shown in `pg_stat_activity.application_name`; default `pinsync`. */
  applicationName?: string;
}

// Everything in a URL that decides TLS; dropped when the config's own `ssl` should decide instead.
const URL_TLS_PARAMS = ['ssl', 'sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'sslnegotiation', 'uselibpqcompat'];

/** Builds the `pg` client configuration; `who` (e.g. `sync vip`) prefixes errors about unreadable TLS files. */
export async function buildClientConfig(opts: PostgresConnectionOptions, who: string): Promise<ClientConfig> {
  const config: ClientConfig = {
    types: pinsyncPgTypes,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: opts.applicationName ?? 'pinsync',
    // Detects a peer that vanished (NAT/firewall timeouts) during a long FETCH instead of waiting forever. Without
    // a delay the OS default applies (2 hours on Linux), long after a NAT gateway dropped the idle connection
    // (AWS NAT: 350 s) while the server was still computing the first FETCH.
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
  };
  if (opts.url !== undefined) {
    config.connectionString = rewriteUrl(opts.url, opts);
  } else {
    config.host = opts.host;
    config.port = opts.port;
    config.database = opts.database;
    config.user = opts.user;
    config.password = opts.password;
  }
  if (opts.ssl !== undefined) config.ssl = await tlsOptions(opts.ssl, who);
  return config;
}

// `pg` lets whatever the URL says win over explicit fields (an absent URL user even blanks an explicit one), the
// reverse of what the config promises. So explicit values are written into the URL itself before `pg` parses it.
function rewriteUrl(url: string, opts: PostgresConnectionOptions): string {
  const wantsOverride = opts.user !== undefined || opts.password !== undefined || opts.ssl !== undefined;
  if (!wantsOverride) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Multi-host URLs (`h1,h2`) are valid for pg but not for WHATWG URL: pass them through untouched.
    return url;
  }
  // The setters percent-encode most reserved characters but not '%', so encode first and decode nothing twice.
  if (opts.user !== undefined) parsed.username = encodeURIComponent(opts.user);
  if (opts.password !== undefined) parsed.password = encodeURIComponent(opts.password);
  if (opts.ssl !== undefined) for (const key of URL_TLS_PARAMS) parsed.searchParams.delete(key);
  return parsed.href;
}

async function tlsOptions(ssl: NonNullable<PostgresWarehouseConfig['ssl']>, who: string): Promise<boolean | ConnectionOptions> {
  if (typeof ssl === 'boolean') return ssl;
  const options: ConnectionOptions = { rejectUnauthorized: ssl.rejectUnauthorized ?? true };
  if (ssl.caPath !== undefined) options.ca = await readTlsFile(ssl.caPath, 'ssl.caPath', who);
  if (ssl.certPath !== undefined) options.cert = await readTlsFile(ssl.certPath, 'ssl.certPath', who);
  if (ssl.keyPath !== undefined) options.key = await readTlsFile(ssl.keyPath, 'ssl.keyPath', who);
  return options;
}

async function readTlsFile(path: string, field: string, who: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    throw new WarehouseError('PINSYNC_WAREHOUSE_TLS', `${who}: cannot read the Postgres warehouse's ${field} ${path} (${reason})`, { cause: err });
  }
}
