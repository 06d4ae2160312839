/**
 * Shared Postgres state stores refreshed tokens only encrypted. Without PINSYNC_STATE_KEY the refusal must come
 * before Pinterest rotates the refresh token: a refusal after the refresh would throw away the only valid token.
 */
import { randomBytes } from 'node:crypto';
import { escapeIdentifier } from 'pg';
import { describe, expect, it } from 'vitest';
import { makePeople } from '../helpers/sync-fixture.js';
import { pgAdmin } from '../warehouses/postgres-target.js';
import { stateUrl, useSyncOnPostgresState, stateFromTestEnv } from './postgres-state-target.js';

const { fx, schema } = useSyncOnPostgresState();

async function writeOAuthConfigOnPostgresState(): Promise<void> {
  const { oauth } = fx().emulator;
  await fx().writeConfig({
    auth: `{ accessToken: "\${PINTEREST_ACCESS_TOKEN}", refreshToken: ${oauth.refreshToken}, clientId: ${oauth.clientId}, clientSecret: ${oauth.clientSecret} }`,
  });
  await stateFromTestEnv(fx());
}

const tokenRequests = () => fx().emulator.requests.filter((r) => r.path.includes('oauth/token')).length;

describe('tokens on shared Postgres state', () => {
  it('without PINSYNC_STATE_KEY, a sync that must refresh stops before the refresh, so the refresh token stays valid', async () => {
    await fx().setPeople(makePeople(0, 20));
    await writeOAuthConfigOnPostgresState();
    fx().emulator.expireAccessToken();

    const refused = await fx().cli(['sync'], { PINSYNC_TEST_STATE: stateUrl(schema()) });
    expect(refused.code).toBe(1);
    expect(refused.stderr + refused.stdout).toMatch(/PINSYNC_STATE_KEY/);
    expect(tokenRequests()).toBe(0);

    // The configured refresh token was never spent: with a key, the same config refreshes and syncs.
    const key = randomBytes(32).toString('base64');
    const ok = await fx().cli(['sync'], { PINSYNC_TEST_STATE: stateUrl(schema()), PINSYNC_STATE_KEY: key });
    expect(ok.code, ok.stderr).toBe(0);
    expect(tokenRequests()).toBe(1);
    const admin = await pgAdmin();
    try {
      const dump = JSON.stringify((await admin.query(`SELECT * FROM ${escapeIdentifier(schema())}.tokens`)).rows);
      expect(dump).not.toContain(fx().emulator.oauth.refreshToken);
    } finally {
      await admin.end();
    }
  });
});
