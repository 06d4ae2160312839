/**
 * Fan-out by a segment column, end to end: the CLI, a DuckDB warehouse, the emulator over real HTTP, the DuckDB state.
 */
import { stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useSyncFixture } from '../helpers/sync-fixture.js';
import { expectedBySegment, listWrites, listsByName, runAll, segmentName, setSegments, spread, writeSegmentConfig } from './segments-helpers.js';

const fx = useSyncFixture();
const SEGMENTS = '{ column: segment, name: "CRM – {segment}" }';

describe('first sync of 50 segments', () => {
  it('creates one list per segment holding exactly its members, from one warehouse read', async () => {
    // 1,000 people over 50 segments, and 20 of them in a second segment too
    const rows = [...spread(1_000, 50), ...spread(20, 50, 0).map((r, i) => ({ ...r, segment: segmentName((i + 1) % 50) }))];
    await setSegments(fx(), [...rows, { email: 'nobody@example.com', segment: null }]);
    await writeSegmentConfig(fx(), SEGMENTS);

    const { code, reports } = await runAll(fx());
    expect(code).toBe(0);
    expect(reports).toHaveLength(50);
    expect(reports.map((r) => r.sync)).toEqual(Array.from({ length: 50 }, (_, i) => `people_sync/${segmentName(i)}`));
    for (const r of reports) expect(r.status).toBe('succeeded');
    expect(reports[0]!.warnings[0]).toMatch(/one read of 1021 rows .* fed 50 segments \(rows skipped: 1 no segment\)/);

    const expected = expectedBySegment(rows);
    const lists = listsByName(fx());
    expect(lists.size).toBe(50);
    for (const [segment, hashes] of expected) expect(lists.get(`CRM – ${segment}`)).toEqual(hashes);
    for (const r of reports) {
      const segment = r.sync.split('/')[1]!;
      expect(r.diff.adds).toBe(expected.get(segment)!.size);
      expect(r.sourceRows).toBe(expected.get(segment)!.size);
    }
  });
});

describe('churn within and across segments', () => {
  it('a person moving from one segment to another is one remove and one add in two lists', async () => {
    const rows = spread(300, 3);
    await setSegments(fx(), rows);
    await writeSegmentConfig(fx(), SEGMENTS);
    expect((await runAll(fx())).code).toBe(0);

    // person 0 moves seg_00 -> seg_01; person 3 leaves seg_00; a new person joins seg_02
    const churned = [{ ...rows[0]!, segment: 'seg_01' }, ...rows.slice(1).filter((r) => r.email !== 'Seg3@example.com'), { email: 'new@example.com', segment: 'seg_02' }];
    await setSegments(fx(), churned);
    const before = listWrites(fx());
    const { code, reports } = await runAll(fx());
    expect(code).toBe(0);
    const bySync = new Map(reports.map((r) => [r.sync, r]));
    expect(bySync.get('people_sync/seg_00')!.sent).toMatchObject({ adds: 0, removes: 2 });
    expect(bySync.get('people_sync/seg_01')!.sent).toMatchObject({ adds: 1, removes: 0 });
    expect(bySync.get('people_sync/seg_02')!.sent).toMatchObject({ adds: 1, removes: 0 });
    expect(listWrites(fx()) - before).toBe(3);
    const lists = listsByName(fx());
    for (const [segment, hashes] of expectedBySegment(churned)) expect(lists.get(`CRM – ${segment}`)).toEqual(hashes);
  });
});

describe('a segment that disappears', () => {
  it('onDisappear: keep leaves its list and warns', async () => {
    const rows = spread(200, 2);
    await setSegments(fx(), rows);
    await writeSegmentConfig(fx(), SEGMENTS);
    expect((await runAll(fx())).code).toBe(0);
    const kept = listsByName(fx()).get('CRM – seg_01');

    await setSegments(fx(), rows.filter((r) => r.segment === 'seg_00'));
    const before = listWrites(fx());
    const { code, reports } = await runAll(fx());
    expect(code).toBe(0);
    const gone = reports.find((r) => r.sync === 'people_sync/seg_01')!;
    expect(gone.warnings.join('\n')).toMatch(/no longer in the query: its customer list keeps its 100 members \(onDisappear: keep\)/);
    expect(listWrites(fx())).toBe(before);
    expect(listsByName(fx()).get('CRM – seg_01')).toEqual(kept);
  });

  it('onDisappear: empty removes its members, behind the maxRemovePercent guardrail', async () => {
    const rows = spread(200, 2);
    await setSegments(fx(), rows);
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}", onDisappear: empty }');
    expect((await runAll(fx())).code).toBe(0);

    await setSegments(fx(), rows.filter((r) => r.segment === 'seg_00'));
    const blocked = await runAll(fx());
    expect(blocked.code).toBe(3);
    const stopped = blocked.reports.find((r) => r.sync === 'people_sync/seg_01')!;
    expect(stopped.status).toBe('guardrail');
    expect(stopped.diff).toMatchObject({ removes: 100, current: 0 });
    expect(listsByName(fx()).get('CRM – seg_01')!.size).toBe(100);

    const forced = await runAll(fx(), ['--force']);
    expect(forced.code).toBe(0);
    expect(forced.reports.find((r) => r.sync === 'people_sync/seg_01')!.sent).toMatchObject({ removes: 100 });
    expect(listsByName(fx()).get('CRM – seg_01')!.size).toBe(0);
    // emptied: later runs leave it alone
    const again = await runAll(fx());
    expect(again.code).toBe(0);
    expect(again.reports.map((r) => r.sync)).toEqual(['people_sync/seg_00']);
  });
});

describe('limits and selection', () => {
  it('maxSegments refuses with exit 2, naming the count, before anything is sent', async () => {
    await setSegments(fx(), spread(100, 12));
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}", maxSegments: 10 }');
    const { code, reports } = await runAll(fx());
    expect(code).toBe(2);
    expect(reports).toHaveLength(1);
    expect(reports[0]!.error?.code).toBe('PINSYNC_TOO_MANY_SEGMENTS');
    expect(reports[0]!.error?.message).toMatch(/yields 12 segments .* more than maxSegments 10/);
    expect(fx().emulator.requests).toHaveLength(0);
  });

  it('include globs pick segments and count the rest', async () => {
    await setSegments(fx(), [...spread(30, 3), { email: 'vip@example.com', segment: 'vip_2024' }]);
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}", include: ["vip_*", seg_01] }');
    const { code, reports } = await runAll(fx());
    expect(code).toBe(0);
    expect(reports.map((r) => r.sync)).toEqual(['people_sync/seg_01', 'people_sync/vip_2024']);
    expect(reports[0]!.warnings[0]).toMatch(/rows skipped: 20 excluded/);
  });

  it('the ad account list ceiling fails the new segments past it, with a clear error', async () => {
    await setSegments(fx(), spread(30, 3));
    await fx().seedList('someone else', ['a'.repeat(64)]);
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}", accountListLimit: 3 }');
    const { code, reports } = await runAll(fx());
    expect(code).toBe(1);
    expect(reports.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'failed']);
    expect(reports[2]!.error?.code).toBe('PINSYNC_LIST_LIMIT');
    expect(fx().emulator.lists()).toHaveLength(3);
  });

  it('plan names the lists it would create and sends nothing', async () => {
    await setSegments(fx(), spread(40, 4));
    await writeSegmentConfig(fx(), SEGMENTS);
    const { code, reports } = await runAll(fx(), ['plan']);
    expect(code).toBe(0);
    expect(reports).toHaveLength(4);
    for (const r of reports) {
      expect(r.status).toBe('planned');
      expect(r.diff.adds).toBe(10);
      expect(r.warnings.join('\n')).toContain(`creates customer list and audience "CRM – ${r.sync.split('/')[1]}"`);
    }
    expect(fx().emulator.requests).toHaveLength(0);
    await expect(stat(fx().statePath)).rejects.toThrow();
  });

  it('--select segment:NAME runs only that segment; --exclude segment:NAME skips one', async () => {
    const rows = spread(40, 4);
    await setSegments(fx(), rows);
    await writeSegmentConfig(fx(), SEGMENTS);
    const one = await runAll(fx(), ['--select', 'segment:seg_02']);
    expect(one.code).toBe(0);
    expect(one.reports.map((r) => r.sync)).toEqual(['people_sync/seg_02']);
    expect([...listsByName(fx()).keys()]).toEqual(['CRM – seg_02']);

    const rest = await runAll(fx(), ['--exclude', 'segment:people_sync/seg_00']);
    expect(rest.code).toBe(0);
    expect(rest.reports.map((r) => r.sync)).toEqual(['people_sync/seg_01', 'people_sync/seg_02', 'people_sync/seg_03']);
    expect(listsByName(fx()).size).toBe(3);
    const bad = await fx().cli(['sync', '--select', 'segment:nosuch/seg_00']);
    expect(bad.code).toBe(2);
  });
});
