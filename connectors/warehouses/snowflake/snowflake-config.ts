/**
 * Builds `snowflake-sdk` connection options from a warehouse's settings: password or key-pair (JWT) login, the
 * session's warehouse/database/schema/role, the query tag that names the sync in Snowflake's query history, an
 * `accessUrl` for a custom endpoint (a local fake, a private link), and what keeps a long read healthy:
 *
 * - `resultPrefetch: 1`: the SDK downloads and parses each result chunk whole (tens of MB of JSON for a wide result);
 *   its default of 2 keeps up to three in memory at once, and its issue tracker has out-of-memory reports from
 *   prefetching. One chunk ahead still overlaps the next download with processing the current one.
 * - `clientSessionKeepAlive`: a long result's chunks come from cloud storage, not through the session, and Snowflake
 *   expires a session that makes no request for four hours. A heartbeat (hourly, the SDK's default) keeps it, so a
 *   slow read can still be cancelled and logged out of at its end; the SDK stops the heartbeat at logout.
 */
import type { ConnectionOptions } from 'snowflake-sdk';

/** How to reach and log in to Snowflake. */
export interface SnowflakeConnectionSettings {
  /** Account identifier (`xy12345`, `myorg-myaccount`), never a URL. */
  account: string;
  /** Login name. */
  username: string;
  /** Password login. */
  password?: string;
  /** Key-pair login: path of a PEM private key (PKCS#8, optionally encrypted). */
  privateKeyPath?: string;
  /** Key-pair login: the PEM private key itself. */
  privateKey?: string;
  /** Passphrase of an encrypted private key. */
  privateKeyPassphrase?: string;
  /** Virtual warehouse that runs the queries. */
  warehouse: string;
  /** Default database of the session. */
  database: string;
  /** Default schema of the session. */
  schema: string;
  /** Role of the session; the user's default role when unset. */
  role?: string;
  /** Endpoint instead of `https://<account>.snowflakecomputing.com`, e.g. `http://127.0.0.1:8085` for a fake. */
  accessUrl?: string;
  /** Login attempts after the first on network errors (the SDK's default is 7, with backoff). */
  loginRetries?: number;
}

// Snowflake accepts query tags up to 2000 characters.
const MAX_QUERY_TAG = 2000;

/** Options for `createConnection`; `queryTag` becomes the session's QUERY_TAG. */
export function snowflakeConnectionOptions(s: SnowflakeConnectionSettings, queryTag: string): ConnectionOptions {
  const keyPair = s.privateKeyPath !== undefined || s.privateKey !== undefined;
  const options: ConnectionOptions & { clientSessionKeepAlive: boolean } = {
    account: s.account,
    username: s.username,
    warehouse: s.warehouse,
    database: s.database,
    schema: s.schema,
    ...(s.role !== undefined && { role: s.role }),
    ...(s.accessUrl !== undefined && { accessUrl: s.accessUrl }),
    ...(keyPair
      ? {
          authenticator: 'SNOWFLAKE_JWT',
          ...(s.privateKey !== undefined ? { privateKey: s.privateKey } : { privateKeyPath: s.privateKeyPath }),
          ...(s.privateKeyPassphrase !== undefined && { privateKeyPass: s.privateKeyPassphrase }),
        }
      : { password: s.password }),
    queryTag: queryTag.slice(0, MAX_QUERY_TAG),
    // Otherwise a NULL in a column fetched as a string (NUMBER, dates, BINARY) arrives as the text 'NULL', which
    // would count as an invalid identifier instead of an empty one. (The SDK applies this process-wide.)
    representNullAsStringNull: false,
    application: 'pinsync',
    ...(s.loginRetries !== undefined && { sfRetryMaxLoginRetries: s.loginRetries }),
    resultPrefetch: 1,
    // Accepted by the SDK (connection_config.js) though missing from its typings.
    clientSessionKeepAlive: true,
  };
  return options;
}
