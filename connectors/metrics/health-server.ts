/**
 * The HTTP endpoint of `pinsync schedule --health-port`: `GET /healthz` for probes, `GET /metrics` for Prometheus,
 * 404 for anything else. Node's http module: two read-only routes do not justify a framework.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../core/errors.js';
import type { PinsyncMetrics } from './pinsync-metrics.js';

export interface HealthServerOptions {
  /** Interface to bind (127.0.0.1 unless the user opens it wider). */
  host: string;
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  /** The metrics to serve and to judge health by. */
  metrics: PinsyncMetrics;
  /** /healthz answers 503 once a sync has failed more than this many times in a row. */
  maxConsecutiveFailures: number;
  /** False once the scheduler is stopping: /healthz then answers 503 so no new traffic is expected of it. */
  isRunning: () => boolean;
}

/** A listening health server. */
export interface HealthServer {
  /** The port actually bound (differs from the requested one when that was 0). */
  port: number;
  /** Stops listening and ends open connections; safe to call more than once. */
  close(): Promise<void>;
}

/** What /healthz answers. */
interface HealthBody {
  /** `ok` (200), `failing` or `stopping` (503). */
  status: 'ok' | 'failing' | 'stopping';
  /** Syncs past the threshold, with their streak. */
  failing: { sync: string; consecutiveFailures: number }[];
  /** The threshold in force. */
  maxConsecutiveFailures: number;
}

/** Judges health from the metrics' failure streaks. */
function healthOf(metrics: PinsyncMetrics, maxConsecutiveFailures: number, running: boolean): HealthBody {
  const failing = [...metrics.consecutiveFailures()].filter(([, n]) => n > maxConsecutiveFailures).map(([sync, n]) => ({ sync, consecutiveFailures: n }));
  const status = !running ? 'stopping' : failing.length > 0 ? 'failing' : 'ok';
  return { status, failing, maxConsecutiveFailures };
}

/**
 * Binds before it resolves, so a port in use is a UsageError (exit 2) raised before the scheduler runs anything,
 * not a crash at the first scrape.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && path === '/healthz') {
      const body = healthOf(options.metrics, options.maxConsecutiveFailures, options.isRunning());
      res.writeHead(body.status === 'ok' ? 200 : 503, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
      return;
    }
    if (read && path === '/metrics') {
      options.metrics.render().then(
        (text) => res.writeHead(200, { 'Content-Type': options.metrics.contentType, 'Cache-Control': 'no-store' }).end(text),
        () => res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found: try /healthz or /metrics\n');
  });
  // A scraper that keeps its connection open must not hold shutdown up.
  server.keepAliveTimeout = 5_000;
  await listen(server, options.host, options.port);
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`;
      const why =
        err.code === 'EADDRINUSE'
          ? `${where} is already in use (another pinsync schedule, or another program): choose another --health-port`
          : err.code === 'EACCES'
            ? `${where} needs privileges pinsync does not have: choose a --health-port above 1023`
            : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND'
              ? `${host} is not an address of this machine: check --health-host`
              : `could not listen on ${where} (${err.code ?? 'error'})`;
      reject(new UsageError(`--health-port: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
