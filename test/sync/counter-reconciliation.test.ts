/**
 * After every run the list's counters on Pinterest are compared with what pinsync sent: a batch the client had to
 * send again (its answer was lost after Pinterest applied it) is counted twice by Pinterest, which is no reason to
 * warn; records that never arrived are.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectedHashes, makePeople, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture | undefined;

afterEach(async () => {
  await fx?.close();
  fx = undefined;
});

describe('counter reconciliation', () => {
  it('a batch replayed after its answer was lost does not make the counters disagree', async () => {
    fx = await SyncFixture.create();
    await fx.setPeople(makePeople(1, 200));
    await fx.writeConfig();
    expect((await fx.syncJson()).code).toBe(0);

    await fx.setPeople(makePeople(1, 300));
    // Pinterest applies the PATCH, the answer never arrives, the client sends it again: its records counted twice.
    fx.emulator.faults.dropNext({ count: 1, afterApply: true, match: { method: 'PATCH' } });
    const res = await fx.syncJson();
    expect(res.code).toBe(0);
    expect(res.report.pinterest.retries).toBeGreaterThan(0);
    expect(fx.membership()).toEqual(expectedHashes(makePeople(1, 300)));
    expect(res.report.warnings.join(' ')).not.toMatch(/counters disagree/);
  });
});
