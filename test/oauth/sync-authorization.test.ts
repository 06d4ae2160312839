/**
 * What `pinsync sync` says about Pinterest authorization, end to end against the emulator's OAuth: a refresh token
 * consumed by a run that died before storing the rotated one, and an app that was never authorized at all.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinterestTokenKey } from '../../connectors/pinterest/oauth/pinterest-oauth-tokens.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { runCli } from '../helpers/run-cli.js';
import { AD_ACCOUNT, SyncFixture, expectedHashes, makePeople } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
});

afterEach(async () => {
  await fx.close();
});

function oauthAuth(): string {
  const { oauth } = fx.emulator;
  return `{ accessToken: "\${PINTEREST_ACCESS_TOKEN}", refreshToken: ${oauth.refreshToken}, clientId: ${oauth.clientId}, clientSecret: ${oauth.clientSecret} }`;
}

/** A refresh as another run would send it; its answer is dropped, as when that run died before storing it. */
async function refreshElsewhere(refreshToken: string): Promise<void> {
  const { oauth } = fx.emulator;
  const res = await fetch(oauth.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${oauth.clientId}:${oauth.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

async function storedRefreshToken(): Promise<string> {
  const store = await DuckDbStateStore.open(fx.statePath);
  try {
    const key = pinterestTokenKey({ adAccountId: AD_ACCOUNT, auth: { clientId: fx.emulator.oauth.clientId } });
    const row = await store.getTokens(key);
    if (row?.refreshToken == null) throw new Error('no refresh token stored');
    return row.refreshToken;
  } finally {
    await store.close();
  }
}

describe('a refresh token consumed by a run that died before storing the rotated one', () => {
  it('says the refresh may have consumed the stored token and names the commands to re-authorize, never that nothing was lost', async () => {
    await fx.setPeople(makePeople(0, 20));
    await fx.writeConfig({ auth: oauthAuth() });
    // First run: the access token has expired, pinsync refreshes, stores the rotated tokens and syncs.
    fx.emulator.expireAccessToken();
    const first = await fx.cli(['sync']);
    expect(first.code, first.stderr).toBe(0);
    const stored = await storedRefreshToken();
    expect(stored).not.toBe(fx.emulator.oauth.refreshToken);

    // A later run refreshed with the stored token (Pinterest rotated it) and was killed before it stored the answer.
    fx.emulator.expireAccessToken();
    await refreshElsewhere(stored);

    await fx.setPeople(makePeople(0, 30));
    fx.emulator.clearRequests();
    const res = await fx.cli(['sync']);
    expect(res.code).toBe(1);
    const text = `${res.stdout}\n${res.stderr}`;
    expect(text).toContain('PINSYNC_PINTEREST_REAUTHORIZE');
    expect(text).toMatch(/HTTP 401, Pinterest code 283/);
    expect(text).toMatch(/may have been used up by an earlier run that refreshed it and stopped before it could store the new one/);
    expect(text).toContain(`pinsync auth url -c ${fx.configPath} --destination pinterest`);
    expect(text).toContain(`pinsync auth exchange -c ${fx.configPath} --destination pinterest --code CODE`);
    expect(text).not.toMatch(/nothing was lost/i);
    expect(text).not.toMatch(/tokens (are|were) unchanged/i);
    for (const secret of [stored, fx.emulator.oauth.clientSecret]) expect(text).not.toContain(secret);
    // Nothing reached the list: the refresh was refused before any write.
    expect(fx.emulator.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });
});

describe('an app with a client id and secret that was never authorized', () => {
  const appOnly = () => `{ clientId: ${fx.emulator.oauth.clientId}, clientSecret: ${fx.emulator.oauth.clientSecret} }`;

  it('sync says "not authorized yet" with both auth steps, exits 2 and sends no request', async () => {
    await fx.setPeople(makePeople(0, 20));
    await fx.writeConfig({ auth: appOnly() });
    const res = await fx.cli(['sync']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/destination "pinterest" is not authorized yet/);
    expect(res.stderr).toContain(`pinsync auth url -c ${fx.configPath} --destination pinterest`);
    expect(res.stderr).toContain(`pinsync auth exchange -c ${fx.configPath} --destination pinterest --code CODE`);
    expect(`${res.stdout}${res.stderr}`).not.toMatch(/rejected|re-authoriz/i);
    expect(fx.emulator.requests).toHaveLength(0);
  });

  it('auth status says "not authorized yet" without calling Pinterest and exits 1', async () => {
    await fx.writeConfig({ auth: appOnly() });
    const res = await fx.cli(['auth', 'status']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/tokens from: +none: not authorized yet/);
    expect(res.stdout).toMatch(/WARNING: not authorized yet: run `pinsync auth url -c \S+ --destination pinterest`.*`pinsync auth exchange/);
    expect(res.stdout).not.toMatch(/rejects the access token/);
    expect(fx.emulator.requests).toHaveLength(0);

    const json = await fx.cli(['auth', 'status', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).destinations[0]).toMatchObject({ authorized: false, source: 'none' });
    expect(fx.emulator.requests).toHaveLength(0);
  });
});

describe('doctor on an app that was never authorized', () => {
  it('fails the ad account check with "not authorized yet" and sends no request', async () => {
    await fx.setPeople(makePeople(0, 5));
    await fx.writeConfig({ auth: `{ clientId: ${fx.emulator.oauth.clientId}, clientSecret: ${fx.emulator.oauth.clientSecret} }` });
    const res = await fx.cli(['doctor']);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/ad account access +.*not authorized yet/);
    expect(res.stdout).not.toMatch(/rejected/);
    expect(fx.emulator.requests).toHaveLength(0);
  });
});

describe('first-time set-up with the documented config, whose token variable is not set yet', () => {
  const documented = () =>
    `{ accessToken: "\${PINTEREST_ACCESS_TOKEN}", clientId: ${fx.emulator.oauth.clientId}, clientSecret: "\${PINTEREST_CLIENT_SECRET}" }`;
  const run = (args: string[]) =>
    runCli([...args, '-c', fx.configPath], { env: { PINSYNC_LOG_LEVEL: 'warn', PINTEREST_CLIENT_SECRET: fx.emulator.oauth.clientSecret }, cwd: fx.dir });

  it('sync says not authorized yet, auth url and auth exchange work, then sync uses the stored tokens', async () => {
    await fx.setPeople(makePeople(0, 20));
    await fx.writeConfig({ auth: documented() });

    const before = await run(['sync']);
    expect(before.code).toBe(2);
    expect(before.stderr).toMatch(/not authorized yet: the config has no access token \(destinations\.pinterest\.auth\.accessToken: environment variable PINTEREST_ACCESS_TOKEN is not set\)/);
    expect(before.stderr).toContain(`pinsync auth url -c ${fx.configPath} --destination pinterest`);
    expect(fx.emulator.requests).toHaveLength(0);

    const url = await run(['auth', 'url', '--redirect-uri', 'https://app.example.test/pinterest']);
    expect(url.code, url.stderr).toBe(0);
    expect(url.stdout).toMatch(/^https:\/\/www\.pinterest\.com\/oauth\/\?response_type=code/);

    const code = fx.emulator.oauth.issueCode({ redirectUri: 'https://app.example.test/pinterest' });
    const exchanged = await run(['auth', 'exchange', '--code', code, '--redirect-uri', 'https://app.example.test/pinterest']);
    expect(exchanged.code, exchanged.stderr).toBe(0);

    const status = await run(['auth', 'status']);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toMatch(/tokens from: +state store/);

    const synced = await run(['sync']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(fx.membership().size).toBe(expectedHashes(makePeople(0, 20)).size);
  });

  it('sync still names an unset client secret, which no stored token can replace', async () => {
    await fx.writeConfig({ auth: documented() });
    const res = await runCli(['sync', '-c', fx.configPath], { env: { PINSYNC_LOG_LEVEL: 'warn' }, cwd: fx.dir });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('destinations.pinterest.auth.clientSecret: environment variable PINTEREST_CLIENT_SECRET is not set');
    expect(fx.emulator.requests).toHaveLength(0);
  });
});

describe('tokens stored by auth exchange while the config named other tokens', () => {
  it('are used once the config names no token at all, instead of "not authorized yet"', async () => {
    await fx.setPeople(makePeople(0, 20));
    const { oauth } = fx.emulator;
    await fx.writeConfig({ auth: `{ accessToken: "\${PINTEREST_ACCESS_TOKEN}", clientId: ${oauth.clientId}, clientSecret: ${oauth.clientSecret} }` });
    // Set up when the variable had to hold something: the stored row remembers that value's digest.
    const code = oauth.issueCode({ redirectUri: 'https://app.example.test/pinterest' });
    const exchanged = await fx.cli(['auth', 'exchange', '--code', code, '--redirect-uri', 'https://app.example.test/pinterest'], {
      PINTEREST_ACCESS_TOKEN: 'placeholder-not-a-token',
    });
    expect(exchanged.code, exchanged.stderr).toBe(0);

    // cron has no such variable: the config names no token, so nothing in it can be newer than the stored ones.
    const res = await runCli(['sync', '-c', fx.configPath], { env: { PINSYNC_LOG_LEVEL: 'warn' }, cwd: fx.dir });
    expect(res.code, res.stderr).toBe(0);
    expect(fx.membership().size).toBe(expectedHashes(makePeople(0, 20)).size);
  });
});
