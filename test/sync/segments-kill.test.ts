/**
 * kill -9 in the middle of a fan-out (a child process running the real CLI), then a rerun: every segment's list ends
 * exactly its members, no list is made twice, and the rerun sends only what no segment had acknowledged.
 */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { useSyncFixture } from '../helpers/sync-fixture.js';
import { expectedBySegment, listWrites, listsByName, runAll, setSegments, spread, writeSegmentConfig } from './segments-helpers.js';

const fx = useSyncFixture();

async function killAfterWrites(writes: number): Promise<void> {
  const child = fx().spawnCli(['sync']);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  const deadline = Date.now() + 30_000;
  while (listWrites(fx()) < writes) {
    if (child.exitCode !== null) throw new Error(`the sync ended before it could be killed (exit ${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error('timed out waiting for writes');
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await exited;
}

describe('kill -9 mid-fan-out', () => {
  it('the rerun ends with every segment exact, and no list twice', async () => {
    // 6 segments of 150 people, 50 records per request, one at a time: 3 writes per segment, 18 in all
    const rows = spread(900, 6);
    await setSegments(fx(), rows);
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}" }', [], 50, 1);
    fx().emulator.faults.latency(30);
    await killAfterWrites(8);
    fx().emulator.faults.clear();
    const partial = listsByName(fx());
    expect(partial.size).toBeGreaterThan(1);
    expect(partial.size).toBeLessThan(6);
    const sentBefore = [...partial.values()].reduce((n, s) => n + s.size, 0);

    const rerun = await runAll(fx());
    expect(rerun.code).toBe(0);
    const expected = expectedBySegment(rows);
    const lists = listsByName(fx());
    expect(lists.size).toBe(6);
    for (const [segment, hashes] of expected) expect(lists.get(`CRM – ${segment}`)).toEqual(hashes);
    // what Pinterest had acknowledged before the kill is not sent again (at most the batch in flight was)
    const resent = rerun.reports.reduce((n, r) => n + r.sent.adds, 0);
    expect(resent).toBeLessThanOrEqual(900 - sentBefore + 50);
    expect(resent).toBeGreaterThanOrEqual(900 - sentBefore);
  });
});
