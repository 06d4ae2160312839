/**
 * The lifecycle of one dedicated `pg` client: connect (abortable), cancel what its backend is running from a
 * second connection, and close it without ever hanging on a server that stopped answering.
 */
import { Client, type ClientConfig } from 'pg';

/** How long a cancel or a goodbye may take before pinsync stops waiting and drops the socket. */
const SHUTDOWN_TIMEOUT_MS = 5_000;

/** Connects a new client; when `signal` aborts first, the half-open socket is dropped and `abortError()` thrown. */
export async function connectClient(config: ClientConfig, signal: AbortSignal | undefined, abortError: () => Error): Promise<Client> {
  const client = new Client(config);
  // An idle client whose server goes away emits 'error'; unheard, that would crash the process. The next query on
  // it fails anyway, which is where pinsync reports it.
  client.on('error', () => {});
  if (signal?.aborted) throw abortError();
  const onAbort = () => void client.end().catch(() => {});
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await client.connect();
  } catch (err) {
    await closeClient(client);
    throw signal?.aborted ? abortError() : err;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) {
    await closeClient(client);
    throw abortError();
  }
  return client;
}

/**
 * Asks the server to cancel whatever backend `pid` is running, over a fresh connection with the same credentials.
 * `pg_cancel_backend` is used rather than the protocol's CancelRequest because it also works through TLS-only
 * proxies, pgbouncer (which hands out its own fake cancel keys) and Redshift. Best effort: never throws.
 */
export async function cancelBackend(config: ClientConfig, pid: number): Promise<void> {
  const client = new Client({ ...config, connectionTimeoutMillis: Math.min(config.connectionTimeoutMillis ?? SHUTDOWN_TIMEOUT_MS, SHUTDOWN_TIMEOUT_MS) });
  client.on('error', () => {});
  try {
    await withTimeout(
      (async () => {
        await client.connect();
        await client.query('SELECT pg_cancel_backend($1)', [pid]);
      })(),
    );
  } catch {
    // The caller closes the original connection next, which ends the backend's work at its next write at worst.
  } finally {
    await closeClient(client);
  }
}

/** Ends the client; `pg` drops the socket itself when a query is still running, and so does the timeout here. */
export async function closeClient(client: Client): Promise<void> {
  try {
    await withTimeout(client.end());
  } catch {
    // No goodbye from the server in time: drop the socket so nothing is left open behind the caller's back.
    client.connection.stream.destroy();
  }
}

async function withTimeout<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${SHUTDOWN_TIMEOUT_MS} ms`)), SHUTDOWN_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
