/**
 * OAuth end to end against the real emulator (its `/v5/oauth/token` with rotation and expiry hooks): a token that
 * expires mid-run is refreshed and the write replayed, the rotation is stored and survives into the next run, an
 * expired refresh token asks for re-authorization, and `auth exchange` / `auth status` work with a real code.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import yargs from 'yargs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authCommand } from '../../cli/commands/auth-command.js';
import { pinterestDestinationSchema, type PinterestDestinationConfig } from '../../core/config/destination-schema.js';
import { PinsyncError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { startEmulator, type RunningEmulator } from '../../emulators/pinterest/index.js';
import { createPinterestDestination } from '../../connectors/pinterest/create-pinterest-destination.js';
import { pinterestTokenKey } from '../../connectors/pinterest/oauth/pinterest-oauth-tokens.js';
import { openRequestGate } from '../../connectors/pinterest/http/pinterest-request-gate.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';

const RECORDS = ['b'.repeat(64)];

let dir: string;
let emu: RunningEmulator;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-oauth-emu-'));
  emu = await startEmulator();
});

afterEach(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

function destination(): PinterestDestinationConfig {
  return pinterestDestinationSchema.parse({
    type: 'pinterest',
    adAccountId: emu.adAccountId,
    apiBaseUrl: emu.baseUrl,
    auth: { accessToken: emu.token, refreshToken: emu.oauth.refreshToken, clientId: emu.oauth.clientId, clientSecret: emu.oauth.clientSecret },
  });
}

async function withStore<T>(fn: (store: DuckDbStateStore) => Promise<T>): Promise<T> {
  const store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function client(store: DuckDbStateStore) {
  return createPinterestDestination(destination(), { state: store, logger: silentLogger, name: 'pinterest', gate: openRequestGate });
}

describe('refresh against the emulator', () => {
  it('refreshes a token that expires mid-run, replays the write, and the next run uses the rotated tokens', async () => {
    const listId = await withStore(async (store) => {
      const c = client(store);
      const list = await c.createCustomerList({ name: 'vip', listType: 'EMAIL', records: RECORDS });
      expect(emu.expireAccessToken(emu.token)).toBe(1);
      const updated = await c.updateCustomerList(list.id, 'ADD', ['c'.repeat(64)]);
      await c.close();
      expect(updated.numBatches).toBe(2);
      return list.id;
    });
    const refreshes = emu.requests.filter((r) => r.path === '/v5/oauth/token');
    expect(refreshes).toHaveLength(1);
    expect(emu.requests.map((r) => r.status)).toEqual([200, 401, 200, 200]);

    const row = await withStore((store) => store.getTokens(pinterestTokenKey(destination())));
    expect(row!.accessToken).not.toBe(emu.token);
    expect(row!.refreshToken).not.toBe(emu.oauth.refreshToken);
    expect(row!.accessExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    // Next run: the config still names the expired access token and the rotated-away refresh token.
    emu.clearRequests();
    await withStore(async (store) => {
      const c = client(store);
      await c.updateCustomerList(listId, 'REMOVE', RECORDS);
      await c.close();
    });
    expect(emu.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['PATCH 200']);
    expect(emu.hasMember(listId, RECORDS[0]!)).toBe(false);
  });

  it('asks for re-authorization when the refresh token has expired, and keeps what is stored', async () => {
    await withStore(async (store) => {
      const c = client(store);
      const list = await c.createCustomerList({ name: 'vip', listType: 'EMAIL', records: RECORDS });
      emu.expireAccessToken();
      emu.expireRefreshToken();
      const err = (await c.updateCustomerList(list.id, 'ADD', RECORDS).catch((e: unknown) => e)) as PinsyncError;
      await c.close();
      expect(err).toBeInstanceOf(PinsyncError);
      expect(err.code).toBe('PINSYNC_PINTEREST_REAUTHORIZE');
      expect(err.message).toMatch(/HTTP 401, Pinterest code 283.*pinsync auth url --destination pinterest/);
      for (const secret of [emu.token, emu.oauth.refreshToken!, emu.oauth.clientSecret]) expect(err.message).not.toContain(secret);
      expect(await store.getTokens(pinterestTokenKey(destination()))).toBeUndefined();
    });
  });
});

describe('auth commands against the emulator', () => {
  it('exchanges a real code, then status names the account', async () => {
    await writeFile(
      join(dir, 'pinsync.yaml'),
      [
        'state: duckdb:state.duckdb',
        'warehouses:',
        "  local: { type: duckdb, path: ':memory:' }",
        'destinations:',
        '  pinterest:',
        '    type: pinterest',
        `    adAccountId: "${emu.adAccountId}"`,
        `    apiBaseUrl: ${emu.baseUrl}`,
        `    auth: { accessToken: placeholder-not-a-token, clientId: ${emu.oauth.clientId}, clientSecret: ${emu.oauth.clientSecret} }`,
        'syncs:',
        '  - { name: vip, warehouse: local, query: select 1 as email, identifiers: { email: email }, audience: { name: VIP } }',
        '',
      ].join('\n'),
    );
    const run = async (...argv: string[]) => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      stdout.on('data', (d: Buffer) => (out += d.toString()));
      stderr.on('data', (d: Buffer) => (out += d.toString()));
      let code = -1;
      await yargs(argv)
        .command(authCommand({ stdout, stderr, env: {}, cwd: dir }, (c) => (code = c)))
        .exitProcess(false)
        .parseAsync();
      return { code, out };
    };

    const code = emu.oauth.issueCode({ redirectUri: 'https://app.example.test/pinterest' });
    const exchanged = await run('auth', 'exchange', '--code', code, '--redirect-uri', 'https://app.example.test/pinterest');
    expect(exchanged.code).toBe(0);
    expect(exchanged.out).toMatch(/scopes: +ads:read, ads:write, user_accounts:read/);

    const status = await run('auth', 'status');
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/tokens from: +state store/);
    expect(status.out).toMatch(/account: +pinsync-emulator \(user \d+, BUSINESS\)/);
    expect(status.out).toMatch(/refresh token: +expires 20/);
    expect(status.out).toMatch(/scopes: +ads:read yes, ads:write \?, user_accounts:read yes/);

    // The code is single-use.
    const again = await run('auth', 'exchange', '--code', code, '--redirect-uri', 'https://app.example.test/pinterest');
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/Pinterest refused the authorization code/);
    for (const text of [exchanged.out, status.out, again.out]) expect(text).not.toContain(emu.oauth.clientSecret);
  });
});
