/**
 * The HTML plan/sync report as text: every string a user, a warehouse or Pinterest controls is escaped, the page
 * cannot make a request, the verdict says what the JSON report says, and each chart has its numbers as a table.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../../cli/pinsync.js';
import { CSS_CLASSES, escapeHtml, renderHtmlPage } from '../../cli/output/html/html-page.js';
import { BAR_CLASS, renderBarChart } from '../../cli/output/html/svg-bar-chart.js';
import { renderReports } from '../../cli/output/render-report.js';
import { verdictOf } from '../../cli/output/report-labels.js';
import type { SyncReport } from '../../core/sync-report.js';
import { blockedPlan, failedSync, hash, succeededSync } from './report-fixtures.js';

const PAYLOAD = `<script>alert("x")</script><img src=x onerror='alert(1)'>&amp;`;

/** The text of every element carrying `attribute`, entities decoded. */
function texts(html: string, attribute: string): string[] {
  const pattern = new RegExp(`<[a-z]+[^>]* ${attribute}>([^<]*)</`, 'g');
  return [...html.matchAll(pattern)].map((m) => decode(m[1]!));
}

function decode(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
}

/** A sync report with the payload in every free-text field a user, a warehouse or Pinterest controls. */
const hostile: SyncReport = {
  ...failedSync,
  sync: `evil${PAYLOAD}`,
  columns: [{ column: `col${PAYLOAD}`, type: 'email', hashed: 1, prehashed: 0, empty: 0, rejected: { [`reason${PAYLOAD}`]: 2 } as SyncReport['rejected'] }],
  rejected: { [`reason${PAYLOAD}`]: 2 } as SyncReport['rejected'],
  guardrail: { verdict: 'pass', reasons: [] },
  error: { code: `CODE${PAYLOAD}`, message: `query failed near ${PAYLOAD}` },
  warnings: [`warning ${PAYLOAD}`],
  pinterest: {
    ...succeededSync.pinterest,
    customerListId: `list${PAYLOAD}`,
    audienceId: `aud${PAYLOAD}`,
    list: { id: 'l', name: `List name ${PAYLOAD}`, status: `READY${PAYLOAD}`, numUploadedUserRecords: 1, numRemovedUserRecords: 0, numBatches: 1 },
    audience: { id: 'a', name: `Audience name ${PAYLOAD}`, status: `READY${PAYLOAD}`, size: null, customerListId: 'l' },
  },
};
const blockedHostile: SyncReport = { ...blockedPlan, sync: `blocked${PAYLOAD}`, guardrail: { verdict: 'blocked', reasons: [`reason text ${PAYLOAD}`] } };

describe('renderReports html: escaping', () => {
  const html = renderReports([hostile, blockedHostile], 'html', { skipped: [{ sync: `skipped${PAYLOAD}`, reason: `because ${PAYLOAD}` }] });

  it('never lets a user-controlled string open a tag or an attribute', () => {
    // The page's own markup has one <script>-free head and no <img>; any of these would be the payload getting through.
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img/i);
    expect(html).not.toMatch(/onerror='/i);
    expect(html).not.toContain('alert("x")');
    expect(html).toContain('evil&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;amp;');
  });

  it('shows each hostile string escaped where it belongs', () => {
    for (const field of ['evil', 'blocked', 'col', 'reason', 'CODE', 'warning ', 'List name ', 'Audience name ', 'reason text ', 'skipped', 'because ']) {
      expect(html, field).toContain(`${field}${escapeHtml(PAYLOAD)}`);
    }
  });

  it('escapes what goes into SVG text and aria-label attributes too', () => {
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    expect(svgs.length).toBeGreaterThan(0);
    const reasonChart = svgs.find((s) => s.includes('Rejected values by reason'))!;
    expect(reasonChart).toContain(`aria-label="Rejected values by reason: reason${escapeHtml(PAYLOAD)} 2"`);
    // A label too long for its column is cut, and the cut must not leave half an entity behind.
    for (const text of reasonChart.match(/<text[^>]*>[^<]*<\/text>/g) ?? []) expect(text).not.toMatch(/&[a-z#0-9]*…/);
  });

  it('escapes every character that matters in text and attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('renderReports html: the page', () => {
  const html = renderReports([blockedPlan, succeededSync, failedSync], 'html');

  it('is a complete document that allows no request of any kind', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;[^"]*script-src &#39;none&#39;/);
    expect(html).toContain('prefers-color-scheme: dark');
    // The only URL in the page is the SVG namespace, which is a name, not a request.
    const urls = (html.match(/(?:https?:)?\/\/[a-z0-9.-]+/gi) ?? []).filter((u) => u !== 'http://www.w3.org');
    expect(urls).toEqual([]);
    expect(html).not.toMatch(/\burl\(|@import|\bsrc=|<link/i);
  });

  it('says for each sync what the JSON report says: verdict first, in report order', () => {
    const doc = JSON.parse(renderReports([blockedPlan, succeededSync, failedSync], 'json')) as { syncs: SyncReport[] };
    const verdicts = texts(html, 'data-verdict');
    expect(verdicts).toEqual(doc.syncs.map((s) => verdictOf(s).headline));
    expect(verdicts).toEqual(['Guardrail stop: a sync would send nothing', 'Sent: added 600 and removed 100 records', 'Failed, nothing sent']);
    // Verdict before anything else in each section.
    for (const section of html.split('<section class="ps-section" id="sync-').slice(1)) {
      expect(section.indexOf('data-verdict')).toBeLessThan(section.indexOf('<figure'));
      expect(section.indexOf('data-verdict')).toBeGreaterThan(section.indexOf('</h2>'));
    }
    expect(texts(html, 'data-reasons')).toEqual([]); // reasons are <li>s: check them directly
    expect(html).toContain('<ul data-reasons><li>Removes 900,000 of 2,000,000 acknowledged records (45.0%), above maxRemovePercent 20.</li></ul>');
    expect(html).toContain('<p data-error><strong>Error</strong> <code>PINTEREST_403</code> Not authorized to access the ad account. request id abc123</p>');
  });

  it('has a summary with one row per sync, the delta against the acknowledged membership, and the exit code', () => {
    const summary = html.slice(html.indexOf('<table class="ps-table" data-summary>'), html.indexOf('</table>', html.indexOf('data-summary')));
    expect(summary.match(/<tr>/g)).toHaveLength(4);
    expect(summary).toContain('-850,000 (-42.5%)');
    expect(summary).toContain('+500 (+5.3%)');
    expect(summary).toContain('+300 (new list)');
    expect(html).toContain('exit code 1');
    expect(texts(html, 'data-delta')).toEqual(['-850,000 (-42.5%)', '+500 (+5.3%)', '+300 (new list)']);
  });

  it('draws the diff and the rejects by reason as bar charts, each with a table of its numbers', () => {
    const first = html.slice(html.indexOf('id="sync-0"'), html.indexOf('id="sync-1"'));
    const figures = first.match(/<figure[\s\S]*?<\/figure>/g) ?? [];
    expect(figures).toHaveLength(2);
    const [diff, rejects] = figures as [string, string];
    expect(diff.match(new RegExp(`class="${BAR_CLASS}"`, 'g'))).toHaveLength(3);
    expect(diff).toMatch(/<td>adds<\/td><td class="num">50,000<\/td>/);
    expect(diff).toMatch(/<td>unchanged<\/td><td class="num">1,100,000<\/td>/);
    expect(rejects.match(new RegExp(`class="${BAR_CLASS}"`, 'g'))).toHaveLength(2);
    expect(rejects).toMatch(/role="img" aria-label="Rejected values by reason: invalid_email 14,000, zero_device_id 15"/);
    // Without rejects there is a sentence, not an empty chart.
    expect(html.slice(html.indexOf('id="sync-1"'))).toContain('No values rejected.');
  });

  it('shows hashes only, ids and Pinterest state, and says a plan sent nothing', () => {
    expect(html).toContain(`<code>${hash(1)}</code>`);
    expect(html).not.toContain('someone@example.com');
    expect(html).toContain('1234567890 “VIP customers” · READY, 10,600 uploaded, 100 removed');
    expect(html).toContain('2542620155999 “VIP customers” · READY, size 9,800');
    expect(renderReports([blockedPlan], 'html')).toContain('Plan only — nothing sent to Pinterest, nothing stored');
    expect(renderReports([blockedPlan], 'html', { dryRun: true })).toContain('<title>pinsync dry run: lapsed_buyers</title>');
  });

  it('shows BigQuery bytes to scan when the warehouse said', () => {
    expect(renderReports([{ ...blockedPlan, scanBytes: 3 * 1024 ** 3 }], 'html')).toContain('<dt>bytes to scan (warehouse estimate)</dt><dd>3 GiB</dd>');
    expect(html).not.toContain('bytes to scan');
  });

  it('says so when no sync was selected', () => {
    expect(renderReports([], 'html')).toContain('<p>No syncs selected.</p>');
  });
});

describe('renderBarChart', () => {
  it('draws one bar per value, longest for the largest, with a table and an accessible label', () => {
    const chart = renderBarChart({ title: 'Things', bars: [{ label: 'a', value: 10 }, { label: 'b', value: 5 }, { label: 'c', value: 0 }] });
    const widths = [...chart.matchAll(/class="ps-bar"[^>]* width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(3);
    expect(widths[0]).toBeGreaterThan(widths[1]!);
    expect(widths[1]).toBeCloseTo(widths[0]! / 2, 0);
    expect(widths[2]).toBe(0);
    expect(chart).toContain('role="img" aria-label="Things: a 10, b 5, c 0"');
    expect(chart.match(/<tr>/g)).toHaveLength(4);
  });

  it('draws vertical bars, survives zeros and non-numbers, and can fold its table away', () => {
    const bars = Array.from({ length: 40 }, (_, i) => ({ label: `day ${i}`, value: i === 3 ? Number.NaN : i }));
    const chart = renderBarChart({ title: 'Days', bars, orientation: 'vertical', table: 'collapsed' });
    expect(chart.match(/class="ps-bar"/g)).toHaveLength(40);
    expect(chart).not.toMatch(/NaN"|="-|\d\.\d{2,}"/);
    expect(chart).toContain('<details><summary>Numbers</summary><table');
    expect(renderBarChart({ title: 'None', bars: [], emptyText: 'Nothing here.' })).toContain('Nothing here.');
  });
});

describe('renderHtmlPage', () => {
  it('allows inline script only when the page has one, and keeps it from closing its own tag', () => {
    expect(renderHtmlPage({ title: 't', body: '' })).toContain("script-src &#39;none&#39;");
    const page = renderHtmlPage({ title: 't', body: '', script: 'const s = "</script><b>";' });
    expect(page).toContain("script-src &#39;unsafe-inline&#39;");
    expect(page).toContain('const s = "<\\/script><b>";');
    expect(page.match(/<\/script>/g)).toHaveLength(1);
    expect(CSS_CLASSES.verdict).toBe('ps-verdict');
  });
});

describe('plan --format html destination', () => {
  async function run(args: string[], tty: boolean): Promise<{ code: number; stdout: string; stderr: string }> {
    const stdout = Object.assign(new PassThrough(), { isTTY: tty });
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await main(args, { stdout, stderr, env: { PINSYNC_LOG_LEVEL: 'silent' }, cwd: '/nonexistent-pinsync-dir' });
    return { code, stdout: out, stderr: err };
  }

  it('refuses to print a page to a terminal before reading the config, and says how to get the file', async () => {
    const res = await run(['plan', '--format', 'html', '-c', 'missing.yaml'], true);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--format html writes a web page.*--out report\.html/);
    expect(res.stderr).not.toMatch(/missing\.yaml/);
    expect(res.stdout).toBe('');
  });

  it('goes on to the config when stdout is a pipe', async () => {
    const res = await run(['plan', '--format', 'html', '-c', 'missing.yaml'], false);
    expect(res.stderr).not.toMatch(/--format html writes a web page/);
    expect(res.stderr).toMatch(/missing\.yaml/);
  });
});

describe('verdictOf', () => {
  it('words every outcome a reviewer can meet', () => {
    const plan = { ...succeededSync, mode: 'plan' as const, status: 'planned' as const, sent: { adds: 0, removes: 0, batches: 0 } };
    expect(verdictOf(plan)).toEqual({ tone: 'ok', headline: 'Would add 600 and remove 100 records', reasons: [] });
    expect(verdictOf({ ...plan, diff: { ...plan.diff, adds: 1, removes: 0 } }).headline).toBe('Would add 1 record');
    expect(verdictOf({ ...plan, diff: { acknowledged: 5, current: 5, adds: 0, removes: 0, unchanged: 5 } }).headline).toBe('Would send nothing: already in step (5 records)');
    const forced = verdictOf({ ...succeededSync, forced: true, guardrail: { verdict: 'overridden', reasons: ['Removes 40% of the list.'] } });
    expect(forced).toEqual({ tone: 'warn', headline: 'Sent: added 600 and removed 100 records past a guardrail (--force)', reasons: ['Removes 40% of the list.'] });
    expect(verdictOf({ ...succeededSync, status: 'interrupted', sent: { adds: 200, removes: 0, batches: 1 } }).headline).toBe('Interrupted, after sending 200 adds and 0 removes');
    expect(verdictOf({ ...failedSync, mode: 'plan' }).headline).toBe('Failed: the plan could not finish');
    expect(verdictOf({ ...blockedPlan, mode: 'sync' })).toMatchObject({ tone: 'bad', headline: 'Guardrail stop: nothing sent' });
  });
});
