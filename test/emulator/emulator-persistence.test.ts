/**
 * The `dataFile` option: state survives a restart (lists, counters, membership, audiences, the id sequence), saves
 * are atomic, and a file that is not ours is refused instead of overwritten.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startEmulator } from '../../emulators/pinterest/emulator-server.js';
import { audiencesPath, call, createList, hexRecords, listsPath, tokenRequest } from './helpers/emulator-http.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pinsync-emulator-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dataFile', () => {
  it('restores lists, membership, counters, audiences and the id sequence after a restart', async () => {
    const dataFile = join(dir, 'state.json');
    const records = [...hexRecords(120), 'plain@example.com'];
    const first = await startEmulator({ dataFile });
    const list = await createList(first, 'kept', records);
    await call(first, 'PATCH', listsPath(first, list.id), { json: { operation_type: 'REMOVE', records: `${records[0]},missing` } });
    const audience = (await call(first, 'POST', audiencesPath(first), { json: { name: 'A', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } } })).body;
    const removed = (await call(first, 'POST', audiencesPath(first), { json: { name: 'B', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } } })).body;
    await call(first, 'PATCH', audiencesPath(first, removed.id), { json: { operation_type: 'REMOVE' } });
    const listBefore = (await call(first, 'GET', listsPath(first, list.id))).body;
    const audienceBefore = (await call(first, 'GET', audiencesPath(first, audience.id))).body;
    await first.close();

    const second = await startEmulator({ dataFile });
    try {
      expect((await call(second, 'GET', listsPath(second, list.id))).body).toEqual(listBefore);
      expect((await call(second, 'GET', audiencesPath(second, audience.id))).body).toEqual(audienceBefore);
      expect((await call(second, 'GET', audiencesPath(second, removed.id))).status).toBe(404);
      expect(second.membership(list.id)).toEqual(new Set(records.slice(1)));
      const next = await createList(second, 'new', ['x']);
      expect(BigInt(next.id)).toBeGreaterThan(BigInt(removed.id));
    } finally {
      await second.close();
    }
  });

  it('saves after each change without waiting for close, atomically (no temp files left behind)', async () => {
    const dataFile = join(dir, 'state.json');
    const em = await startEmulator({ dataFile, persistDebounceMs: 5 });
    try {
      await createList(em, 'a', ['x', 'y']);
      const deadline = Date.now() + 2_000;
      let saved: { lists?: unknown[] } = {};
      while (Date.now() < deadline) {
        try {
          saved = JSON.parse(await readFile(dataFile, 'utf8'));
          if (saved.lists?.length === 1) break;
        } catch {
          // not written yet
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(saved.lists).toHaveLength(1);
      await em.flush();
      expect(await readdir(dir)).toEqual(['state.json']);
    } finally {
      await em.close();
    }
  });

  it('keeps counters but not membership when restarted with trackMembership: false', async () => {
    const dataFile = join(dir, 'state.json');
    const first = await startEmulator({ dataFile });
    const list = await createList(first, 'a', hexRecords(5));
    await first.close();
    const second = await startEmulator({ dataFile, trackMembership: false });
    try {
      expect(second.list(list.id)?.num_uploaded_user_records).toBe(5);
      expect(() => second.membership(list.id)).toThrow(/not tracked/);
    } finally {
      await second.close();
    }
  });

  it('keeps tokens across a restart: issued ones work, spent, revoked and expired ones stay refused', async () => {
    const dataFile = join(dir, 'state.json');
    const opts = { dataFile, tokens: ['kept', 'revoked-seed', 'expired-seed'] };
    const redirect = 'https://example.invalid/cb';
    const first = await startEmulator(opts);
    const code = first.oauth.issueCode({ redirectUri: redirect });
    const pending = first.oauth.issueCode({ redirectUri: redirect });
    const granted = (await tokenRequest(first, { grant_type: 'authorization_code', code, redirect_uri: redirect })).body;
    const rotated = (await tokenRequest(first, { grant_type: 'refresh_token', refresh_token: granted.refresh_token })).body;
    expect((await tokenRequest(first, { grant_type: 'refresh_token', refresh_token: 'pinsync-emulator-refresh-token' })).status).toBe(200);
    first.revokeToken('revoked-seed');
    first.expireAccessToken('expired-seed');
    await first.close();

    const second = await startEmulator(opts);
    try {
      const status = async (token: string): Promise<number> => (await call(second, 'GET', '/ad_accounts', { token })).status;
      expect(await status(granted.access_token)).toBe(200);
      expect(await status(rotated.access_token)).toBe(200);
      expect(await status('kept')).toBe(200);
      expect(await status('revoked-seed')).toBe(401);
      expect(await status('expired-seed')).toBe(401);
      const refresh = async (token: string): Promise<number> => (await tokenRequest(second, { grant_type: 'refresh_token', refresh_token: token })).status;
      expect(await refresh(granted.refresh_token)).toBe(401);
      expect(await refresh('pinsync-emulator-refresh-token')).toBe(401);
      expect(await refresh(rotated.refresh_token)).toBe(200);
      expect((await tokenRequest(second, { grant_type: 'authorization_code', code: pending, redirect_uri: redirect })).status).toBe(200);
    } finally {
      await second.close();
    }
  });

  it('refuses to start on a file that is not an emulator state file', async () => {
    const dataFile = join(dir, 'other.json');
    await writeFile(dataFile, '{"hello": "world"}');
    await expect(startEmulator({ dataFile })).rejects.toThrow(/not a pinsync emulator state file/);
    await writeFile(dataFile, '{not json');
    await expect(startEmulator({ dataFile })).rejects.toThrow(/not valid JSON/);
    expect(await readFile(dataFile, 'utf8')).toBe('{not json');
  });
});
