/**
 * `pinsync auth url | exchange | status` in-process against a fake Pinterest on 127.0.0.1, with a real config file
 * and DuckDB state: the URL's shape, the exchange storing tokens that the next sync uses, status and its warnings,
 * and no token or secret on stdout or stderr.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import yargs from 'yargs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authCommand } from '../../cli/commands/auth-command.js';
import type { CliIo } from '../../cli/cli-io.js';
import { loadConfig } from '../../core/config/load-config.js';
import { configTokenFingerprint, pinterestTokenKey } from '../../connectors/pinterest/oauth/pinterest-oauth-tokens.js';
import { createPinterestDestination } from '../../connectors/pinterest/create-pinterest-destination.js';
import { openRequestGate } from '../../connectors/pinterest/http/pinterest-request-gate.js';
import { silentLogger } from '../../core/logger.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { AD_ACCOUNT, CLIENT_ID, CLIENT_SECRET, startFakePinterest, type FakePinterest } from './helpers/fake-pinterest-oauth.js';

const CONFIG_ACCESS = 'config-access-token-SECRET-10';

let dir: string;
let fake: FakePinterest;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-auth-'));
  fake = await startFakePinterest();
  await writeConfig();
});

afterEach(async () => {
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(extraDestination = ''): Promise<void> {
  await writeFile(
    join(dir, 'pinsync.yaml'),
    [
      'state: duckdb:state.duckdb',
      'warehouses:',
      "  local: { type: duckdb, path: ':memory:' }",
      'destinations:',
      '  pinterest:',
      '    type: pinterest',
      `    adAccountId: "${AD_ACCOUNT}"`,
      `    apiBaseUrl: ${fake.baseUrl}`,
      '    auth:',
      '      accessToken: ${PINTEREST_ACCESS_TOKEN}',
      `      clientId: ${CLIENT_ID}`,
      '      clientSecret: ${PINTEREST_CLIENT_SECRET}',
      extraDestination,
      'syncs:',
      '  - name: vip',
      '    warehouse: local',
      '    destination: pinterest',
      '    query: select 1 as email',
      '    identifiers: { email: email }',
      '    audience: { name: VIP }',
      '',
    ].join('\n'),
  );
}

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdout, stderr, env: { PINTEREST_ACCESS_TOKEN: CONFIG_ACCESS, PINTEREST_CLIENT_SECRET: CLIENT_SECRET }, cwd: dir };
  let code = -1;
  await yargs(argv)
    .command(authCommand(io, (c) => (code = c), { sleep: () => Promise.resolve() }))
    .strict()
    .exitProcess(false)
    .fail((msg, e) => {
      if (e) throw e;
      err += msg;
      code = 2;
    })
    .parseAsync();
  for (const secret of [CONFIG_ACCESS, CLIENT_SECRET, ...fake.validAccess, ...fake.validRefresh]) {
    expect(out + err).not.toContain(secret);
  }
  return { code, stdout: out, stderr: err };
}

async function withState<T>(fn: (store: DuckDbStateStore) => Promise<T>): Promise<T> {
  const store = await DuckDbStateStore.open(join(dir, 'state.duckdb'));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('auth url', () => {
  it('prints the authorization URL with the given state and what to do next', async () => {
    const res = await run('auth', 'url', '--redirect-uri', 'https://example.test/cb?x=1', '--state', 'st4te');
    expect(res.code).toBe(0);
    const [url, ...rest] = res.stdout.split('\n');
    expect(url).toBe(
      `https://www.pinterest.com/oauth/?response_type=code&client_id=${CLIENT_ID}&redirect_uri=https%3A%2F%2Fexample.test%2Fcb%3Fx%3D1&scope=ads:read,ads:write&state=st4te`,
    );
    expect(rest.join('\n')).toContain('state: st4te');
    expect(rest.join('\n')).toContain('pinsync auth exchange --code CODE --redirect-uri https://example.test/cb?x=1');
  });

  it('makes up a random state when none is given', async () => {
    const a = await run('auth', 'url');
    const b = await run('auth', 'url');
    const stateOf = (out: string) => new URL(out.split('\n')[0]!).searchParams.get('state');
    expect(stateOf(a.stdout)).toMatch(/^[\w-]{20,}$/);
    expect(stateOf(a.stdout)).not.toBe(stateOf(b.stdout));
    expect(a.stdout).toContain(`state: ${stateOf(a.stdout)}`);
  });

  it('needs a client id, and a destination name when there are several', async () => {
    await writeConfig(['  other:', '    type: pinterest', '    adAccountId: "1"', '    auth: { accessToken: x }'].join('\n'));
    const several = await run('auth', 'url');
    expect(several.code).toBe(2);
    expect(several.stderr).toMatch(/several destinations are defined \(pinterest, other\); name one with --destination/);
    const noClient = await run('auth', 'url', '--destination', 'other');
    expect(noClient.code).toBe(2);
    expect(noClient.stderr).toMatch(/destinations.other.auth.clientId is not set/);
  });
});

describe('auth exchange', () => {
  it('stores the tokens, which the next sync uses instead of the config token', async () => {
    fake.issueCode('the-code', 'http://localhost:8085/');
    fake.scopes = ['ads:read', 'ads:write'];
    const res = await run('auth', 'exchange', '--code', 'the-code');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/stored new Pinterest tokens for destination "pinterest"/);
    expect(res.stdout).toMatch(/scopes: +ads:read, ads:write/);
    expect(fake.tokenCalls[0]!.form).toEqual({
      grant_type: 'authorization_code',
      code: 'the-code',
      redirect_uri: 'http://localhost:8085/',
      continuous_refresh: 'true',
    });

    const config = await loadConfig(join(dir, 'pinsync.yaml'), { PINTEREST_ACCESS_TOKEN: CONFIG_ACCESS, PINTEREST_CLIENT_SECRET: CLIENT_SECRET });
    const dest = config.destinations.pinterest!;
    await withState(async (store) => {
      const row = (await store.getTokens(pinterestTokenKey(dest)))!;
      expect(row.configFingerprint).toBe(configTokenFingerprint(dest.auth));
      expect(fake.validAccess.has(row.accessToken)).toBe(true);
      const client = createPinterestDestination(dest, { state: store, logger: silentLogger, gate: openRequestGate });
      await client.getAdAccount();
      await client.close();
      expect(fake.apiCalls.at(-1)!.token).toBe(row.accessToken);
    });
  });

  it('explains a refused code and stores nothing', async () => {
    fake.issueCode('the-code', 'https://other.test/');
    const res = await run('auth', 'exchange', '--code', 'the-code', '--redirect-uri', 'http://localhost:8085/');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Pinterest refused the authorization code \(HTTP 401, Pinterest code 283.*--redirect-uri must be the one given to auth url.*Nothing was stored/);
    expect(res.stderr).toContain('pinsync auth url');
    await withState(async (store) => expect(await store.getTokens(`pinterest:${CLIENT_ID}:${AD_ACCOUNT}`)).toBeUndefined());
  });

  it('requires --code', async () => {
    const res = await run('auth', 'exchange');
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/Missing required argument: code/);
    expect(fake.tokenCalls).toHaveLength(0);
  });
});

describe('auth status', () => {
  async function seed(refreshLeftDays: number): Promise<void> {
    const config = await loadConfig(join(dir, 'pinsync.yaml'), { PINTEREST_ACCESS_TOKEN: CONFIG_ACCESS, PINTEREST_CLIENT_SECRET: CLIENT_SECRET });
    const dest = config.destinations.pinterest!;
    fake.validAccess.add('stored-access-SECRET-11');
    await withState((store) =>
      store.saveTokens(pinterestTokenKey(dest), {
        accessToken: 'stored-access-SECRET-11',
        accessExpiresAt: new Date(Date.UTC(2030, 0, 1)),
        refreshToken: 'stored-refresh-SECRET-11',
        refreshExpiresAt: new Date(Date.now() + refreshLeftDays * 86_400_000),
        configFingerprint: configTokenFingerprint(dest.auth),
      }),
    );
  }

  it('reports source, expiries, account and scopes; exit 0 when all is well', async () => {
    await seed(50);
    fake.scopes = ['ads:read', 'ads:write', 'user_accounts:read'];
    const res = await run('auth', 'status', '--json');
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { ok: boolean; destinations: Record<string, unknown>[] };
    expect(out.ok).toBe(true);
    expect(out.destinations[0]).toMatchObject({
      destination: 'pinterest',
      source: 'state',
      autoRefresh: true,
      accessExpiresAt: '2030-01-01T00:00:00.000Z',
      account: { state: 'ok', username: 'acme-ads', id: '1000000001', accountType: 'BUSINESS' },
      adAccount: { state: 'ok', name: 'Acme' },
      scopes: [
        { scope: 'ads:read', state: 'granted' },
        { scope: 'ads:write', state: 'unknown' },
        { scope: 'user_accounts:read', state: 'granted' },
      ],
      warnings: [],
    });
  });

  it('warns, and exits 1, when the refresh token has less than 14 days left; says when user_accounts:read is missing', async () => {
    await seed(5);
    const res = await run('auth', 'status');
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/tokens from: +state store/);
    expect(res.stdout).toMatch(/account: +unknown: the token lacks user_accounts:read/);
    expect(res.stdout).toMatch(/WARNING: the refresh token expires in [45] days .*pinsync auth url/);
  });

  it('reports config tokens that no refresh can renew, offline', async () => {
    await writeConfig(['  other:', '    type: pinterest', '    adAccountId: "1"', `    apiBaseUrl: ${fake.baseUrl}`, '    auth: { accessToken: x-SECRET-12 }'].join('\n'));
    const res = await run('auth', 'status', '--offline', '--destination', 'other');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/destination other/);
    expect(res.stdout).toMatch(/tokens from: +config\n/);
    expect(res.stdout).toMatch(/refresh: +not possible/);
    expect(res.stdout).not.toContain('x-SECRET-12');
    expect(fake.apiCalls).toHaveLength(0);
  });

  it('warns when the token is rejected and cannot be refreshed', async () => {
    await writeConfig(['  other:', '    type: pinterest', '    adAccountId: "1"', `    apiBaseUrl: ${fake.baseUrl}`, '    auth: { accessToken: x-SECRET-12 }'].join('\n'));
    const res = await run('auth', 'status', '--destination', 'other');
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/WARNING: Pinterest rejects the access token and pinsync cannot refresh it/);
  });
});
