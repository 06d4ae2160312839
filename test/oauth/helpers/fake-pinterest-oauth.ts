/**
 * A small stateful Pinterest on 127.0.0.1:0 for OAuth tests: `/v5/oauth/token` (Basic auth, refresh with rotation,
 * code exchange, scripted failures) and the few API routes the tests call, which answer 401 code 2 to any token
 * not currently valid. Real sockets, no emulator: the emulator's OAuth side is tested separately.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const CLIENT_ID = 'test-client-id';
export const CLIENT_SECRET = 'client-secret-DO-NOT-PRINT-0001';
export const AD_ACCOUNT = '549755885175';

/** One `/oauth/token` request as received. */
export interface TokenCall {
  /** Parsed form body. */
  form: Record<string, string>;
  /** The Authorization header. */
  authorization: string | undefined;
}

/** A forced answer of the token endpoint. */
export interface TokenReply {
  /** HTTP status. */
  status: number;
  /** JSON body. */
  body?: unknown;
  /** Extra headers. */
  headers?: Record<string, string>;
}

export interface FakePinterest {
  /** API base, `http://127.0.0.1:PORT/v5`. */
  readonly baseUrl: string;
  /** Access tokens accepted now. */
  readonly validAccess: Set<string>;
  /** Refresh tokens accepted now. */
  readonly validRefresh: Set<string>;
  /** Every token request. */
  readonly tokenCalls: TokenCall[];
  /** Every API request: method, path, bearer token. */
  readonly apiCalls: { method: string; path: string; token: string | undefined }[];
  /** Forced token endpoint answers, consumed first. */
  readonly tokenReplies: TokenReply[];
  /** Scopes of issued tokens (space-separated in answers). */
  scopes: string[];
  /** Answer refreshes without a new refresh token (legacy apps). */
  legacy: boolean;
  /** Delay before answering a token request, so concurrent 401s overlap the refresh. */
  tokenDelayMs: number;
  /** `expires_in` of issued access tokens. */
  accessTtlSeconds: number;
  /** Registers a single-use authorization code. */
  issueCode(code: string, redirectUri: string): void;
  /** Stops the server. */
  close(): Promise<void>;
}

export async function startFakePinterest(opts: { access?: string[]; refresh?: string[] } = {}): Promise<FakePinterest> {
  const codes = new Map<string, string>();
  let serial = 0;
  const fake = {
    validAccess: new Set(opts.access ?? []),
    validRefresh: new Set(opts.refresh ?? []),
    tokenCalls: [] as TokenCall[],
    apiCalls: [] as FakePinterest['apiCalls'],
    tokenReplies: [] as TokenReply[],
    scopes: ['ads:read', 'ads:write'],
    legacy: false,
    tokenDelayMs: 0,
    accessTtlSeconds: 2_592_000,
  };
  const send = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'x-pinterest-rid': `rid-${++serial}`, ...headers });
    res.end(body === undefined ? '' : JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const text = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'POST' && path === '/v5/oauth/token') {
        const form = Object.fromEntries(new URLSearchParams(text));
        fake.tokenCalls.push({ form, authorization: req.headers.authorization });
        setTimeout(() => answerToken(res, form, req.headers.authorization), fake.tokenDelayMs);
        return;
      }
      const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
      fake.apiCalls.push({ method: req.method ?? '', path, token });
      if (token === undefined || !fake.validAccess.has(token)) return send(res, 401, { code: 2, message: 'Authentication failed.' });
      if (path === '/v5/user_account') {
        return fake.scopes.includes('user_accounts:read')
          ? send(res, 200, { id: '1000000001', username: 'acme-ads', account_type: 'BUSINESS' })
          : send(res, 401, { code: 3, message: 'Your token does not have sufficient permissions to perform this operation.' });
      }
      if (req.method === 'GET' && path === `/v5/ad_accounts/${AD_ACCOUNT}`) {
        return send(res, 200, { id: AD_ACCOUNT, name: 'Acme', owner: { id: '1', username: 'acme-ads' }, permissions: ['OWNER'] });
      }
      const list = /^\/v5\/ad_accounts\/\d+\/customer_lists\/(\d+)$/.exec(path);
      if (req.method === 'PATCH' && list) {
        return send(res, 200, {
          id: list[1],
          ad_account_id: AD_ACCOUNT,
          name: 'list',
          type: 'customerlist',
          num_batches: 2,
          num_uploaded_user_records: 1,
          num_removed_user_records: 0,
          status: 'PROCESSING',
          created_time: 1,
          updated_time: 2,
          exceptions: {},
        });
      }
      send(res, 404, { code: 404, message: 'not found' });
    });
  });

  const answerToken = (res: http.ServerResponse, form: Record<string, string>, authorization: string | undefined) => {
    const forced = fake.tokenReplies.shift();
    if (forced !== undefined) return send(res, forced.status, forced.body, forced.headers);
    const expected = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
    if (authorization !== expected) return send(res, 401, { code: 2, message: 'Authentication failed.' });
    let responseType: string;
    if (form.grant_type === 'refresh_token') {
      if (!fake.validRefresh.has(form.refresh_token ?? '')) return send(res, 401, { code: 283, message: 'The authorization grant is invalid' });
      responseType = 'refresh_token';
      if (!fake.legacy) fake.validRefresh.delete(form.refresh_token!);
    } else if (form.grant_type === 'authorization_code') {
      if (codes.get(form.code ?? '') !== form.redirect_uri) return send(res, 401, { code: 283, message: 'The authorization grant is invalid' });
      codes.delete(form.code!);
      responseType = 'authorization_code';
    } else {
      return send(res, 400, { code: 1, message: 'unknown grant_type' });
    }
    const access = `access-${++serial}-${Math.random().toString(36).slice(2)}`;
    fake.validAccess.add(access);
    const body: Record<string, unknown> = {
      access_token: access,
      token_type: 'bearer',
      expires_in: fake.accessTtlSeconds,
      scope: fake.scopes.join(' '),
      response_type: responseType,
    };
    if (!(fake.legacy && responseType === 'refresh_token')) {
      const refresh = `refresh-${serial}-${Math.random().toString(36).slice(2)}`;
      fake.validRefresh.add(refresh);
      Object.assign(body, { refresh_token: refresh, refresh_token_expires_in: 5_184_000, refresh_token_expires_at: Math.floor(Date.now() / 1000) + 5_184_000 });
    }
    send(res, 200, body);
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, {
    baseUrl: `http://127.0.0.1:${port}/v5`,
    issueCode: (code: string, redirectUri: string) => void codes.set(code, redirectUri),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
