import { describe, expect, it } from 'vitest';
import { parseSince, toRunRow } from '../../cli/commands/runs-command.js';
import { type RunHistoryEntry, renderRunsHtml } from '../../cli/output/html/render-runs-html.js';
import { downsample, formatCompact, niceTicks, renderLineChart } from '../../cli/output/html/svg-line-chart.js';
import { statusSpans } from '../../cli/output/html/svg-status-strip.js';
import { UsageError } from '../../core/errors.js';
import { generateRuns, historyEntries, runRecords } from './run-history-fixtures.js';

const NOW = new Date('2026-12-01T00:00:00Z');

/** `data-points` of each series in the chart with this caption, by series label. */
function pointsOf(html: string, caption: string): Record<string, number> {
  const start = html.indexOf(`<figcaption>${caption}</figcaption>`);
  expect(start, caption).toBeGreaterThan(-1);
  const figure = html.slice(start, html.indexOf('</figure>', start));
  return Object.fromEntries([...figure.matchAll(/data-series="([^"]*)" data-points="(\d+)"/g)].map((m) => [m[1]!, Number(m[2])]));
}

/** Every polyline vertex of a series, as [x, y]. */
function vertices(svg: string, series: string): [number, number][] {
  const group = svg.slice(svg.indexOf(`data-series="${series}"`), svg.indexOf('</g>', svg.indexOf(`data-series="${series}"`)));
  return [...group.matchAll(/<polyline[^>]* points="([^"]*)"/g)].flatMap((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number) as [number, number]));
}

describe('renderRunsHtml', () => {
  const runs = generateRuns({ count: 40, failEvery: 13 });
  const html = renderRunsHtml(historyEntries(runs), { generatedAt: NOW });

  it('is one self-contained page: no script, no external reference', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(?!#)/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('draws one point per run in each chart, and lists every run with its report', () => {
    expect(pointsOf(html, 'Acknowledged membership')).toEqual({ 'acknowledged after the run': 40, 'valid records in the query': 40 });
    expect(pointsOf(html, 'Adds and removes per run')).toEqual({ 'adds sent': 40, 'removes sent': 40, 'adds planned': 40, 'removes planned': 40 });
    // invalid_device_id is rejected every third run, 0 otherwise: still a value per run (read, nothing rejected).
    expect(pointsOf(html, 'Rejected values by reason')).toEqual({ invalid_email: 40, invalid_device_id: 40 });
    // The first run created the list (nothing acknowledged before): its counters count from zero.
    expect(pointsOf(html, "Pinterest&#39;s counters against what was sent")).toEqual({
      'adds sent': 40,
      'uploaded records counted by Pinterest': 40,
      'removes sent': 40,
      'removed records counted by Pinterest': 40,
    });
    // Hidden (under ~100) for the first five runs.
    expect(pointsOf(html, 'Audience size')).toEqual({ 'audience size': 35 });
    expect(html.match(/<details class="ps-run" data-run="\d+">/g)).toHaveLength(40);
    expect(html.indexOf('data-run="40"')).toBeLessThan(html.indexOf('data-run="1"'));
    // The report opened from a run is the terminal report of that run.
    const failed = html.slice(html.indexOf('data-run="14"'), html.indexOf('</details>', html.indexOf('data-run="14"')));
    expect(failed).toContain('<span class="ps-st ps-st-bad">failed</span>');
    expect(failed).toContain('PINSYNC_PINTEREST_5XX: Pinterest answered 503 three times');
    expect(failed).toMatch(/<pre>vip_customers {2}· {2}SYNC {2}· {2}failed/);
  });

  it("compares Pinterest's counter growth with what each run sent", () => {
    const entries = historyEntries(runs.slice(0, 3));
    // Pinterest counted one upload too many in the third run (a replayed batch).
    entries[0]!.report!.pinterest.list!.numUploadedUserRecords += 1;
    const page = renderRunsHtml(entries, { generatedAt: NOW });
    const table = page.slice(page.indexOf("<figcaption>Pinterest&#39;s counters against what was sent</figcaption>"));
    const rows = [...table.slice(0, table.indexOf('</table>')).matchAll(/<tr><td>([^<]*)<\/td>((?:<td class="num">[^<]*<\/td>)+)<\/tr>/g)].map((m) => [
      m[1],
      ...[...m[2]!.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((c) => c[1]),
    ]);
    const sent = runs.slice(0, 3).map((r) => r.report.sent.adds);
    expect(rows.map((r) => [r[1], r[2]])).toEqual([
      [sent[0]!.toLocaleString('en-US'), sent[0]!.toLocaleString('en-US')],
      [sent[1]!.toLocaleString('en-US'), sent[1]!.toLocaleString('en-US')],
      [sent[2]!.toLocaleString('en-US'), (sent[2]! + 1).toLocaleString('en-US')],
    ]);
  });

  it('escapes names and scrubs error text, in the list and in the opened report', () => {
    const [run] = generateRuns({ count: 1 });
    run!.report.sync = 'vip<script>alert(1)</script>';
    run!.report.status = 'failed';
    run!.status = 'failed';
    run!.report.error = { code: 'PINSYNC_WAREHOUSE', message: `Could not convert string 'jane.doe@example.com' to INT32 <img src=x onerror=alert(1)>` };
    run!.report.warnings = ['row for jane.doe@example.com skipped'];
    const page = renderRunsHtml(historyEntries([run!]), { generatedAt: NOW });
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).toContain('vip&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).not.toContain('jane.doe');
    expect(page).toContain('&lt;redacted&gt;');
  });

  it('lists the newest runs one by one and summarizes the older ones per day', () => {
    const page = renderRunsHtml(historyEntries(generateRuns({ count: 72 })), { generatedAt: NOW, fullRuns: 10 });
    expect(page.match(/<details class="ps-run" /g)).toHaveLength(10);
    expect(page).toContain('the 62 older runs are summarized per day');
    expect(page).toContain('Older runs: 62 runs over 3 days, summarized per day');
    // 2026-01-01: 24 runs (1 failed: run 97 is past the end, none here), 01-02: 24, 01-03: 14 older than the newest 10.
    expect(page).toMatch(/<tr><td>2026-01-03<\/td><td class="num">14<\/td>/);
    expect(page).toMatch(/<tr><td>2026-01-01<\/td><td class="num">24<\/td>/);
  });

  it('shows a run that never finished, and several syncs with a summary on top', () => {
    const [a] = generateRuns({ count: 1, sync: 'alpha' });
    const killed: RunHistoryEntry = {
      row: toRunRow({ ...runRecords([a!])[0]!, id: 2, status: 'running', report: null, holderGone: true, addsSent: 20_000, removesSent: 0 }),
      report: null,
    };
    const [b] = generateRuns({ count: 1, sync: 'beta' });
    const page = renderRunsHtml([killed, ...historyEntries([a!]), ...historyEntries([b!])], { generatedAt: NOW, since: new Date('2025-12-01T00:00:00Z') });
    expect(page).toContain('runs started since 2025-12-01T00:00:00Z: 3 runs of 2 syncs');
    expect(page).toContain('<a href="#sync-alpha">alpha</a>');
    expect(page).toContain('id="sync-beta"');
    expect(page).toContain('interrupted?');
    expect(page).toContain('No report: the run never finished (killed, or still running). Acknowledged so far: 20,000 adds, 0 removes.');
  });

  it('says so when no run matches', () => {
    expect(renderRunsHtml([], { generatedAt: NOW, since: NOW })).toContain('No runs recorded in that period.');
    expect(renderRunsHtml([], { generatedAt: NOW })).toContain('No runs recorded yet.');
  });
});

describe('downsampling', () => {
  it('keeps every point up to the bucket limit', () => {
    const x = [0, 10, 20];
    expect(downsample(x, [[1, null, 3]], 400)).toEqual({ bucket: undefined, kept: [[0, 2]], groups: [[0, 0], [1, 1], [2, 2]] });
  });

  it("keeps each bucket's lowest and highest value, so spikes and dips survive", () => {
    // A year of hourly runs: a noisy series with one spike and one dip that an average would flatten.
    const hour = 3_600_000;
    const x = Array.from({ length: 9_000 }, (_, i) => Date.UTC(2026, 0, 1) + i * hour);
    let seed = 7;
    const noise = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647) * 100;
    const values: (number | null)[] = x.map(() => 1_000 + noise());
    values[4_321] = 50_000;
    values[6_000] = 0;
    values[100] = null;
    const { bucket, kept, groups } = downsample(x, [values], 400);
    expect(bucket).toEqual({ ms: 86_400_000, name: 'day' });
    expect(groups).toHaveLength(375);
    expect(kept[0]!.length).toBeLessThanOrEqual(2 * groups.length);
    expect(kept[0]).toContain(4_321);
    expect(kept[0]).toContain(6_000);
    expect(kept[0]).not.toContain(100);
    for (const [from, to] of groups) {
      const inBucket = kept[0]!.filter((i) => i >= from && i <= to).map((i) => values[i]!);
      const all = values.slice(from, to + 1).filter((v): v is number => v !== null);
      expect(Math.min(...inBucket)).toBe(Math.min(...all));
      expect(Math.max(...inBucket)).toBe(Math.max(...all));
    }

    // And the drawing has the spike at the top and the dip at the bottom of the plot.
    const chart = renderLineChart({ title: 'size', x, series: [{ label: 'size', values }] });
    expect(chart).toMatch(/data-series="size" data-points="(\d+)"/);
    const ys = vertices(chart, 'size').map(([, y]) => y);
    // Plot from y=10 (60,000, the top gridline) to y=174 (0): the spike to 50,000 is the highest vertex, the dip the lowest.
    expect(Math.min(...ys)).toBe(37.3);
    expect(Math.max(...ys)).toBe(174);
    expect(chart).toContain('Numbers (lowest and highest per day)');
    expect(chart).toContain('<td>2026-06-30</td><td class="num">24</td>');
  });

  it('breaks the line where a run measured nothing, and marks a lone point', () => {
    const chart = renderLineChart({ title: 't', x: [1, 2, 3, 4, 5], series: [{ label: 's', values: [1, 2, null, 4, null] }] });
    expect(chart.match(/<polyline/g)).toHaveLength(1);
    expect(chart).toContain('data-points="3"');
    expect(chart.match(/<circle/g)).toHaveLength(3);
  });
});

describe('chart helpers', () => {
  it('rounds axes and labels for people', () => {
    expect(niceTicks(0, 7_345)).toEqual([0, 2_000, 4_000, 6_000, 8_000]);
    expect(niceTicks(0, 0)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect([950, 12_000, 1_500_000, 2_000_000_000].map((n) => formatCompact(n))).toEqual(['950', '12k', '1.5M', '2B']);
    expect([0, 2_500, 5_000, 7_500, 10_000].map((n) => formatCompact(n, 10_000))).toEqual(['0', '2.5k', '5k', '7.5k', '10k']);
    expect([0, 500, 1_000].map((n) => formatCompact(n, 1_000))).toEqual(['0', '500', '1,000']);
  });

  it('merges equal statuses into spans', () => {
    expect(statusSpans(['TOO_SMALL', null, 'TOO_SMALL', 'READY', null, 'READY'])).toEqual([
      { status: 'TOO_SMALL', first: 0, last: 2, runs: 2 },
      { status: 'READY', first: 3, last: 5, runs: 2 },
    ]);
  });
});

describe('--since', () => {
  it('takes an age back from now, or a UTC date or time', () => {
    expect(parseSince('90d', NOW).toISOString()).toBe('2026-09-02T00:00:00.000Z');
    expect(parseSince('12h', NOW).toISOString()).toBe('2026-11-30T12:00:00.000Z');
    expect(parseSince('30m', NOW).toISOString()).toBe('2026-11-30T23:30:00.000Z');
    expect(parseSince('2026-10-01', NOW).toISOString()).toBe('2026-10-01T00:00:00.000Z');
    expect(parseSince('2026-10-01T06:30', NOW).toISOString()).toBe('2026-10-01T06:30:00.000Z');
    expect(parseSince('2026-10-01T06:30:00+02:00', NOW).toISOString()).toBe('2026-10-01T04:30:00.000Z');
  });

  it.each(['0d', '90', 'yesterday', '2026-02-30', '2026-13-01', '10/01/2026', '2026-02-30T00:00Z', '2026-02-31T10:00+02:00'])('refuses %s', (value) => {
    expect(() => parseSince(value, NOW)).toThrow(UsageError);
  });
});
