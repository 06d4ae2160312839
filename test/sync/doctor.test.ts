/** `pinsync doctor` against the emulator: a checklist a user can act on, and exit 1 when a sync would fail. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makePeople, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
});

afterEach(async () => {
  await fx.close();
});

describe('pinsync doctor', () => {
  it('passes for a healthy sync and shows the list and audience', async () => {
    await fx.setPeople(makePeople(1, 300));
    await fx.writeConfig();
    expect((await fx.cli(['sync'])).code).toBe(0);
    const requests = fx.emulator.requests.length;
    const res = await fx.cli(['doctor']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/✓ warehouse reachable/);
    expect(res.stdout).toMatch(/✓ ad account access/);
    expect(res.stdout).toMatch(new RegExp(`✓ customer list\\s+${fx.listId()}`));
    expect(res.stdout).toMatch(/✓ audience\s+\d+ "Test people"/);
    // doctor only reads
    expect(fx.emulator.requests.slice(requests).every((r) => r.method === 'GET')).toBe(true);
  });

  it('fails with what to do when the token is rejected or the warehouse is missing', async () => {
    await fx.writeConfig();
    const res = await fx.cli(['doctor', '--json'], { PINTEREST_ACCESS_TOKEN: 'wrong-token' });
    expect(res.code).toBe(1);
    const doc = JSON.parse(res.stdout) as { ok: boolean; syncs: { checks: { name: string; status: string; detail: string }[] }[] };
    expect(doc.ok).toBe(false);
    const checks = Object.fromEntries(doc.syncs[0]!.checks.map((c) => [c.name, c]));
    expect(checks['warehouse reachable']!.status).toBe('fail');
    expect(checks['ad account access']!.status).toBe('fail');
    expect(checks['ad account access']!.detail).toMatch(/access token/i);
    expect(res.stdout).not.toContain('wrong-token');
  });
});
