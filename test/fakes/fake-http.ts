/**
 * The plumbing the warehouse fakes share: a node:http server on 127.0.0.1 port 0, request bodies read whole (and
 * gunzipped: snowflake-sdk compresses its request bodies), JSON answers, and a log of every request so tests can
 * assert on what the real SDK actually sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One request as the fake received it. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query string parameters (last value wins). */
  query: Record<string, string>;
  /** Lower-cased request headers. */
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or undefined when there was none (or it was not JSON). */
  body: any; // arbitrary JSON the tests index into freely
  /** The body as text (after gunzip), for non-JSON bodies such as forms. */
  rawBody: string;
}

/** Handles one recorded request; resolves once it has answered. */
export type FakeHandler = (req: RecordedRequest, res: ServerResponse) => Promise<void> | void;

/** A started fake: its base URL, its request log and a way to stop it. */
export interface RunningHttpFake {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The port the OS assigned. */
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  /** Stops listening and drops open connections (long polls included). */
  close(): Promise<void>;
}

/** Starts a server that records each request and hands it to `handle`; a handler that throws answers 500. */
export async function startHttpFake(handle: FakeHandler): Promise<RunningHttpFake> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      try {
        const recorded = await recordRequest(req);
        requests.push(recorded);
        await handle(recorded, res);
      } catch (err) {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 500, message: `fake failed: ${String(err)}` } });
        else res.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers with a JSON body. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Resolves after `ms`, or at once when the fake is closing the connection. */
export function pause(ms: number, res?: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    res?.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function recordRequest(req: IncomingMessage): Promise<RecordedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let raw = Buffer.concat(chunks);
  if (raw.length > 0 && String(req.headers['content-encoding'] ?? '').includes('gzip')) raw = gunzipSync(raw);
  let body: unknown;
  const rawBody = raw.toString('utf8');
  if (raw.length > 0) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  return {
    method: req.method ?? 'GET',
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: req.headers,
    body,
    rawBody,
  };
}
