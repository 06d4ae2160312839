/**
 * The HTML plan report in a real browser (Debian's Chromium, headless, every request but file:/data: blocked): it
 * loads from disk with no console error and no request, each chart draws the bars its numbers say, and the verdict
 * reads what the JSON report of the same plan says. Screenshots (light and dark) go to .test-output/report-html/;
 * with PINSYNC_UPDATE_SCREENSHOTS=1 the plan's are copied to docs/ for the README.
 */
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReports } from '../../cli/output/render-report.js';
import { formatCount } from '../../cli/output/format-values.js';
import { formatMembershipDelta, verdictOf } from '../../cli/output/report-labels.js';
import type { SyncReport } from '../../core/sync-report.js';
import { type OpenedPage, ensureChromium, openInBrowser } from '../helpers/headless-browser.js';
import { REPO_ROOT, SyncFixture, makePeople } from '../helpers/sync-fixture.js';
import { blockedPlan, failedSync, succeededSync } from './report-fixtures.js';

const OUTPUT = join(REPO_ROOT, '.test-output', 'report-html');

// Resolved before the tests are collected: under CI=true a browser that cannot be installed throws here (the file
// fails), elsewhere the tests are skipped with the reason printed.
const chromium = await ensureChromium();
if (chromium.skipReason !== undefined) console.warn(chromium.skipReason);

/** Asserts the page loaded cleanly and made no request beyond its own file. */
function expectCleanLoad(opened: OpenedPage): void {
  expect(opened.consoleErrors).toEqual([]);
  expect(opened.failedRequests).toEqual([]);
  expect(opened.blockedRequests).toEqual([]);
}

/** For each chart: bars drawn (rects with a visible box when their value is not 0) and rows of its numbers table. */
async function chartsOf(opened: OpenedPage): Promise<{ bars: number; drawn: number; nonZero: number; rows: number }[]> {
  const figures = opened.page.locator('figure.ps-chart');
  const out = [];
  for (let i = 0; i < (await figures.count()); i++) {
    const figure = figures.nth(i);
    const rects = figure.locator('svg rect.ps-bar');
    let drawn = 0;
    let nonZero = 0;
    for (let j = 0; j < (await rects.count()); j++) {
      const value = Number(await rects.nth(j).getAttribute('data-value'));
      if (value > 0) nonZero += 1;
      const box = await rects.nth(j).boundingBox();
      if (value > 0 && box !== null && box.width > 0 && box.height > 0) drawn += 1;
    }
    out.push({ bars: await rects.count(), drawn, nonZero, rows: await figure.locator('table tbody tr').count() });
  }
  return out;
}

describe.skipIf(chromium.executable === undefined)('HTML report in Chromium', () => {
  let fx: SyncFixture;
  let report: SyncReport;
  let planFile: string;

  beforeAll(async () => {
    fx = await SyncFixture.create();
    await fx.setPeople(makePeople(1, 100));
    await fx.writeConfig();
    // The first sync writes its own HTML report: everything sent, so that is its verdict.
    expect((await fx.cli(['sync', '--format', 'html', '--out', 'reports/sync.html'])).code).toBe(0);
    const sent = await readFile(join(fx.dir, 'reports/sync.html'), 'utf8');
    expect(sent).toMatch(/<p class="ps-verdict ps-verdict-ok" data-verdict>Sent: added [\d,]+ records<\/p>/);
    // The next plan: 5 people gone, 15 new, and a few values the normalizer refuses.
    await fx.setPeople([
      ...makePeople(6, 110),
      { email: 'not-an-email' },
      { email: 'also not one' },
      { email: 'x@' },
      { gaid: '00000000-0000-0000-0000-000000000000' },
      { gaid: 'not-a-device-id' },
    ]);
    const json = await fx.syncJson(['plan']);
    expect(json.code).toBe(0);
    report = json.report;
    const res = await fx.cli(['plan', '--format', 'html', '--out', 'reports/plan.html']);
    expect(res.code).toBe(0);
    planFile = join(fx.dir, 'reports/plan.html');
    await mkdir(OUTPUT, { recursive: true });
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('opens a CLI plan from disk with no error or request, its verdict and charts matching the JSON report', async () => {
    const opened = await openInBrowser(planFile, { screenshot: join(OUTPUT, 'plan-light.png') });
    let loadMs = Number.NaN;
    try {
      loadMs = opened.loadMs;
      expectCleanLoad(opened);
      const verdict = verdictOf(report);
      expect(verdict.headline).toMatch(/^Would add /);
      expect(await opened.page.locator('[data-verdict]').allInnerTexts()).toEqual([verdict.headline]);
      expect(verdict.headline).toContain(formatCount(report.diff.adds));
      expect(verdict.headline).toContain(formatCount(report.diff.removes));
      expect(await opened.page.locator('[data-delta]').innerText()).toBe(formatMembershipDelta(report.diff));

      const rejectReasons = Object.values(report.rejected).filter((n) => (n ?? 0) > 0).length;
      expect(rejectReasons).toBeGreaterThanOrEqual(2);
      const charts = await chartsOf(opened);
      expect(charts.map((c) => c.bars)).toEqual([3, rejectReasons]);
      for (const chart of charts) {
        expect(chart.drawn).toBe(chart.nonZero);
        expect(chart.rows).toBe(chart.bars);
      }
      expect(await opened.page.locator('figure.ps-chart svg[role="img"]').count()).toBe(2);
      expect(await opened.page.title()).toBe('pinsync plan: people_sync');
    } finally {
      await opened.close();
    }
    const size = (await stat(planFile)).size;
    // A figure for the docs, not an assertion.
    console.log(`plan.html: ${formatCount(size)} bytes, 1 sync, load event after ${Math.round(loadMs)} ms`);
  });

  it('follows the system dark mode', async () => {
    const light = await openInBrowser(planFile);
    const dark = await openInBrowser(planFile, { colorScheme: 'dark', screenshot: join(OUTPUT, 'plan-dark.png') });
    try {
      expectCleanLoad(dark);
      const background = (o: OpenedPage) => o.page.evaluate('getComputedStyle(document.body).backgroundColor');
      expect(await background(light)).toBe('rgb(255, 255, 255)');
      expect(await background(dark)).toBe('rgb(13, 17, 23)');
    } finally {
      await light.close();
      await dark.close();
    }
    if (process.env.PINSYNC_UPDATE_SCREENSHOTS === '1') {
      await copyFile(join(OUTPUT, 'plan-light.png'), join(REPO_ROOT, 'docs', 'plan-report.png'));
      await copyFile(join(OUTPUT, 'plan-dark.png'), join(REPO_ROOT, 'docs', 'plan-report-dark.png'));
    }
  });

  it('shows several syncs under a summary, runs no injected markup, and draws every chart', async () => {
    const hostile: SyncReport = {
      ...succeededSync,
      sync: `<img src="https://example.invalid/x.png" onerror="console.error('injected')">`,
      warnings: [`<script>console.error('injected')</script>`],
    };
    const reports = [blockedPlan, hostile, failedSync];
    const file = join(OUTPUT, 'sync-report.html');
    await writeFile(file, renderReports(reports, 'html', { skipped: [{ sync: 'unbuilt_model', reason: 'not rebuilt in this dbt run' }] }));
    const opened = await openInBrowser(file, { screenshot: join(OUTPUT, 'sync-report-light.png') });
    try {
      expectCleanLoad(opened);
      expect(await opened.page.locator('table[data-summary] tbody tr').count()).toBe(4);
      expect(await opened.page.locator('[data-verdict]').allInnerTexts()).toEqual(reports.map((r) => verdictOf(r).headline));
      expect(await opened.page.locator('h2 code').first().innerText()).toBe('lapsed_buyers');
      expect(await opened.page.locator('#sync-1 h2 code').innerText()).toBe(hostile.sync);
      const charts = await chartsOf(opened);
      // Per sync the diff and the rejects by reason; a sync without rejects gets a sentence in an empty figure.
      expect(charts.map((c) => c.bars)).toEqual([3, 2, 3, 0, 3, 0]);
      for (const chart of charts) {
        expect(chart.drawn).toBe(chart.nonZero);
        expect(chart.rows).toBe(chart.bars);
      }
    } finally {
      await opened.close();
    }
  });
});
