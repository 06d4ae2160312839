/**
 * `plan` and `sync --dry-run` must tell the truth about what a sync would do, to the record: exact adds, removes,
 * unchanged, current and acknowledged counts, and the guardrail verdict, while calling Pinterest zero times and
 * leaving the state file as it was (or not creating one).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectedHashes, makePeople, type Person, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture;

beforeEach(async () => {
  fx = await SyncFixture.create();
});

afterEach(async () => {
  await fx.close();
});

function emails(from: number, to: number): Person[] {
  return makePeople(from, to - from).map((p) => ({ email: p.email }));
}

async function stateDigest(): Promise<string> {
  return createHash('sha256').update(await readFile(fx.statePath)).digest('hex');
}

describe('before the first sync', () => {
  it('plan and --dry-run count every current identifier as an add, call Pinterest zero times and create no state file', async () => {
    // 40 people: 40 emails, 14 GAIDs (every 3rd), 8 IDFAs (every 5th), one invalid email
    await fx.setPeople([...makePeople(0, 40), { email: 'not-an-email' }]);
    await fx.writeConfig();
    const current = expectedHashes(makePeople(0, 40)).size;
    expect(current).toBe(40 + 14 + 8);

    for (const args of [['plan'], ['--dry-run']]) {
      const res = await fx.syncJson(args);
      expect(res.code, res.stderr).toBe(0);
      expect(res.report.status).toBe('planned');
      expect(res.report.mode).toBe('plan');
      expect(res.report.sourceRows).toBe(41);
      expect(res.report.rejected).toEqual({ invalid_email: 1 });
      expect(res.report.diff).toEqual({ acknowledged: 0, current, adds: current, removes: 0, unchanged: 0 });
      expect(res.report.sent).toEqual({ adds: 0, removes: 0, batches: 0 });
      expect(res.report.samples.adds).toHaveLength(5);
      expect(res.report.samples.removes).toEqual([]);
    }
    expect(fx.emulator.requests).toHaveLength(0);
    expect(existsSync(fx.statePath)).toBe(false);
  });
});

describe('after a sync', () => {
  it('plan and --dry-run report exact adds, removes and unchanged, with zero requests and the state file byte-identical', async () => {
    await fx.setPeople(emails(0, 100));
    await fx.writeConfig({ syncExtra: ['guardrails: { maxRemovePercent: 50 }'] });
    expect((await fx.syncJson()).code).toBe(0);
    fx.emulator.clearRequests();
    const before = await stateDigest();

    // 30 leave (0..29), 50 join (100..149), 70 stay
    await fx.setPeople(emails(30, 150));
    for (const args of [['plan'], ['--dry-run']]) {
      const res = await fx.syncJson(args);
      expect(res.code, res.stderr).toBe(0);
      expect(res.report.status).toBe('planned');
      expect(res.report.diff).toEqual({ acknowledged: 100, current: 120, adds: 50, removes: 30, unchanged: 70 });
      expect(res.report.guardrail).toEqual({ verdict: 'pass', reasons: [] });
      expect(res.report.sent).toEqual({ adds: 0, removes: 0, batches: 0 });
      // samples are drawn from the delta: removes only from those who left, adds only from those who joined
      const left = expectedHashes(emails(0, 30));
      const joined = expectedHashes(emails(100, 150));
      expect(res.report.samples.removes).toHaveLength(5);
      for (const h of res.report.samples.removes) expect(left.has(h)).toBe(true);
      expect(res.report.samples.adds).toHaveLength(5);
      for (const h of res.report.samples.adds) expect(joined.has(h)).toBe(true);
    }
    expect(fx.emulator.requests).toHaveLength(0);
    expect(await stateDigest()).toBe(before);

    // the plan was right: the sync that follows sends exactly those counts
    const real = await fx.syncJson();
    expect(real.code).toBe(0);
    expect(real.report.sent).toMatchObject({ adds: 50, removes: 30 });
    expect(fx.membership()).toEqual(expectedHashes(emails(30, 150)));
  });

  it('a plan that trips a guardrail says so with exit 3, the exact counts, and sends and stores nothing', async () => {
    await fx.setPeople(emails(0, 100));
    await fx.writeConfig({ syncExtra: ['guardrails: { maxRemovePercent: 50 }'] });
    expect((await fx.syncJson()).code).toBe(0);
    fx.emulator.clearRequests();
    const before = await stateDigest();

    await fx.setPeople(emails(60, 110));
    const res = await fx.syncJson(['--dry-run']);
    expect(res.code).toBe(3);
    expect(res.report.status).toBe('guardrail');
    expect(res.report.diff).toEqual({ acknowledged: 100, current: 50, adds: 10, removes: 60, unchanged: 40 });
    expect(res.report.guardrail.verdict).toBe('blocked');
    expect(res.report.guardrail.reasons).toEqual(['60 removals are 60.0% of the 100 acknowledged members, above maxRemovePercent 50%']);
    expect(fx.emulator.requests).toHaveLength(0);
    expect(await stateDigest()).toBe(before);
  });
});
