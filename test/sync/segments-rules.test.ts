/**
 * The rules around a segment sync: its config, its list names (never adopt a list another sync or segment made),
 * and the `segment:` selector.
 */
import { describe, expect, it } from 'vitest';
import { includeMatcher, segmentListName, segmentValueOf } from '../../core/fan-out/segment-naming.js';
import { segmentFilterOf, segmentSelected } from '../../core/fan-out/segment-selection.js';
import { issuesOf, messageAt, minimalConfig, parse } from '../config/config-fixtures.js';
import { useSyncFixture } from '../helpers/sync-fixture.js';
import { runAll, setSegments, spread, writeSegmentConfig } from './segments-helpers.js';

function segmentConfig(segments: Record<string, unknown>, audience?: Record<string, unknown>) {
  const c = minimalConfig();
  c.syncs[0].segments = segments;
  if (audience === undefined) delete c.syncs[0].audience;
  else c.syncs[0].audience = audience;
  return c;
}

describe('segments config', () => {
  it('fills the defaults and names the lists from segments.name', () => {
    const sync = parse(segmentConfig({ column: 'segment', name: 'CRM – {segment}' })).syncs[0]!;
    expect(sync.segments).toEqual({ column: 'segment', name: 'CRM – {segment}', include: [], maxSegments: 100, onDisappear: 'keep', accountListLimit: 1000 });
    expect(sync.audience.name).toBe('CRM – {segment}');
    // a description may still come from audience:
    expect(parse(segmentConfig({ column: 'segment', name: 'CRM – {segment}' }, { description: 'from the CRM' })).syncs[0]!.audience).toMatchObject({ name: 'CRM – {segment}', description: 'from the CRM' });
  });

  it('refuses a template without {segment}, an adopted list, a second name and diff: warehouse', () => {
    expect(messageAt(issuesOf(segmentConfig({ column: 'segment', name: 'CRM' })), 'syncs[0].segments.name')).toMatch(/must contain \{segment\}/);
    expect(messageAt(issuesOf(segmentConfig({ column: 'segment', name: 'X {segment}' }, { name: 'Y', customerListId: '123' })), 'syncs[0].audience.customerListId')).toMatch(/cannot adopt a list/);
    expect(messageAt(issuesOf(segmentConfig({ column: 'segment', name: 'X {segment}' }, { name: 'Y' })), 'syncs[0].audience.name')).toMatch(/leave out audience.name/);
    const c = segmentConfig({ column: 'segment', name: 'X {segment}', onDisappear: 'delete', maxSegments: 0 });
    const issues = issuesOf(c);
    expect(messageAt(issues, 'syncs[0].segments.onDisappear')).toMatch(/keep, empty/);
    expect(messageAt(issues, 'syncs[0].segments.maxSegments')).toBeTruthy();
    // explicit actions are refused with segments by the actions check (core/config/sync-schema.ts)
    const withActions = segmentConfig({ column: 'segment', name: 'X {segment}' });
    withActions.syncs[0].actions = { column: 'action' };
    expect(messageAt(issuesOf(withActions), 'syncs[0].actions')).toMatch(/segments/);
  });
});

describe('segment values, names and selection', () => {
  it('reads values as trimmed text and skips blanks, long values and control characters', () => {
    expect(segmentValueOf(' vip ')).toEqual({ value: 'vip' });
    expect(segmentValueOf(2024)).toEqual({ value: '2024' });
    expect(segmentValueOf(null)).toEqual({ skip: 'no_segment' });
    expect(segmentValueOf('  ')).toEqual({ skip: 'no_segment' });
    expect(segmentValueOf('x'.repeat(101))).toEqual({ skip: 'invalid_segment' });
    expect(segmentValueOf('a\nb')).toEqual({ skip: 'invalid_segment' });
    expect(segmentValueOf({ a: 1 })).toEqual({ skip: 'invalid_segment' });
    expect(segmentValueOf(new Date('2024-05-01T00:00:00Z'))).toEqual({ value: '2024-05-01' });
    expect(segmentValueOf(new Date('2024-05-01T10:30:00Z'))).toEqual({ value: '2024-05-01T10:30:00.000Z' });
    expect(segmentListName('CRM – {segment} ({segment})', 'vip')).toBe('CRM – vip (vip)');
  });

  it('matches include globs whole, with * and ? only', () => {
    const m = includeMatcher(['vip_*', 'churn_risk', 'a?c', 'x.y']);
    expect(['vip_2024', 'vip_', 'churn_risk', 'abc', 'x.y'].every(m)).toBe(true);
    expect(['avip_2024', 'churn_risk2', 'ac', 'xzy'].some(m)).toBe(false);
    expect(includeMatcher([])('anything')).toBe(true);
  });

  it('segment: selectors pick values in any segment sync, or sync/value in one', () => {
    const f = segmentFilterOf({ select: ['segment:vip tag:crm,segment:people/churn'], exclude: ['segment:old'] });
    expect(segmentSelected(f, 'people', 'vip')).toBe(true);
    expect(segmentSelected(f, 'people', 'churn')).toBe(true);
    expect(segmentSelected(f, 'other', 'churn')).toBe(false);
    expect(segmentSelected(f, 'people', 'old')).toBe(false);
    expect(segmentSelected(segmentFilterOf({ exclude: ['segment:old'] }), 'people', 'new')).toBe(true);
  });
});

describe('list names per ad account', () => {
  const fx = useSyncFixture();

  it('never writes into a same-named list it did not create: that segment fails, the others run', async () => {
    await setSegments(fx(), spread(30, 3));
    const foreign = await fx().seedList('CRM – seg_01', ['b'.repeat(64)]);
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}" }');
    const { code, reports } = await runAll(fx());
    expect(code).toBe(2);
    const taken = reports.find((r) => r.sync === 'people_sync/seg_01')!;
    expect(taken.error?.code).toBe('PINSYNC_LIST_NAME_TAKEN');
    expect(reports.filter((r) => r.status === 'succeeded').map((r) => r.sync)).toEqual(['people_sync/seg_00', 'people_sync/seg_02']);
    expect(fx().emulator.membership(foreign)).toEqual(new Set(['b'.repeat(64)]));
  });

  it('--select segment: needs a segment sync in the config', async () => {
    await fx().setPeople([{ email: 'a@example.com' }]);
    await fx().writeConfig();
    const res = await fx().cli(['plan', '--select', 'segment:vip']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no sync has segments:/);
  });
});

describe('a segment named like a sync', () => {
  const fx = useSyncFixture();

  it('--sync sync/value runs that segment, and runs --sync sync/value shows its history', async () => {
    await setSegments(fx(), spread(30, 3));
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}" }');
    const one = await runAll(fx(), ['--sync', 'people_sync/seg_01']);
    expect(one.code).toBe(0);
    expect(one.reports.map((r) => r.sync)).toEqual(['people_sync/seg_01']);
    const rest = await runAll(fx(), ['--exclude', 'people_sync/seg_01']);
    expect(rest.reports.map((r) => r.sync)).toEqual(['people_sync/seg_00', 'people_sync/seg_02']);
    const runs = await fx().cli(['runs', '--sync', 'people_sync/seg_01', '--json']);
    expect(runs.code).toBe(0);
    const { runs: rows } = JSON.parse(runs.stdout) as { runs: { syncName: string }[] };
    expect(rows.map((r) => r.syncName)).toEqual(['people_sync/seg_01']);
    expect((await fx().cli(['plan', '--sync', 'people_sync/'])).code).toBe(2);
  });
});

describe('segment selection rules', () => {
  it('a sync named whole keeps all its segments beside a selector for another sync', () => {
    const f = segmentFilterOf({ sync: ['people', 'other/vip'] });
    expect(segmentSelected(f, 'people', 'anything')).toBe(true);
    expect(segmentSelected(f, 'other', 'vip')).toBe(true);
    expect(segmentSelected(f, 'other', 'churn')).toBe(false);
  });
});

describe('the fan-out in the run history', () => {
  const fx = useSyncFixture();

  it('records its own run, so runs --sync shows it and --if-due sees the sync ran', async () => {
    await setSegments(fx(), spread(20, 2));
    await writeSegmentConfig(fx(), '{ column: segment, name: "CRM – {segment}" }', ['schedule: "0 0 1 1 *"']);
    const first = await runAll(fx(), ['--if-due']);
    expect(first.code).toBe(0);
    expect(first.reports.map((r) => r.sync)).toEqual(['people_sync/seg_00', 'people_sync/seg_01']);
    const runs = await fx().cli(['runs', '--sync', 'people_sync', '--json']);
    const { runs: rows } = JSON.parse(runs.stdout) as { runs: { syncName: string; status: string }[] };
    expect(rows).toEqual([expect.objectContaining({ syncName: 'people_sync', status: 'succeeded' })]);
    // not due again until next year: nothing read, nothing sent
    const requests = fx().emulator.requests.length;
    const again = await fx().cli(['sync', '--if-due']);
    expect(again.code).toBe(0);
    expect(fx().emulator.requests.length).toBe(requests);
    expect(again.stdout + again.stderr).toMatch(/skipped/i);
  });
});
