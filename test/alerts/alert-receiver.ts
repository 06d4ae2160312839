/**
 * A real HTTP receiver on 127.0.0.1 standing in for Slack or a webhook endpoint: it records every request and answers
 * from a script (status, headers, or never), then 200 once the script is used up.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted answer: a status (with headers), or `hang` to never answer. */
export type ScriptedAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** A request the receiver got. */
export interface ReceivedRequest {
  /** Request path. */
  path: string;
  /** Lower-cased headers. */
  headers: IncomingHttpHeaders;
  /** The raw body text. */
  body: string;
  /** When it arrived (ms). */
  at: number;
}

export interface AlertReceiver {
  /** `http://127.0.0.1:<port>/<path>`. */
  url(path?: string): string;
  /** Requests so far. */
  received: ReceivedRequest[];
  /** Answers for the next requests, in order. */
  script(...answers: ScriptedAnswer[]): void;
  /** Stops the server (hanging requests are dropped). */
  close(): Promise<void>;
}

export async function startAlertReceiver(): Promise<AlertReceiver> {
  const received: ReceivedRequest[] = [];
  const queue: ScriptedAnswer[] = [];
  const hanging: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const answer = queue.shift() ?? { status: 200, body: 'ok' };
      if (answer === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? (answer.status < 300 ? 'ok' : 'error'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path = '/hook') => `http://127.0.0.1:${port}${path}`,
    received,
    script: (...answers) => void queue.push(...answers),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
