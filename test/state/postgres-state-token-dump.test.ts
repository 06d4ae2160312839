/**
 * Tokens at rest in shared Postgres state: after `pinsync sync` (the real CLI in a child process) refreshed the
 * OAuth tokens and stored them, a `pg_dump` of the state (what a backup, a replica or a curious colleague sees)
 * holds neither the access nor the refresh token, in plain text or in any usual encoding.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { escapeIdentifier } from 'pg';
import { describe, expect, it } from 'vitest';
import { PostgresStateStore } from '../../connectors/state/postgres/postgres-state-store.js';
import { TokenCipher } from '../../connectors/state/token-cipher.js';
import { makePeople, TOKEN } from '../helpers/sync-fixture.js';
import { postgresTool } from '../setup/postgres-server.js';
import { pgAdmin, pgTestUrl } from '../warehouses/postgres-target.js';
import { outcomeOf, stateFromTestEnv, stateUrl, useSyncOnPostgresState } from './postgres-state-target.js';

const run = promisify(execFile);
const { fx, schema } = useSyncOnPostgresState();

/** The ways a secret could sit in a dump: as is, base64, base64url, hex (either case), as a bytea literal. */
function encodings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const hex = bytes.toString('hex');
  return [secret, bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, ''), bytes.toString('base64url'), hex, hex.toUpperCase()];
}

describe('tokens in a pg_dump of the Postgres state', () => {
  it('after a refresh stored by a sync, the dump holds neither the access nor the refresh token in any encoding', { timeout: 120_000 }, async () => {
    const { oauth } = fx().emulator;
    await fx().setPeople(makePeople(0, 20));
    await fx().writeConfig({
      auth: `{ accessToken: "\${PINTEREST_ACCESS_TOKEN}", refreshToken: ${oauth.refreshToken}, clientId: ${oauth.clientId}, clientSecret: ${oauth.clientSecret} }`,
    });
    await stateFromTestEnv(fx());
    fx().emulator.expireAccessToken();
    const key = randomBytes(32).toString('base64');

    const synced = await outcomeOf(fx().spawnCli(['sync'], { PINSYNC_TEST_STATE: stateUrl(schema()), PINSYNC_STATE_KEY: key }));
    expect(synced.code, synced.stderr).toBe(0);
    expect(fx().emulator.requests.filter((r) => r.path.includes('oauth/token') && r.status === 200)).toHaveLength(1);

    // The tokens the refresh produced, read back through the key: the secrets to look for.
    const admin = await pgAdmin();
    let destinationKey: string;
    try {
      const { rows } = await admin.query<{ destination_key: string }>(`SELECT destination_key FROM ${escapeIdentifier(schema())}.tokens`);
      expect(rows).toHaveLength(1);
      destinationKey = rows[0]!.destination_key;
    } finally {
      await admin.end();
    }
    const store = (await PostgresStateStore.open(stateUrl(schema()), { cipher: TokenCipher.fromEnv(key) }))!;
    const tokens = await store.getTokens(destinationKey).finally(() => store.close());
    expect(tokens?.accessToken).toMatch(/^pina_/); // minted by the refresh, not the configured one
    expect(tokens?.refreshToken).toMatch(/^pinr_/); // rotated, not the configured one
    const secrets = { access: tokens!.accessToken, refresh: tokens!.refreshToken!, configuredAccess: TOKEN, configuredRefresh: oauth.refreshToken!, clientSecret: oauth.clientSecret };

    const { stdout: dump } = await run(await postgresTool('pg_dump'), ['--dbname', pgTestUrl(), '--schema', schema(), '--no-owner'], { maxBuffer: 64 * 1024 * 1024 });
    // Not vacuous: the dump has the tokens table's row.
    expect(dump).toMatch(new RegExp(`COPY ${schema()}\\.tokens [^\\n]*FROM stdin;\\n[^\\n]*${destinationKey.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    for (const [name, secret] of Object.entries(secrets)) {
      for (const form of encodings(secret)) expect(dump.includes(form), `${name} token found in the dump`).toBe(false);
    }
  });
});
