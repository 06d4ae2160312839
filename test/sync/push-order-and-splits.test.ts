/**
 * How a push cuts the delta into requests: every ADD before every REMOVE (an audience must not dip while it
 * churns), a PATCH Pinterest refuses as too large split into halves with every record sent exactly once, and
 * `batch.maxBytes` bounding each request body. Counted against the emulator's request log and its membership.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../emulators/pinterest/request-log.js';
import { expectedHashes, makePeople, type Person, SyncFixture } from '../helpers/sync-fixture.js';

let fx: SyncFixture | undefined;

afterEach(async () => {
  fx?.emulator.faults.clear();
  await fx?.close();
  fx = undefined;
});

/** Email-only people, so record counts are exact: `Person{i}@example.com` for i in [from, to). */
function emails(from: number, to: number): Person[] {
  return makePeople(from, to - from).map((p) => ({ email: p.email }));
}

function patches(f: SyncFixture): readonly RequestLogEntry[] {
  return f.emulator.requests.filter((r) => r.method === 'PATCH');
}

function acceptedRecords(f: SyncFixture, op: 'ADD' | 'REMOVE'): number {
  return patches(f)
    .filter((r) => r.status === 200 && r.operation === op)
    .reduce((sum, r) => sum + r.records, 0);
}

describe('a push with both additions and removals', () => {
  it('sends every ADD request before any REMOVE request', async () => {
    fx = await SyncFixture.create();
    await fx.setPeople(emails(0, 100));
    await fx.writeConfig({ maxRecords: 20, syncExtra: ['guardrails: { maxRemovePercent: 100 }'] });
    expect((await fx.syncJson()).code).toBe(0);
    fx.emulator.clearRequests();

    // 40 leave, 60 join: 3 ADD and 2 REMOVE batches of 20
    await fx.setPeople(emails(40, 160));
    const res = await fx.syncJson();
    expect(res.code).toBe(0);
    expect(res.report.sent).toEqual({ adds: 60, removes: 40, batches: 5 });
    const ops = patches(fx).map((r) => r.operation);
    expect(ops).toEqual(['ADD', 'ADD', 'ADD', 'REMOVE', 'REMOVE']);
    expect(fx.membership()).toEqual(expectedHashes(emails(40, 160)));
  });
});

describe('a PATCH Pinterest refuses as too large', () => {
  it('is split into halves that together send every record exactly once', async () => {
    // Pinterest takes at most 60 records per request; pinsync is configured for 100
    fx = await SyncFixture.create({ maxRecordsPerRequest: 60 });
    await fx.setPeople(emails(0, 50));
    await fx.writeConfig({ maxRecords: 100, syncExtra: ['guardrails: { maxRemovePercent: 100 }'] });
    const first = await fx.syncJson();
    expect(first.code).toBe(0);
    expect(first.report.warnings.join(' ')).not.toMatch(/too large/); // the 50-record create fit
    fx.emulator.clearRequests();

    // 250 join (so the first ADD PATCH carries 100 records) and 10 leave
    const people = emails(10, 300);
    await fx.setPeople(people);
    const res = await fx.syncJson();
    expect(res.code, res.report.error?.message).toBe(0);

    // the refusal hit a PATCH (the list already existed), and only that one 100-record request
    const refused = patches(fx).filter((r) => r.status === 413);
    expect(refused.map((r) => [r.operation, r.records])).toEqual([['ADD', 100]]);
    expect(fx.emulator.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/customer_lists'))).toHaveLength(0);
    // then halves of 50, and 50 from then on: no accepted request above Pinterest's limit
    const accepted = patches(fx).filter((r) => r.status === 200);
    expect(accepted.map((r) => r.records)).toEqual([50, 50, 50, 50, 50, 10]);

    // exact accounting: Pinterest holds exactly the source; each record was sent once
    const expected = expectedHashes(people);
    expect(fx.membership()).toEqual(expected);
    expect(await fx.storedMembership()).toEqual(expected);
    expect(res.report.sent).toEqual({ adds: 250, removes: 10, batches: 6 });
    expect(acceptedRecords(fx, 'ADD')).toBe(250);
    expect(acceptedRecords(fx, 'REMOVE')).toBe(10);
    expect(res.report.pinterest.retries).toBe(0);
    expect(res.report.warnings.join(' ')).toMatch(/refused a batch of 100 records as too large; pinsync now sends at most 50/);
  });

  it('splits a refused REMOVE the same way, and the list ends exactly as the source', async () => {
    fx = await SyncFixture.create();
    await fx.setPeople(emails(0, 90));
    await fx.writeConfig({ maxRecords: 100, syncExtra: ['guardrails: { maxRemovePercent: 100 }'] });
    expect((await fx.syncJson()).code).toBe(0);
    fx.emulator.clearRequests();

    // 45 leave in one 45-record REMOVE; Pinterest refuses it once as too large
    await fx.setPeople(emails(45, 90));
    fx.emulator.faults.failNext({ status: 413, count: 1, match: { method: 'PATCH' } });
    const res = await fx.syncJson();
    expect(res.code, res.report.error?.message).toBe(0);
    expect(patches(fx).map((r) => [r.operation, r.status, r.records])).toEqual([
      ['REMOVE', 413, 45],
      ['REMOVE', 200, 22],
      ['REMOVE', 200, 23],
    ]);
    expect(res.report.sent).toEqual({ adds: 0, removes: 45, batches: 2 });
    expect(fx.membership()).toEqual(expectedHashes(emails(45, 90)));
    expect(await fx.storedMembership()).toEqual(expectedHashes(emails(45, 90)));
  });
});

describe('batch.maxBytes', () => {
  it('bounds every request body, and the records per request follow from it', async () => {
    fx = await SyncFixture.create();
    await fx.setPeople(emails(0, 200));
    // (4,000 − 1,024 envelope bytes) / 65 bytes per record = 45 records per request
    await fx.writeConfig({ maxRecords: 10_000 });
    const { readFile, writeFile } = await import('node:fs/promises');
    const config = await readFile(fx.configPath, 'utf8');
    await writeFile(fx.configPath, config.replace('batch: { maxRecords: 10000 }', 'batch: { maxRecords: 10000, maxBytes: 4000 }'));
    const res = await fx.syncJson();
    expect(res.code, res.report.error?.message).toBe(0);
    const writes = fx.emulator.requests.filter((r) => r.records > 0);
    expect(writes.map((r) => r.records)).toEqual([45, 45, 45, 45, 20]);
    for (const w of writes) expect(w.bodyBytes).toBeLessThanOrEqual(4_000);
    expect(writes.some((r) => r.status !== 200)).toBe(false);
    expect(fx.membership()).toEqual(expectedHashes(emails(0, 200)));
  });
});
