/**
 * `pinsync runs --format html` in a real browser (Debian's Chromium, headless, every request but file:/data:
 * blocked): the page loads from disk with no console error and no request, each line chart draws one vertex per run
 * it says it has, the strips and bars draw, and clicking a run opens its report. Screenshots (light and dark) go to
 * .test-output/runs-html/; with PINSYNC_UPDATE_SCREENSHOTS=1 the light one is copied to docs/runs-report.png.
 * A second state holds a year of hourly runs (9,000): the file's size, the command's time and the page's load time
 * are printed, figures for the README, bounded only loosely.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runsCommand } from '../../cli/commands/runs-command.js';
import { DuckDbStateStore } from '../../connectors/state/duckdb/duckdb-state-store.js';
import { type OpenedPage, ensureChromium, openInBrowser } from '../helpers/headless-browser.js';
import { REPO_ROOT, SyncFixture, TOKEN } from '../helpers/sync-fixture.js';
import { generateRuns, storeRuns } from './run-history-fixtures.js';

const OUTPUT = join(REPO_ROOT, '.test-output', 'runs-html');

const chromium = await ensureChromium();
if (chromium.skipReason !== undefined) console.warn(chromium.skipReason);

function expectCleanLoad(opened: OpenedPage): void {
  expect(opened.consoleErrors).toEqual([]);
  expect(opened.failedRequests).toEqual([]);
  expect(opened.blockedRequests).toEqual([]);
}

/** Writes `count` hourly runs into the fixture's DuckDB state and the page to `out`; resolves with the command's time. */
async function pageOf(fx: SyncFixture, count: number, out: string): Promise<number> {
  const store = (await DuckDbStateStore.open(fx.statePath))!;
  try {
    await storeRuns(store, generateRuns({ count, sync: 'people_sync', failEvery: 41 }));
  } finally {
    await store.close();
  }
  const sink = new PassThrough().resume();
  const started = performance.now();
  const code = await runsCommand(
    { config: fx.configPath, sync: undefined, json: false, limit: 20, format: 'html', out },
    { stdout: sink, stderr: sink, env: { PINTEREST_ACCESS_TOKEN: TOKEN }, cwd: fx.dir },
  );
  expect(code).toBe(0);
  return performance.now() - started;
}

/** Per series of each line chart: its caption, label, `data-points`, and the vertices and markers actually drawn. */
function seriesDrawn(opened: OpenedPage): Promise<{ chart: string; series: string; points: number; vertices: number; lone: number; width: number }[]> {
  // A string, not a function: the project compiles without the DOM types this runs against.
  return opened.page.evaluate(`[...document.querySelectorAll('g.ps-series')].map((g) => {
    const polylines = [...g.querySelectorAll('polyline')];
    return {
      chart: g.closest('figure').querySelector('figcaption').textContent,
      series: g.getAttribute('data-series'),
      points: Number(g.getAttribute('data-points')),
      vertices: polylines.reduce((n, p) => n + p.points.numberOfItems, 0),
      lone: g.querySelectorAll('circle').length,
      width: Math.max(0, ...polylines.map((p) => p.getBoundingClientRect().width)),
    };
  })`);
}

describe.skipIf(chromium.executable === undefined)('runs --format html in Chromium', () => {
  let fx: SyncFixture;
  let file: string;
  const count = 14 * 24;

  beforeAll(async () => {
    fx = await SyncFixture.create();
    await fx.writeConfig();
    file = join(fx.dir, 'runs.html');
    await pageOf(fx, count, 'runs.html');
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('loads with no error or request, and every chart draws what its numbers say', async () => {
    const opened = await openInBrowser(file, { screenshot: join(OUTPUT, 'runs-light.png') });
    try {
      expectCleanLoad(opened);
      const drawn = await seriesDrawn(opened);
      const points = Object.fromEntries(drawn.map((d) => [`${d.chart} / ${d.series}`, d.points]));
      // Two weeks of hourly runs are under the bucket limit: one point per run that measured the value.
      expect(points).toEqual({
        'Acknowledged membership / acknowledged after the run': count,
        'Acknowledged membership / valid records in the query': count,
        'Adds and removes per run / adds sent': count,
        'Adds and removes per run / removes sent': count,
        'Adds and removes per run / adds planned': count,
        'Adds and removes per run / removes planned': count,
        'Rejected values by reason / invalid_email': count,
        'Rejected values by reason / invalid_device_id': count,
        "Pinterest's counters against what was sent / adds sent": count,
        "Pinterest's counters against what was sent / uploaded records counted by Pinterest": count,
        "Pinterest's counters against what was sent / removes sent": count,
        "Pinterest's counters against what was sent / removed records counted by Pinterest": count,
        // hidden while the audience was too small (the first five runs)
        'Audience size / audience size': count - 5,
      });
      for (const d of drawn) {
        // Every kept point is a polyline vertex or, when it has no neighbour, a marker; and each line has width.
        expect(d.vertices + d.lone, `${d.chart} / ${d.series}`).toBe(d.points);
        expect(d.width, `${d.chart} / ${d.series}`).toBeGreaterThan(500);
      }
      // Bars: runs by status (succeeded, failed) and rejects by reason; strips: one span per stretch of a status.
      expect(await opened.page.locator('figure:has(figcaption:text-is("Runs by status")) rect.ps-bar').count()).toBe(2);
      expect(await opened.page.locator('figure:has(figcaption:text-is("Rejected values by reason, all these runs")) rect.ps-bar').count()).toBe(2);
      const failures = Math.floor((count - 1) / 41);
      expect(await opened.page.locator('figure:has(figcaption:text-is("Run status over time")) rect.ps-span').count()).toBe(2 * failures + 1);
      expect(await opened.page.locator('figure:has(figcaption:text-is("Audience status")) rect.ps-span').count()).toBe(2);
      // Each chart's numbers are a table: one row per run.
      expect(await opened.page.locator('figure:has(figcaption:text-is("Acknowledged membership")) table tbody tr').count()).toBe(count);
      await opened.page.emulateMedia({ colorScheme: 'dark' });
      await opened.page.screenshot({ path: join(OUTPUT, 'runs-dark.png'), fullPage: true });
      if (process.env.PINSYNC_UPDATE_SCREENSHOTS === '1') {
        await mkdir(join(REPO_ROOT, 'docs'), { recursive: true });
        // The top of the page (summary and charts) is what the README shows; the full page is in .test-output.
        await opened.page.emulateMedia({ colorScheme: 'light' });
        await opened.page.screenshot({ path: join(REPO_ROOT, 'docs', 'runs-report.png'), fullPage: true, clip: { x: 0, y: 0, width: 1100, height: 2400 } });
      }
    } finally {
      await opened.close();
    }
  });

  it("clicking a run opens its full report, without a script", async () => {
    const opened = await openInBrowser(file);
    try {
      expect(await opened.page.locator('script').count()).toBe(0);
      const failed = opened.page.locator('details.ps-run[data-run="329"]');
      await expect.poll(() => failed.locator('pre').isVisible()).toBe(false);
      await failed.locator('summary').click();
      expect(await failed.locator('pre').isVisible()).toBe(true);
      const text = await failed.locator('pre').innerText();
      expect(text).toMatch(/^people_sync {2}· {2}SYNC {2}· {2}failed {2}·/);
      expect(text).toContain('error                PINSYNC_PINTEREST_5XX: Pinterest answered 503');
      await opened.page.screenshot({ path: join(OUTPUT, 'runs-opened.png'), clip: { x: 0, y: (await failed.boundingBox())!.y - 40, width: 1100, height: 700 } });
      expectCleanLoad(opened);
    } finally {
      await opened.close();
    }
  });
});

describe.skipIf(chromium.executable === undefined)('runs --format html with a year of hourly runs', () => {
  let fx: SyncFixture;

  beforeAll(async () => {
    fx = await SyncFixture.create();
    await fx.writeConfig();
  });

  afterAll(async () => {
    await fx?.close();
  });

  it('stays small and opens fast (figures printed, bounds loose)', async () => {
    const commandMs = await pageOf(fx, 9_000, 'runs.html');
    const file = join(fx.dir, 'runs.html');
    const bytes = (await stat(file)).size;
    const opened = await openInBrowser(file, { screenshot: join(OUTPUT, 'runs-9000.png') });
    try {
      expectCleanLoad(opened);
      const drawn = await seriesDrawn(opened);
      for (const d of drawn) {
        expect(d.vertices + d.lone).toBe(d.points);
        // 375 days: at most a lowest and a highest point per day.
        expect(d.points).toBeLessThanOrEqual(2 * 375);
      }
      expect(await opened.page.locator('details.ps-run').count()).toBe(500);
      console.log(
        `runs --format html, 9,000 runs: ${(bytes / 1024 / 1024).toFixed(2)} MB, command ${(commandMs / 1000).toFixed(2)} s ` +
          `(read, render, write), load event after ${opened.loadMs.toFixed(0)} ms in headless Chromium`,
      );
      expect(bytes).toBeLessThan(10 * 1024 * 1024);
      expect(opened.loadMs).toBeLessThan(30_000);
    } finally {
      await opened.close();
    }
  });
});
