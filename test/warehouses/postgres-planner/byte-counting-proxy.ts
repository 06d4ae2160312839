/**
 * A TCP proxy on 127.0.0.1 in front of the test's Postgres server that keeps every byte the server sent to
 * pinsync, so a test can prove what crossed the network (and what did not).
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/** A running proxy. */
export interface ByteCountingProxy {
  /** The Postgres URL to give pinsync: the target's, with the proxy's port. */
  url: string;
  /** Every byte the server sent since the last `reset`, in order per connection, connections one after another. */
  received(): Buffer;
  /** Forgets what was received. */
  reset(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Starts a proxy to the server `targetUrl` names. */
export async function startByteCountingProxy(targetUrl: string): Promise<ByteCountingProxy> {
  const target = new URL(targetUrl);
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
    sockets.add(client).add(upstream);
    upstream.on('data', (d: Buffer) => chunks.push(Buffer.from(d)));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const url = new URL(targetUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    received: () => Buffer.concat(chunks),
    reset: () => void chunks.splice(0),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
