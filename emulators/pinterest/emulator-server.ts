/**
 * The emulator's HTTP server (node:http, loopback by default) and `startEmulator`. Every request goes through the
 * same pipeline, so faults, logging and the `x-pinterest-rid` header apply to every answer, errors included:
 *
 *   fault plan (expiries, latency, fail, drop) → body size → route → bearer or Basic auth
 *   → gates (scope, client credentials, rate limit) → path ids → ad account exists (404) and is accessible (403)
 *   → JSON or form body → handler
 *
 * Each request lands in the request log (numbers, for counting calls) and the exchange log (headers and bodies,
 * for checking a session against the OpenAPI description).
 */

import { setMaxListeners } from 'node:events';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  adAccountNotFound,
  ApiError,
  forbidden,
  internalError,
  invalidRequest,
  tooLarge,
} from './api-errors.js';
import { EmulatorClock } from './emulator-clock.js';
import type { AdAccountEntity, CustomerListEntity } from './emulator-entities.js';
import { resolveOptions, resolveTokenSeed, type EmulatorOptions, type ResolvedOptions, type TokenSeed } from './emulator-options.js';
import { EmulatorStore } from './emulator-store.js';
import { compactBody, ExchangeLog, mediaType, redactedRequestHeaders, requestExchangeBody, type Exchange } from './exchange-log.js';
import { FaultInjector } from './fault-injector.js';
import { matchRatePredicate } from './match-simulation.js';
import { OAuthAuthority, type OAuthApp } from './oauth-authority.js';
import { RateLimiter } from './rate-limiter.js';
import { clientCredentialsGate, rateLimitGate, scopeGate, type RequestGate } from './request-gates.js';
import { RequestLog, type RequestLogEntry } from './request-log.js';
import { checkPathParam, countRecords } from './request-validation.js';
import { audienceJson, customerListJson } from './response-builders.js';
import { RouteTable, type Reply, type RouteContext } from './route-table.js';
import { emulatorRoutes } from './routes/emulator-routes.js';
import type { RunningEmulator } from './running-emulator.js';
import { readStateFile, type PersistedState } from './state-file.js';
import { StatePersistence } from './state-persistence.js';
import { TokenRegistry, type AuthContext } from './token-registry.js';

/** Starts an emulator; resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const server = new EmulatorServer(resolveOptions(opts));
  await server.start();
  return server.facade();
}

/** A request body as read off the socket. */
interface ReadBody {
  text: string;
  bytes: number;
  overLimit: boolean;
}

/** What the logs learn about a request while it is handled. */
interface RequestNote {
  operationId: string | undefined;
  applied: boolean;
}

const FORM = 'application/x-www-form-urlencoded';

const BODYLESS = { ok: false } as const;

class EmulatorServer {
  readonly #options: ResolvedOptions;
  readonly #clock = new EmulatorClock();
  readonly #store: EmulatorStore;
  readonly #tokens: TokenRegistry;
  readonly #oauth: OAuthAuthority;
  readonly #limiter: RateLimiter;
  readonly #faults: FaultInjector;
  readonly #log: RequestLog;
  readonly #exchanges: ExchangeLog;
  /** Skip building exchanges when nobody will read them (exchangeLogLimit 0 and no onExchange). */
  readonly #recordExchanges: boolean;
  readonly #routes = new RouteTable(emulatorRoutes);
  readonly #gates: RequestGate[];
  readonly #closing = (() => {
    const controller = new AbortController();
    // Every request held by a latency rule waits on this one signal (a bench keeps 16 or more waiting), and each
    // removes its listener when its wait ends: no leak, but past 10 listeners Node would print a warning.
    setMaxListeners(0, controller.signal);
    return controller;
  })();
  readonly #server: Server;
  #persistence: StatePersistence | undefined;
  #closed: Promise<void> | undefined;
  #port = 0;

  constructor(options: ResolvedOptions) {
    this.#options = options;
    this.#tokens = new TokenRegistry(this.#clock);
    this.#oauth = new OAuthAuthority(options, this.#tokens, this.#clock);
    this.#limiter = new RateLimiter(options.rateLimits, this.#clock);
    this.#gates = [scopeGate, clientCredentialsGate, rateLimitGate(this.#limiter)];
    this.#faults = new FaultInjector({
      expireAccessTokens: (token) => this.#tokens.expire(token),
      expireRefreshTokens: (token) => this.#oauth.expireRefreshTokens(token),
      exhaustQuota: (category, resetSeconds) => this.#limiter.exhaust(category, resetSeconds),
      clearQuota: () => this.#limiter.clearExhaustion(),
      random: options.random,
    });
    const createdTime = this.#clock.nowSeconds();
    const accounts: AdAccountEntity[] = options.adAccounts.map((a) => ({
      ...a,
      ownerUsername: options.users.get(a.ownerUserId)?.username ?? `user-${a.ownerUserId}`,
      createdTime,
    }));
    this.#store = new EmulatorStore(
      {
        trackMembership: options.trackMembership,
        isMatched: options.matchPredicate ?? matchRatePredicate(options.matchRate),
        matchRate: options.matchRate,
        matchDelayMs: options.matchDelayMs,
        audienceMinMatched: options.audienceMinMatched,
      },
      accounts,
      this.#clock,
    );
    this.#log = new RequestLog(options.requestLogLimit);
    this.#exchanges = new ExchangeLog(options.exchangeLogLimit);
    this.#recordExchanges = options.exchangeLogLimit > 0 || options.onExchange !== undefined;
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err: unknown) => {
        this.#options.onError(err);
        res.destroy();
      });
    });
    // Loopback clients reuse connections heavily; a long keep-alive avoids reconnect churn at hundreds of req/s.
    this.#server.keepAliveTimeout = 30_000;
  }

  async start(): Promise<void> {
    const { dataFile } = this.#options;
    const state = dataFile === undefined ? undefined : await readStateFile(dataFile);
    if (state !== undefined) {
      this.#store.importState(state);
      if (state.auth !== undefined) {
        this.#tokens.importState({ tokens: state.auth.accessTokens, revoked: state.auth.revokedAccessTokens });
        this.#oauth.importState(state.auth);
      }
    }
    this.#applySeeds();
    if (dataFile !== undefined) {
      const persistence = new StatePersistence(dataFile, () => this.#snapshot(), this.#options.persistDebounceMs, this.#options.onError);
      this.#persistence = persistence;
      const dirty = (): void => persistence.markDirty();
      this.#store.onChange = dirty;
      this.#tokens.onChange = dirty;
      this.#oauth.onChange = dirty;
    }
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(this.#options.port, this.#options.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /**
   * Seed tokens from the options. After a restart a revoked seed stays revoked and a seed keeps the expiry it had
   * (an expired seed stays expired), while its user, scopes and ad accounts follow the current options.
   */
  #applySeeds(): void {
    for (const seed of this.#options.tokens) {
      if (this.#tokens.isRevoked(seed.token)) continue;
      const restored = this.#tokens.record(seed.token);
      this.#tokens.addSeed(seed, restored?.seeded === true ? restored.expiresAtMs : undefined);
    }
    this.#oauth.applySeeds();
  }

  #snapshot(): PersistedState {
    const tokens = this.#tokens.exportState();
    return {
      ...this.#store.exportState(),
      auth: { ...this.#oauth.exportState(), accessTokens: tokens.tokens, revokedAccessTokens: tokens.revoked },
    };
  }

  facade(): RunningEmulator {
    const host = this.#options.host;
    const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
    const url = `http://${urlHost}:${this.#port}`;
    const store = this.#store;
    const log = this.#log;
    const tracked = (listId: string): NonNullable<CustomerListEntity['members']> => {
      const list = store.listById(listId);
      if (list === undefined) throw new Error(`emulator: no customer list ${listId}`);
      if (list.members === undefined) throw new Error('emulator: membership is not tracked (started with trackMembership: false)');
      return list.members;
    };
    const listOrThrow = (listId: string): CustomerListEntity => {
      const list = store.listById(listId);
      if (list === undefined) throw new Error(`emulator: no customer list ${listId}`);
      return list;
    };
    const exchanges = this.#exchanges;
    const oauth = this.#oauth;
    const app = oauth.defaultApp;
    return {
      url,
      baseUrl: `${url}/v5`,
      port: this.#port,
      host,
      token: this.#options.tokens[0]?.token ?? '',
      adAccountId: this.#options.adAccounts[0]?.id ?? '',
      oauth: {
        clientId: app.clientId,
        clientSecret: app.clientSecret,
        refreshToken: this.#options.refreshTokens[0]?.token,
        tokenUrl: `${url}/v5/oauth/token`,
        issueCode: (opts) => oauth.issueCode(opts),
      },
      faults: this.#faults,
      get requests() {
        return log.entries;
      },
      clearRequests: () => log.clear(),
      get exchanges() {
        return exchanges.entries;
      },
      get exchangesDropped() {
        return exchanges.dropped;
      },
      clearExchanges: () => exchanges.clear(),
      membership: (listId) => tracked(listId).toSet(),
      membershipSize: (listId) => tracked(listId).size,
      hasMember: (listId, record) => tracked(listId).has(record),
      lists: () => store.allLists().map(customerListJson),
      list: (listId) => {
        const list = store.listById(listId);
        return list === undefined ? undefined : customerListJson(list);
      },
      audiences: () => store.allAudiences().map(audienceJson),
      audience: (audienceId) => {
        const audience = store.audienceById(audienceId);
        return audience === undefined || audience.removed ? undefined : audienceJson(audience);
      },
      setListStatus: (listId, status, opts) => store.setListStatus(listOrThrow(listId), status, opts?.matched),
      setAudienceStatus: (audienceId, status, opts) => {
        const audience = store.audienceById(audienceId);
        if (audience === undefined) throw new Error(`emulator: no audience ${audienceId}`);
        store.setAudienceStatus(audience, status, opts?.size);
      },
      advanceTime: (ms) => this.#clock.advance(ms),
      settleAll: () => store.settleAll(),
      reset: () => {
        store.reset();
        log.clear();
        exchanges.clear();
        this.#faults.clear();
        this.#limiter.reset();
      },
      addToken: (seed: TokenSeed | string) =>
        this.#tokens.addSeed(resolveTokenSeed(seed, this.#options.adAccounts.map((a) => a.id), app.clientId)),
      revokeToken: (token) => this.#tokens.revoke(token),
      expireAccessToken: (token) => this.#tokens.expire(token),
      expireRefreshToken: (token) => this.#oauth.expireRefreshTokens(token),
      flush: async () => {
        await this.#persistence?.flush();
      },
      close: () => this.close(),
    };
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort();
      await new Promise<void>((resolve) => {
        this.#server.close(() => resolve());
        this.#server.closeIdleConnections();
        // Requests still in flight get a moment to finish; a client holding a connection open must not block close.
        setTimeout(() => this.#server.closeAllConnections(), 200).unref();
      });
      await this.#persistence?.close();
    })();
    return this.#closed;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const timestamp = Date.now();
    const requestId = randomBytes(8).toString('hex');
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const path = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const search = queryStart === -1 ? '' : rawUrl.slice(queryStart);
    const entry: RequestLogEntry = {
      method,
      path,
      query: search,
      operationId: undefined,
      operation: undefined,
      status: null,
      errorCode: undefined,
      records: 0,
      bodyBytes: 0,
      applied: false,
      outcome: 'responded',
      fault: undefined,
      requestId,
      timestamp,
      durationMs: 0,
    };
    let exchange: Exchange | undefined;
    const finish = (reply?: { status: number; headers: Record<string, string>; body: unknown }): void => {
      entry.durationMs = Date.now() - timestamp;
      this.#log.push(entry);
      if (exchange === undefined) return;
      exchange.operationId = entry.operationId;
      exchange.outcome = entry.outcome;
      if (reply !== undefined) {
        exchange.status = reply.status;
        exchange.responseHeaders = reply.headers;
        exchange.responseBody = reply.body === undefined ? undefined : compactBody(reply.body);
      }
      this.#recordExchange(exchange);
    };

    const plan = this.#faults.plan(method, path);
    if (plan.delayMs > 0) {
      try {
        await sleep(plan.delayMs, undefined, { signal: this.#closing.signal });
      } catch {
        // closing: fall through to the check below
      }
    }

    let body: ReadBody;
    try {
      body = await readBody(req, this.#options.maxBodyBytes);
    } catch {
      entry.outcome = 'dropped';
      finish();
      return; // the client went away
    }
    entry.bodyBytes = body.bytes;

    const parsed = body.text === '' ? BODYLESS : parseJson(body.text);
    if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null) {
      const { records, operation_type: op } = parsed.value as Record<string, unknown>;
      if (typeof records === 'string') entry.records = countRecords(records);
      if (typeof op === 'string') entry.operation = op;
    }
    if (this.#recordExchanges) {
      const request = body.overLimit
        ? { kind: 'unread' as const, value: undefined }
        : requestExchangeBody(req.headers['content-type'], body.text, parsed);
      exchange = {
        method,
        path,
        query: search,
        operationId: undefined,
        requestHeaders: redactedRequestHeaders(req.headers),
        requestBodyKind: request.kind,
        requestBody: request.value,
        status: null,
        responseHeaders: {},
        responseBody: undefined,
        outcome: 'responded',
        requestId,
        timestamp,
      };
    }

    if (this.#closing.signal.aborted) {
      entry.outcome = 'dropped';
      finish();
      res.destroy();
      return;
    }

    const action = plan.action;
    if (action.kind === 'drop') {
      entry.operationId = this.#operationIdOf(method, path);
      entry.fault = 'drop';
      entry.outcome = 'dropped';
      finish();
      req.socket.destroy();
      return;
    }

    let reply: Reply;
    const note: RequestNote = { operationId: undefined, applied: false };
    if (action.kind === 'fail') {
      entry.fault = 'fail';
      note.operationId = this.#operationIdOf(method, path);
      reply = errorReply(action.error);
    } else {
      try {
        reply = this.#dispatch(method, path, search, req, body, parsed, note);
      } catch (err) {
        if (!(err instanceof ApiError)) this.#options.onError(err);
        reply = errorReply(err instanceof ApiError ? err : internalError());
      }
    }
    entry.operationId = note.operationId;
    entry.applied = note.applied;
    entry.status = reply.status;
    if (reply.status >= 400) entry.errorCode = (reply.body as { code?: number } | undefined)?.code;

    if (action.kind === 'drop-after-apply') {
      entry.fault = 'drop-after-apply';
      entry.outcome = 'dropped-after-apply';
      finish();
      req.socket.destroy();
      return;
    }
    const text = reply.body === undefined ? '' : JSON.stringify(reply.body);
    const headers: Record<string, string> = {
      ...reply.headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      'x-pinterest-rid': requestId,
    };
    res.writeHead(reply.status, headers);
    res.end(text);
    finish({ status: reply.status, headers: lowerCaseKeys(headers), body: reply.body });
  }

  #recordExchange(exchange: Exchange): void {
    this.#exchanges.push(exchange);
    const listener = this.#options.onExchange;
    if (listener === undefined) return;
    try {
      listener(exchange);
    } catch (err) {
      this.#options.onError(err);
    }
  }

  /** The spec operation a request was aimed at, for logging requests that never reached their handler. */
  #operationIdOf(method: string, path: string): string | undefined {
    try {
      return this.#routes.match(method, path).route.operationId;
    } catch {
      return undefined;
    }
  }

  #dispatch(
    method: string,
    path: string,
    search: string,
    req: IncomingMessage,
    body: ReadBody,
    parsed: ParsedJson,
    note: RequestNote,
  ): Reply {
    if (body.overLimit) {
      throw tooLarge(this.#options.tooLargeStatus, `the body has ${body.bytes} bytes and the limit is ${this.#options.maxBodyBytes} bytes`);
    }
    const { route, params } = this.#routes.match(method, path);
    note.operationId = route.operationId;
    let app: OAuthApp | undefined;
    let auth: AuthContext;
    if (route.auth === 'basic') {
      app = this.#oauth.authenticateClient(req.headers.authorization);
      auth = this.#appCaller(app);
    } else {
      auth = this.#tokens.authenticate(req.headers.authorization);
    }
    const gateHeaders: Record<string, string> = {};
    for (const gate of this.#gates) Object.assign(gateHeaders, gate(route, auth));

    try {
      const paramRecord: Record<string, string> = {};
      for (const [name, value] of params) {
        checkPathParam(name, value);
        paramRecord[name] = value;
      }
      let adAccount: AdAccountEntity | undefined;
      const adAccountId = paramRecord.ad_account_id;
      if (adAccountId !== undefined) {
        adAccount = this.#store.adAccount(adAccountId);
        if (adAccount === undefined) throw adAccountNotFound();
        if (!auth.adAccountIds.has(adAccountId)) throw forbidden();
      }

      let json: unknown;
      let form: URLSearchParams | undefined;
      if (route.body === 'json') {
        if (body.text.trim() === '') throw invalidRequest('a JSON request body is required.');
        if (!parsed.ok) throw invalidRequest('the request body is not valid JSON.');
        json = parsed.value;
      } else if (route.body === 'form') {
        if (mediaType(req.headers['content-type']) !== FORM) throw invalidRequest(`the request body must be ${FORM}.`);
        form = new URLSearchParams(body.text);
      }

      const ctx: RouteContext = {
        req: { method, path, params: paramRecord, query: new URLSearchParams(search), headers: req.headers, body: json, form, rawBody: body.text },
        auth,
        app,
        oauth: this.#oauth,
        adAccount,
        store: this.#store,
        tokens: this.#tokens,
        options: this.#options,
        applied: false,
      };
      const reply = route.handler(ctx);
      note.applied = ctx.applied;
      return { ...reply, headers: { ...gateHeaders, ...reply.headers } };
    } catch (err) {
      // Answers refused after the quota was spent still tell the caller how much quota is left.
      if (err instanceof ApiError && Object.keys(gateHeaders).length > 0) {
        throw new ApiError(err.status, err.apiCode, err.message, { ...gateHeaders, ...err.headers });
      }
      throw err;
    }
  }

  /** An app calling the OAuth endpoints acts as its own user; its quota is that user's for that app. */
  #appCaller(app: OAuthApp): AuthContext {
    return {
      token: '',
      userId: app.userId,
      username: this.#options.users.get(app.userId)?.username ?? `user-${app.userId}`,
      adAccountIds: new Set(),
      scopes: new Set(),
      clientId: app.clientId,
      grant: 'client_credentials',
    };
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

type ParsedJson = { ok: true; value: unknown } | { readonly ok: false };

function parseJson(text: string): ParsedJson {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

function errorReply(err: ApiError): Reply {
  return { status: err.status, body: err.body(), headers: { ...err.headers } };
}

/**
 * Reads the whole body as text. Past `limit` it keeps draining (discarding) instead of answering early: answering
 * while the client is still sending makes many clients see a reset instead of the 413.
 */
function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let overLimit = false;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (overLimit) return;
      if (bytes > limit) {
        overLimit = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.once('end', () => {
      ended = true;
      resolve({ text: overLimit ? '' : Buffer.concat(chunks, bytes).toString('utf8'), bytes, overLimit });
    });
    req.once('error', reject);
    req.once('close', () => {
      if (!ended) reject(new Error('request aborted'));
    });
  });
}
