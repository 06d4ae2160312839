/**
 * A tiny real HTTP server on 127.0.0.1:0 that answers from a script, so client tests exercise real sockets
 * (keep-alive, resets, timeouts) without depending on the emulator.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server received it. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path without the query string. */
  path: string;
  /** Parsed query string. */
  query: URLSearchParams;
  /** Request headers (lower-case names). */
  headers: http.IncomingHttpHeaders;
  /** Raw body text. */
  body: string;
}

/** What the server does with one request. */
export type Reply =
  | { status: number; body?: unknown; headers?: Record<string, string> }
  /** Reads the request, then sends a TCP RST (the client sees ECONNRESET). */
  | 'reset'
  /** Reads the request, then closes the socket without answering. */
  | 'close'
  /** Reads the request and never answers (for timeouts). */
  | 'hang'
  | ((req: RecordedRequest) => Reply);

export interface ScriptedServer {
  /** Base URL to give the client, e.g. http://127.0.0.1:1234/v5. */
  readonly baseUrl: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Appends replies, consumed one per request; once empty, `fallback` answers. */
  enqueue(...replies: Reply[]): void;
  /** Answers requests the queue does not cover (default: 500 "script exhausted"). */
  fallback: Reply;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
}

export async function startScriptedServer(): Promise<ScriptedServer> {
  const queue: Reply[] = [];
  const requests: RecordedRequest[] = [];
  let ridCounter = 0;
  const state: { fallback: Reply } = { fallback: { status: 500, body: { code: 500, message: 'script exhausted' } } };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      let reply: Reply = queue.shift() ?? state.fallback;
      while (typeof reply === 'function') reply = reply(recorded);
      if (reply === 'reset') {
        req.socket.resetAndDestroy();
        return;
      }
      if (reply === 'hang') return;
      if (reply === 'close') {
        req.socket.destroy();
        return;
      }
      ridCounter += 1;
      const text = reply.body === undefined ? '' : typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'x-pinterest-rid': `rid-${ridCounter}`,
        ...reply.headers,
      });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v5`,
    requests,
    enqueue: (...replies) => queue.push(...replies),
    get fallback() {
      return state.fallback;
    },
    set fallback(reply: Reply) {
      state.fallback = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
