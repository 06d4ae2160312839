/**
 * `pinsync emulator` and `runEmulatorFromCli`: the start-up banner, a clean stop on a signal with the state saved,
 * and the rehearsal flags (rate limits, scheduled faults, tokens, OAuth app, limits) parsed by the real yargs
 * wiring and observed over HTTP.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';

import { main } from '../../cli/pinsync.js';
import {
  FlagError,
  describeCliFaults,
  parseFaultSpec,
  parseQuotaExhausted,
  parseRateLimits,
} from '../../emulators/pinterest/fault-spec.js';
import { runEmulatorFromCli } from '../../cli/commands/run-emulator-cli.js';
import type { RunningEmulator } from '../../emulators/pinterest/running-emulator.js';
import { call, createList } from './helpers/emulator-http.js';

function sink(): { text: string; write(t: string): void } {
  return {
    text: '',
    write(t: string) {
      this.text += t;
    },
  };
}

describe('runEmulatorFromCli', () => {
  it('prints the base URL, token and OAuth credentials, serves, and stops cleanly on SIGTERM with the state saved', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pinsync-emulator-cli-'));
    const dataFile = join(dir, 'state.json');
    const stdout = sink();
    const stderr = sink();
    let ready: (em: RunningEmulator) => void = () => {};
    const started = new Promise<RunningEmulator>((resolve) => (ready = resolve));
    try {
      const running = runEmulatorFromCli({ port: 0, dataFile, stdout, stderr, onReady: ready });
      const em = await started;
      expect(stdout.text).toBe(
        `Pinterest API emulator listening on ${em.baseUrl} (access token: pinsync-emulator-token, ad account: 549755885175, state in ${dataFile})\n` +
          `OAuth token endpoint ${em.baseUrl}/oauth/token (client id: pinsync-emulator-client, client secret: pinsync-emulator-secret, refresh token: pinsync-emulator-refresh-token)\n`,
      );
      const list = await createList(em, 'cli', ['a', 'b']);
      expect((await call(em, 'GET', `/ad_accounts/549755885175/customer_lists/${list.id}`)).status).toBe(200);

      process.emit('SIGTERM');
      expect(await running).toBe(0);
      expect(process.listenerCount('SIGTERM')).toBe(0);
      await expect(fetch(`${em.baseUrl}/ad_accounts`)).rejects.toThrow();
      const saved = JSON.parse(await readFile(dataFile, 'utf8'));
      expect(saved.lists).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops when its AbortSignal aborts', async () => {
    const controller = new AbortController();
    const stdout = sink();
    let ready: () => void = () => {};
    const started = new Promise<void>((resolve) => (ready = resolve));
    const running = runEmulatorFromCli({ stdout, stderr: sink(), signal: controller.signal, tokens: ['t1'], adAccounts: [{ id: '42' }], onReady: () => ready() });
    await started;
    expect(stdout.text).toMatch(/^Pinterest API emulator listening on http:\/\/127\.0\.0\.1:\d+\/v5 \(access token: t1, ad account: 42\)\n/);
    controller.abort();
    expect(await running).toBe(0);
  });
});

describe('flag syntax', () => {
  it('parses --fault', () => {
    expect(parseFaultSpec('status=429,code=8,every=20')).toEqual({ status: 429, code: 8, every: 20 });
    expect(parseFaultSpec('status=503, count=2, method=patch, path=/customer_lists')).toEqual({
      status: 503,
      count: 2,
      match: { method: 'PATCH', pathIncludes: '/customer_lists' },
    });
    expect(parseFaultSpec('status=429,rate=0.1,reset=30')).toEqual({ status: 429, rate: 0.1, resetSeconds: 30 });
  });

  it.each([
    ['code=8,every=2', /status=NNN is required/],
    ['status=abc,every=2', /status must be a whole number from 400 to 599/],
    ['status=200,every=2', /from 400 to 599/],
    ['status=500', /exactly one of every=N, count=N or rate=0..1/],
    ['status=500,every=2,count=1', /exactly one of/],
    ['status=500,every=0', /every must be a whole number from 1/],
    ['status=500,rate=2', /rate must be a number from 0 to 1/],
    ['status=500,every=2,colour=red', /unknown key 'colour'/],
    ['status=500,every', /expected KEY=VALUE/],
  ])('refuses --fault %s', (text, message) => {
    expect(() => parseFaultSpec(text)).toThrow(FlagError);
    expect(() => parseFaultSpec(text)).toThrow(message);
  });

  it('parses --rate-limit and --quota-exhausted', () => {
    expect(parseRateLimits(['ads_write=400', 'ads_read=1000', 'universal=100', 'ads_write=300'])).toEqual({ ads_write: 300, ads_read: 1000, universalPerSecond: 100 });
    expect(() => parseRateLimits(['ads_writes=4'])).toThrow(/category must be one of ads_read, ads_write, org_read, org_write, universal/);
    expect(() => parseRateLimits(['ads_write=0'])).toThrow(/positive number/);
    expect(parseQuotaExhausted('ads_write')).toEqual({ category: 'ads_write', resetSeconds: 40_000 });
    expect(parseQuotaExhausted('all=600')).toEqual({ resetSeconds: 600 });
    expect(() => parseQuotaExhausted('ads=5')).toThrow(FlagError);
  });

  it('describes the active faults for the banner', () => {
    expect(
      describeCliFaults({ failRate: 0.05, specs: [parseFaultSpec('status=429,code=8,every=20'), parseFaultSpec('status=503,count=2,method=PATCH')] }),
    ).toEqual(['5% of requests answered 500/503', 'every 20th request answered 429 code 8', 'the next 2 requests (PATCH) answered 503']);
  });
});

/** Runs `pinsync emulator …` in-process until `stop()`; `ready` resolves with the base URL once it listens. */
function runCli(args: string[]): { ready: Promise<string>; stop: () => Promise<number>; stdout: () => string; stderr: () => string } {
  const controller = new AbortController();
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  err.on('data', (d: Buffer) => (stderr += d.toString()));
  let resolveReady: (url: string) => void = () => {};
  const ready = new Promise<string>((resolve) => (resolveReady = resolve));
  out.on('data', (d: Buffer) => {
    stdout += d.toString();
    const match = /listening on (\S+) /.exec(stdout);
    if (match?.[1] !== undefined && stdout.includes('\n')) resolveReady(match[1]);
  });
  const exit = main(['emulator', '--port', '0', ...args], { stdout: out, stderr: err, env: {}, cwd: tmpdir(), signal: controller.signal });
  void exit.then(() => resolveReady(''));
  return {
    ready,
    stop: async () => {
      controller.abort();
      return exit;
    },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

describe('pinsync emulator flags', () => {
  it('applies rate limits, scheduled faults, extra tokens, the OAuth app, token lifetime and record limits', async () => {
    const cli = runCli([
      '--rate-limit', 'ads_write=2',
      '--rate-limit', 'ads_read=1000',
      '--fault', 'status=503,every=2,method=GET,path=/customer_lists',
      '--token', 'ci-token',
      '--token', 'ci-token-2',
      '--refresh-token', 'ci-refresh',
      '--client-id', 'ci-app',
      '--client-secret', 'ci-secret',
      '--access-token-ttl', '30',
      '--max-records-per-request', '2',
      '--match-rate', '0.5',
      '--quota-exhausted', 'org_write=100',
      '--latency-ms', '1',
    ]);
    const base = await cli.ready;
    try {
      expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v5$/);
      expect(cli.stdout()).toContain('(client id: ci-app, client secret: ci-secret, refresh token: pinsync-emulator-refresh-token)');
      expect(cli.stdout()).toContain('fault: every 2nd request (GET /customer_lists) answered 503\n');
      expect(cli.stdout()).toContain('fault: org_write quota exhausted for 100 s\n');
      const em = { baseUrl: base, token: 'ci-token' } as RunningEmulator;
      const lists = '/ad_accounts/549755885175/customer_lists';

      for (const token of ['pinsync-emulator-token', 'ci-token', 'ci-token-2']) expect((await call(em, 'GET', '/ad_accounts', { token })).status).toBe(200);
      expect((await call(em, 'GET', '/ad_accounts', { token: 'unknown' })).status).toBe(401);

      // --max-records-per-request 2, and --rate-limit ads_write=2 (the refused write spent quota too)
      expect((await call(em, 'POST', lists, { json: { name: 'big', records: 'a,b,c' } })).status).toBe(413);
      expect((await call(em, 'POST', lists, { json: { name: 'ok', records: 'a,b' } })).status).toBe(200);
      const limited = await call(em, 'POST', lists, { json: { name: 'late', records: 'a' } });
      expect(limited.status).toBe(429);
      expect(limited.headers.get('x-ratelimit-reset')).toBe('30');

      // --fault every=2 on GET …/customer_lists only
      expect([(await call(em, 'GET', lists)).status, (await call(em, 'GET', lists)).status]).toEqual([200, 503]);
      expect((await call(em, 'GET', '/ad_accounts')).status).toBe(200);

      // --client-id/--client-secret, --refresh-token, --access-token-ttl
      const basic: [string, string] = ['ci-app', 'ci-secret'];
      const refreshed = await call(em, 'POST', '/oauth/token', { basic, form: { grant_type: 'refresh_token', refresh_token: 'ci-refresh' } });
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.expires_in).toBe(30);
      const wrongApp = await call(em, 'POST', '/oauth/token', { basic: ['pinsync-emulator-client', 'pinsync-emulator-secret'], form: { grant_type: 'client_credentials', scope: 'ads:read' } });
      expect(wrongApp.status).toBe(401);

      // --quota-exhausted org_write=100
      const revoke = await call(em, 'POST', '/oauth/token/revoke', { basic, form: { token: 'x' } });
      expect(revoke.status).toBe(429);
      expect(Number(revoke.headers.get('x-ratelimit-reset'))).toBeGreaterThan(90);
    } finally {
      expect(await cli.stop()).toBe(0);
    }
  });

  it('applies --fail-rate and --drop-rate', async () => {
    const cli = runCli(['--fail-rate', '1']);
    const base = await cli.ready;
    try {
      const em = { baseUrl: base, token: 'pinsync-emulator-token' } as RunningEmulator;
      expect([500, 503]).toContain((await call(em, 'GET', '/ad_accounts')).status);
      expect(cli.stdout()).toContain('fault: 100% of requests answered 500/503\n');
    } finally {
      expect(await cli.stop()).toBe(0);
    }
    const dropping = runCli(['--drop-rate', '1']);
    const dropBase = await dropping.ready;
    try {
      await expect(call({ baseUrl: dropBase, token: 't' } as RunningEmulator, 'GET', '/ad_accounts')).rejects.toThrow();
    } finally {
      expect(await dropping.stop()).toBe(0);
    }
  });

  it.each([
    [['--fault', 'status=abc,every=2'], /--fault status must be a whole number/],
    [['--rate-limit', 'ads=5'], /--rate-limit 'ads=5': category must be one of/],
    [['--fail-rate', '2'], /--fail-rate must be a number from 0 to 1/],
    [['--max-records-per-request', '0'], /--max-records-per-request must be a whole number of at least 1/],
    [['--access-token-ttl', 'soon'], /--access-token-ttl must be a whole number/],
    [['--client-id', ''], /--client-id must not be empty/],
  ])('exits 2 on %j', async (args, message) => {
    const cli = runCli(args);
    expect(await cli.stop()).toBe(2);
    expect(cli.stderr()).toMatch(message);
    expect(cli.stdout()).toBe('');
  });
});
